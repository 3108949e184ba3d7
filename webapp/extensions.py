"""Flask extensions, created unbound; `create_app` binds them with init_app."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from .live_socket import LiveSock


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
sock = LiveSock()  # flask-sock with keepalive, idle and size limits (live_socket.py)
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
