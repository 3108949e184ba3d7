"""Job events: store, bus (SQLite polling or Redis pub/sub) and the websocket routes."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Bind Huey to this app's queue store and attach the websocket routes."""
    from ..huey_app import configure_from_app
    from . import sockets

    configure_from_app(app)
    sockets.register(app)
