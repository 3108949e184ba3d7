"""Herald: the app factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import database
from .config import ROOT, load_settings
from .extensions import csrf, db, limiter, login_manager, migrate, sock


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` on top (tests use it)."""
    settings = load_settings()
    settings.update(config or {})
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .logging_setup import configure_logging

    configure_logging(app)
    database.init_request_intent(app)
    if app.config.get("HERALD_PROXY_HOPS"):
        # Behind nginx: the client's address (rate limits, logs) and scheme come from X-Forwarded-*.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["HERALD_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)

    from . import models  # noqa: F401  (register tables)
    from .security import init_security

    init_security(app)
    from .markup import init_app as init_markup

    init_markup(app)

    from . import api, web

    api.register(app)
    web.register(app)

    from .huey_app import configure_from_app

    configure_from_app(app)

    from .cli import register_cli

    register_cli(app)
    return app
