"""Auth pages: log in (remember me), register (also through an invite), log out (POST only).

The login rate limits live here too; the JSON login and register share them (scopes below), so an
attacker cannot double the budget by switching between the page and the API."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..forms.accounts import LoginForm, RegisterForm
from ..services import accounts
from ..services.errors import ServiceError, TooManyAttempts, Unauthorized
from . import render

bp = Blueprint("auth", __name__)


def login_rate_limits(view):
    """Per-IP limit on every attempt (RATELIMIT_LOGIN), read from config when a request comes in.
    Failed passwords per account are counted by services.login_guard (per account and address)."""
    return limiter.shared_limit(lambda: current_app.config["RATELIMIT_LOGIN"], scope="login-ip",
                                key_func=get_remote_address, methods=["POST"])(view)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a local path on this site (no scheme, host or protocol-relative trick), else None."""
    if not target or not isinstance(target, str) or len(target) > 1000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _registration_open() -> bool:
    return accounts.registration_open(current_app.config)


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limits
def login():
    """Log in; then go to `next` when it is a local path, else the dashboard."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    status, problem, retry_after = 200, None, None
    if request.method == "POST":
        status = 422
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(form.email.data, form.password.data, source=get_remote_address(),
                                    config=current_app.config)
        except Unauthorized as exc:
            problem = exc.message
        except TooManyAttempts as exc:
            status, problem, retry_after = 429, exc.message, exc.extra["retry_after"]
        else:
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
    body, status = render("pages/auth/login.html", "partials/auth/_login_form.html", status, form=form,
                          problem=problem, registration_open=_registration_open())
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return body, status, headers


@bp.route("/register", methods=["GET", "POST"])
@login_rate_limits
def register():
    """Sign up (a new account gets its own team). Closed registration answers 403 unless the
    request carries a usable invite, which the new account then joins."""
    form = RegisterForm()
    if request.method == "GET":
        form.invite.data = request.args.get("invite", "")
    invite_secret = form.invite.data or None
    if current_user.is_authenticated and request.method == "GET":
        if invite_secret:
            return redirect(url_for("team.invite", secret=invite_secret))
        return redirect(url_for("dashboard.index"))
    try:
        invite = accounts.registration_gate(_registration_open(), invite_secret)
    except ServiceError as exc:
        return render("pages/auth/closed.html", status=exc.status, message=exc.message)
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.register_account(form.email.data, form.password.data, name=form.name.data or "",
                                             registration_open=_registration_open(), invite_secret=invite_secret)
        except ServiceError as exc:
            form.apply_service_errors(exc.fields or {"email": exc.message})
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome to Herald{', ' + user.name if user.name else ''}!", "success")
            return redirect(url_for("dashboard.index"))
        db.session.rollback()
    if request.method == "POST":
        status = 422
    return render("pages/auth/register.html", "partials/auth/_register_form.html", status, form=form, invite=invite)


@bp.post("/logout")
def logout():
    """Log out. Ends every browser session of this user (stolen copies of the cookie die too);
    API tokens keep working."""
    if current_user.is_authenticated:
        accounts.end_browser_sessions(current_user.id)
        db.session.commit()
        logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
