"""HTML blueprints (one per feature), error pages, and the page-or-partial helper."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf

from ..extensions import db
from ..services.errors import ServiceError, ValidationFailed


def is_htmx() -> bool:
    # htmx 4 restores history (Back button) with an HTMX GET that swaps the whole body: that one
    # needs the full page, not a partial.
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """Render the full page, or only `partial` when HTMX asked (same markup either way)."""
    template = partial if partial and is_htmx() else page
    return render_template(template, **context), status


def submit(form, save) -> tuple[object | None, str | None]:
    """Validate `form`, then save its data through `save(data)` (one service call) and commit.
    Returns (saved, None), or (None, message) with the errors on the form's fields, nothing written
    and everything typed kept — the one flow every HTML form of Herald follows."""
    if not form.validate():
        return None, ValidationFailed.for_fields(form.errors_dict()).message
    try:
        saved = save(form.to_data())
    except ValidationFailed as exc:
        db.session.rollback()
        form.apply_service_errors(exc.fields)
        return None, exc.message
    db.session.commit()
    return saved, None


def register(app: Flask) -> None:
    # Imported here, not at the top: the feature modules import this package's helpers.
    from ..services.field_limits import LIMITS
    from . import auth, campaigns, content_ai, dashboard, health, jobs, operator, personas, settings, sockets, team

    app.jinja_env.globals["field_limits"] = LIMITS

    for module in (health, auth, dashboard, campaigns, personas, team, settings, operator, jobs, content_ai, sockets):
        app.register_blueprint(module.bp)

    if not app.testing:  # a test app serves a few requests; compiling for it would only slow the suite
        from .live_fragments import warm_in_background

        # At the first request: a serving process, not a CLI command or a worker building the app.
        warmed = []

        @app.before_request
        def _warm_live_fragments():
            if not warmed:
                warmed.append(True)
                warm_in_background(app)

    @app.context_processor
    def _inject():
        from flask_login import current_user

        from ..auth import session_actor

        actor = session_actor()
        # The user row carries it (models.accounts): no query of its own.
        return {"csrf_token": generate_csrf, "actor": actor,
                "is_operator": lambda: actor is not None and bool(getattr(current_user, "is_operator", False))}

    def _wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(404)
    def _not_found(exc):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(404, "not_found", "No such resource or route.")
        return render_template("pages/errors/404.html"), 404

    @app.errorhandler(405)
    def _method_not_allowed(exc):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(405, "method_not_allowed", f"{request.method} is not allowed here.")
        return render_template("pages/errors/error.html", code=405, message="That action is not allowed here."), 405

    @app.errorhandler(413)
    def _too_large(exc):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(413, "payload_too_large", "The request body is too large.")
        return render_template("pages/errors/error.html", code=413, message="That upload is too large."), 413

    @app.errorhandler(429)
    def _rate_limited(exc):
        from ..api.errors import error_response

        retry = getattr(exc, "retry_after", None)
        if _wants_json():
            response = error_response(429, "rate_limited", f"Too many requests: {exc.description}. Try again later.")
        else:
            response = app.make_response((
                render_template("pages/errors/error.html", code=429,
                                message="Too many attempts. Please wait and try again."),
                429,
            ))
        if retry and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(400, "csrf_failed", "CSRF token missing or invalid.")
        message = "Your form expired or was sent from elsewhere. Reload the page and try again."
        return render_template("pages/errors/error.html", code=400, message=message), 400

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        response = app.make_response(_service_error_body(exc))
        if exc.extra.get("retry_after"):  # a login throttle says how long to wait
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    def _service_error_body(exc: ServiceError):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)
        if exc.status == 404:
            return render_template("pages/errors/404.html"), 404
        if exc.status == 401:
            from flask import redirect, url_for
            from flask_login import current_user

            if current_user.is_authenticated:  # logged in, but in no team (removed from the last one)
                from .team import no_team_page

                return no_team_page()
            return redirect(url_for("auth.login", next=request.path))
        return render_template("pages/errors/error.html", code=exc.status, message=exc.message), exc.status

    @app.errorhandler(500)
    def _server_error(exc):
        if _wants_json():
            from ..api.errors import error_response

            return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")
        return render_template("pages/errors/500.html"), 500
