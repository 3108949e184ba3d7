"""Request logging: one line per request with a request id; JSON lines on demand."""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, g, request

logger = logging.getLogger("herald")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("HERALD_LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("herald")
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("HERALD_LOG_LEVEL", "INFO"))
    root.propagate = False

    @app.before_request
    def _start_timer():
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a proxy's id only when it is short and plain; otherwise make our own.
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
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
        logger.info(
            "%s %s %s %sms rid=%s", request.method, request.path, response.status_code, ms, rid, extra=extra
        )
        return response
