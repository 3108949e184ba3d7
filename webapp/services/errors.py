"""Domain errors raised by services; the web and API layers turn them into pages or JSON."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra  # snake_case like every field; the API edge spells them camelCase


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"

    @classmethod
    def for_fields(cls, fields: dict[str, str], **extra) -> ValidationFailed:
        """The one message for field errors: the error itself when there is one, else
        "Please correct N fields: <the first>"."""
        first = next(iter(fields.values()), "Some fields need attention.")
        message = first if len(fields) <= 1 else f"Please correct {len(fields)} fields: {first}"
        return cls(message, fields, **extra)


def raise_for(fields: dict[str, str]) -> None:
    """Raise ValidationFailed.for_fields(fields) when there are any."""
    if fields:
        raise ValidationFailed.for_fields(fields)


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


class TooManyAttempts(ServiceError):
    """Too many failed logins (services.login_guard); `retry_after` says how many seconds to wait."""

    status = 429
    code = "rate_limited"


class ServiceUnavailable(ServiceError):
    status = 503
    code = "unavailable"
