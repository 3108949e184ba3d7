"""Logging a self-hoster can use: one line per request with a request id (echoed as X-Request-ID),
unhandled errors with their traceback and the same request id, and JSON lines on demand
(HERALD_LOG_FORMAT=json).

Everything goes to stderr through one handler shared by the "herald" logger and the app's own
logger ("webapp", so every `logging.getLogger(__name__)` inside the package too): systemd's journal
or gunicorn's error log collects it. Gunicorn's access log stays off (deploy/gunicorn.conf.py):
the request line below replaces it, so requests are not logged twice.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

logger = logging.getLogger("herald")

# A client's or proxy's request id is kept only in this shape (no spaces, quotes or line breaks), so
# it can neither forge a log line nor smuggle text into one; anything else gets an id of our own.
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._-]{8,128}")
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class RequestContextFilter(logging.Filter):
    """Stamp records logged during a request with its id, method and path (errors included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            if not hasattr(record, "request_id"):
                record.request_id = g.get("request_id")
            if not hasattr(record, "method"):
                record.method = request.method
            if not hasattr(record, "path"):
                record.path = request.path
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request fields, exc (traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in REQUEST_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines; a record logged inside a request ends with rid=<id> unless it already says so."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        if rid and f"rid={rid}" not in line.split("\n", 1)[0]:
            first, sep, rest = line.partition("\n")
            line = f"{first} rid={rid}{sep}{rest}"
        return line


def make_handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler.set_name("herald")
    return handler


def configure_logging(app: Flask) -> None:
    """Attach the shared handler and the per-request id + access line to `app`."""
    handler = make_handler(app.config.get("HERALD_LOG_FORMAT", "text"))
    level = app.config.get("HERALD_LOG_LEVEL", "INFO")
    # Flask logs unhandled exceptions (with traceback) on app.logger: route it through our handler
    # so the error carries the request id and follows HERALD_LOG_FORMAT, instead of Flask's default
    # plain handler.
    for log in (logger, app.logger):
        log.handlers[:] = [handler]
        log.setLevel(level)
        log.propagate = False
    # The dev server's own access lines would duplicate ours; keep its warnings and errors.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    @app.before_request
    def _start_timer():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_SHAPE.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        extra = {
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": ms,
        }
        user = g.get("_login_user")  # only when Flask-Login already loaded it: no extra query
        if user is not None and getattr(user, "is_authenticated", False):
            extra["user_id"] = user.id
        logger.info(
            "%s %s %s %sms rid=%s", request.method, request.path, response.status_code, ms, rid, extra=extra
        )
        return response
