"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import jsonify

from .wire import camel


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, "fields": {camel(k): v for k, v in (fields or {}).items()}}}
    # Extras (a conflict's job_id, a retry_after …) are fields like any other: camelCase on the wire.
    body["error"].update({camel(k): v for k, v in extra.items()})
    response = jsonify(body)
    response.status_code = status
    return response
