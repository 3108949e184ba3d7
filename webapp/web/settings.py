"""Settings page: profile, password, API tokens. Each section is a partial that HTMX swaps alone;
without JavaScript the forms post normally and the whole page comes back."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import login_required, login_user

from ..auth import require_actor
from ..extensions import db
from ..forms.accounts import PasswordForm, ProfileForm, TokenForm
from ..services import accounts, teams
from ..services.errors import Conflict, ValidationFailed
from . import is_htmx, render

bp = Blueprint("settings", __name__)

PAGE = "pages/settings/index.html"


def _context(actor, **overrides) -> dict:
    """Everything the settings page shows; a view overrides the section it handled."""
    user = accounts.get_user(actor.user_id)
    context = {
        "user": user,
        "profile_form": ProfileForm(formdata=None, data={"name": user.name, "email": user.email}),
        "password_form": PasswordForm(formdata=None),
        "token_form": TokenForm(formdata=None),
        "token_days": (current_app.config.get("HERALD_TOKEN_DEFAULT_DAYS"),
                       current_app.config.get("HERALD_TOKEN_MAX_DAYS")),
        "tokens": accounts.list_tokens(actor),
        "team_names": {m.team_id: m.team.name for m in teams.teams_of(actor.user_id)},
        "new_secret": None,
        "saved": None,
    }
    context.update(overrides)
    return context


def _done(section: str, message: str, partial: str, actor, **overrides):
    """After a successful change: the refreshed partial for HTMX, else flash and redirect (PRG)."""
    if is_htmx():
        return render(PAGE, partial, **_context(actor, saved=section, **overrides))
    flash(message, "success")
    return redirect(url_for("settings.index"))


@bp.get("/settings")
@login_required
def index():
    """The settings page."""
    return render(PAGE, **_context(require_actor()))


@bp.post("/settings/profile")
@login_required
def profile():
    """Change name and email (a new email needs the current password)."""
    actor = require_actor()
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(actor.user_id, name=form.name.data or "", email=form.email.data,
                                    current_password=form.current_password.data)
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            return _done("profile", "Profile saved.", "partials/settings/_profile.html", actor)
    return render(PAGE, "partials/settings/_profile.html", 422, **_context(actor, profile_form=form))


@bp.post("/settings/password")
@login_required
def password():
    """Change the password. Every other session and every older API token stops working; this
    browser is logged in again with the new session epoch."""
    actor = require_actor()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(actor.user_id, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remember_cookie in request.cookies)
            return _done("password", "Password changed. Other sessions and older API tokens were signed out.",
                         "partials/settings/_password.html", actor)
    return render(PAGE, "partials/settings/_password.html", 422, **_context(actor, password_form=form))


@bp.post("/settings/tokens")
@login_required
def create_token():
    """Create a named API token; the secret is shown once, in the answer to this request."""
    actor = require_actor()
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = accounts.issue_token(actor, form.name.data, form.expires_in_days.data)
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            # Never redirect here: the secret exists only in this response.
            return render(PAGE, "partials/settings/_tokens.html",
                          **_context(actor, new_secret=secret, new_token=token, saved="tokens"))
    return render(PAGE, "partials/settings/_tokens.html", 422, **_context(actor, token_form=form))


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of your tokens (someone else's id is a 404)."""
    actor = require_actor()
    token = accounts.revoke_token(actor, token_id)
    db.session.commit()
    return _done("tokens", f"Token “{token.name}” revoked.", "partials/settings/_tokens.html", actor)
