"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import jsonify

from .wire import camel, to_wire


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, "fields": {camel(k): v for k, v in (fields or {}).items()}}}
    # Extras (a conflict's job_id, a budget's resets_at …) go through the edge like any other field.
    body["error"].update(to_wire(extra))
    response = jsonify(body)
    response.status_code = status
    return response
