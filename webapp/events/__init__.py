"""Job events: store, bus (SQLite polling or Redis pub/sub) and the websocket routes."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the websocket routes (added by the jobs issue)."""
