"""Domain errors raised by services; the web and API layers turn them into pages or JSON."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class BudgetExceeded(ServiceError):
    """The team's monthly token budget is spent: refused before any model call."""

    status = 429
    code = "budget_exceeded"


class ServiceUnavailable(ServiceError):
    status = 503
    code = "unavailable"
