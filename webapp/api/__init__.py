"""The JSON API at the seed's paths. Each feature module adds routes to `bp` and its OpenAPI paths."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed

from ..auth import bearer_token, current_actor
from ..extensions import csrf, limiter
from ..services.errors import ServiceError
from .errors import error_response

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def _rate_key() -> str:
    # Per token for integrations, per IP for browser calls.
    token = bearer_token()
    if token:
        from ..auth import hash_token

        return "token:" + hash_token(token)
    return "ip:" + (request.remote_addr or "?")


limiter.limit(lambda: current_app.config["RATELIMIT_API"], key_func=_rate_key)(bp)


@bp.before_request
def _api_guard():
    # Browser (cookie) calls to the API need the CSRF token like any form; Bearer calls do not,
    # since a cross-site page cannot set the Authorization header.
    if _is_public():
        # Log in, register, the document: they use no session, so there is nothing to forge (log in and
        # register insist on application/json, which a cross-site form cannot send), and a stale token
        # sent along changes nothing.
        return
    if bearer_token():
        current_actor()  # resolve now so a bad token is a 401 before any body parsing
    elif request.method not in ("GET", "HEAD", "OPTIONS") and current_actor() is not None:
        # Only a logged-in browser has a session to forge; an anonymous write gets the view's 401.
        csrf.protect()


def _is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_openapi", {}).get("public"))


@bp.before_request
def _rows_before_bodies():
    """A write naming a row the caller cannot see is a 404 before its body is read: another team's
    id must not be answered with what was wrong in the data (every id in the path is checked
    through the same scoped look-ups the services use)."""
    args = request.view_args or {}
    if request.method in ("GET", "HEAD", "OPTIONS") or not args:
        return
    actor = current_actor()
    if actor is None:
        return  # the view answers 401
    from ..services import campaigns, content, personas

    if "persona_id" in args:
        personas.get_persona(actor, args["persona_id"])
    if "campaign_id" in args:
        campaigns.get_campaign_row(actor, args["campaign_id"])
        if "item_id" in args:
            content.get_content(actor, args["campaign_id"], args["item_id"])
        if "test_id" in args:
            content.get_ab_test(actor, args["campaign_id"], args["test_id"])


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)


@bp.errorhandler(CSRFError)
def _csrf_error(exc):
    return error_response(400, "csrf_failed", "CSRF token missing or invalid. Send X-CSRFToken, or use a Bearer token.")


def register(app):
    # Importing the modules attaches their routes to `bp`.
    from . import auth, campaigns, content, jobs, meta, personas, sockets  # noqa: F401

    app.register_blueprint(bp)

    @app.after_request
    def _allow_header(response):
        # RFC 9110: a 405 lists the methods the resource does support.
        exc = request.routing_exception
        if (response.status_code == 405 and wants_json() and isinstance(exc, MethodNotAllowed)
                and exc.valid_methods and "Allow" not in response.headers):
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


__all__ = ["bp", "register", "wants_json", "g"]
