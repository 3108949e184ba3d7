"""Accounts: registration, authentication, passwords, profile, sessions and API tokens."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update

from ..events import rights
from ..events.registry import BROWSER, Revocation
from ..extensions import db
from ..models import ApiToken, Membership, Team, User
from . import audit, identity, login_guard, operator, teams
from .access import Actor, row_id
from .errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from .field_limits import ACCOUNT
from .passwords import hash_password, password_problem, verify_password

TOKEN_PREFIX = "hrld_"


def normalize_email(email: str) -> str:
    """Lower-cased, validated email, or ValidationFailed."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        problem = f"Enter a valid email address. {exc}"
        raise ValidationFailed("Enter a valid email address.", {"email": problem}) from None


def register_user(email: str, password: str, *, name: str = "", team_name: str | None = None) -> User:
    """Create a user with a team of their own (they own it). Does not commit."""
    email = normalize_email(email)
    problem = password_problem(password or "", email)
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        problem = "An account with this email already exists. Log in instead?"
        raise Conflict(problem, {"email": problem})
    name = (name or "").strip()[:ACCOUNT["user_name"].max]
    user = User(email=email, name=name, password_hash=hash_password(password))
    team = Team(name=(team_name or f"{name or email.split('@')[0]}'s team").strip()[:ACCOUNT["team_name"].max])
    db.session.add_all([user, team])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, team_id=team.id, role="owner"))
    user.current_team_id = team.id
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for unknown email)."""
    try:
        email = normalize_email(email)
    except ValidationFailed:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # Spend the same time as a real check so response time does not reveal accounts.
        verify_password(_DUMMY_HASH, password or "")
        return None
    if not user.active or not verify_password(user.password_hash, password or ""):
        return None
    return user


_DUMMY_HASH = hash_password(secrets.token_hex(16))


def _account_key(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationFailed:
        return (email or "").strip().lower()[:254]


def sign_in(email: str, password: str, *, source: str, config) -> User:
    """The one login rule (page and API): refuse while `source` is locked out of the account or the
    account is being slowed down (TooManyAttempts, 429), else check the credentials (Unauthorized,
    same message for an unknown email) and count a failure for (account, source)."""
    account = _account_key(email)
    login_guard.check(account, source, config)
    user = authenticate(email, password)
    if user is None:
        login_guard.record_failure(account, source, config)
        raise Unauthorized("Wrong email or password.")
    login_guard.record_success(account, source, config)
    return user


def _config(config):
    if config is not None:
        return config
    from flask import current_app

    return current_app.config


def token_lifetime(days, config=None, *, login: bool = False) -> timedelta:
    """How long a new token lives: `days` when asked (1..HERALD_TOKEN_MAX_DAYS, else
    ValidationFailed on expires_in_days), else HERALD_TOKEN_DEFAULT_DAYS, or HERALD_LOGIN_TOKEN_DAYS
    for the tokens login and register hand out."""
    config = _config(config)
    maximum = int(config.get("HERALD_TOKEN_MAX_DAYS") or 365)
    if days is None:
        default = config.get("HERALD_LOGIN_TOKEN_DAYS" if login else "HERALD_TOKEN_DEFAULT_DAYS")
        return timedelta(days=min(int(default or 90), maximum))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= maximum:
        problem = f"A token may live from 1 to {maximum} days."
        raise ValidationFailed(problem, {"expires_in_days": problem})
    return timedelta(days=days)


def create_api_token(user: User, team_id: int, name: str, *, days: int | None = None, login: bool = False,
                     config=None) -> tuple[ApiToken, str]:
    """Create a named token for `user` in `team_id` living `days` (token_lifetime); returns the row
    and the secret (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > ACCOUNT["token_name"].max:
        problem = f"Give the token a name of 1–{ACCOUNT['token_name'].max} characters."
        raise ValidationFailed(problem, {"name": problem})
    lifetime = token_lifetime(days, config, login=login)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, team_id=team_id, name=name, token_hash=identity.hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6], session_epoch=user.session_epoch,
        expires_at=datetime.now(UTC) + lifetime,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


# --- registration and sign-in -------------------------------------------------------------------

def register_account(email: str, password: str, *, name: str = "", registration_open: bool = True,
                     invite_secret: str | None = None) -> User:
    """Sign-up: a user with their own team (limited until the operator raises it, unless this is
    the instance's first account: services.operator). With a valid invite the new user also joins the
    inviting team (and starts in it) — invites work even when registration is closed. Raises
    Forbidden when registration is closed and there is no valid invite. Does not commit."""
    registration_gate(registration_open, invite_secret)
    user = register_user(email, password, name=name)
    # A team that signs itself up after the operator's starts with no model tokens and no email.
    operator.restrict_self_service_team(db.session.get(Team, user.current_team_id), user.id)
    audit.record(None, "user.registered", "user", user.id, {"email": user.email},
                 team_id=user.current_team_id, user_id=user.id)
    if invite_secret:
        teams.accept_invite(user.id, invite_secret)
    return user


def registration_open(config) -> bool:
    """HERALD_REGISTRATION: "open" lets anyone sign up; "invite" and "closed" need an invite."""
    return (config.get("HERALD_REGISTRATION") or "open").strip().lower() == "open"


def registration_gate(registration_open: bool, invite_secret: str | None = None):
    """The invite a sign-up will use (or None). Raises Forbidden when registration is closed and there
    is no usable invite, and the invite's NotFound/Conflict when a given invite cannot be used."""
    invite = teams.find_invite(invite_secret) if invite_secret else None
    if not registration_open and invite is None:
        raise Forbidden("Registration is closed on this Herald. Ask a team owner for an invite link.")
    return invite


def register_with_token(email: str, password: str, *, name: str = "", registration_open: bool = True,
                        invite_secret: str | None = None, token_name: str = "api register"
                        ) -> tuple[User, ApiToken, str]:
    """API sign-up: `register_account`, then a named token for the team the user starts in."""
    user = register_account(email, password, name=name, registration_open=registration_open,
                            invite_secret=invite_secret)
    token, secret = create_api_token(user, user.current_team_id, token_name, login=True)
    return user, token, secret


def login_with_token(email: str, password: str, *, source: str, config, token_name: str = "api login"
                     ) -> tuple[User, ApiToken, str]:
    """API sign-in: `sign_in`, then a named token for the user's current team."""
    user = sign_in(email, password, source=source, config=config)
    membership = current_membership(user)
    if membership is None:
        raise Forbidden("This account belongs to no team; ask a team owner for an invite.")
    token, secret = create_api_token(user, membership.team_id, token_name, login=True, config=config)
    return user, token, secret


def current_membership(user: User) -> Membership | None:
    """The membership of the team the user works in (their chosen team, else the first one)."""
    memberships = list(db.session.scalars(select(Membership).where(Membership.user_id == user.id)
                                          .order_by(Membership.id)))
    return next((m for m in memberships if m.team_id == user.current_team_id), memberships[0] if memberships else None)


def get_user(user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


# --- profile, password, sessions ----------------------------------------------------------------

def update_profile(user_id: int, *, name: str, email: str, current_password: str | None = None) -> User:
    """Change the user's display name and email (email stays unique). A new email needs the current
    password (whoever borrows an open session must not take the account over by changing where
    password resets would go): missing or wrong is a ValidationFailed on current_password, nothing
    changed."""
    user = get_user(user_id)
    email = normalize_email(email)
    if email != user.email and not verify_password(user.password_hash, current_password or ""):
        problem = ("Enter your current password to change your email." if not current_password
                   else "Your current password is not correct.")
        raise ValidationFailed(problem, {"current_password": problem})
    name = (name or "").strip()
    if len(name) > ACCOUNT["user_name"].max:
        problem = f"Use at most {ACCOUNT['user_name'].max} characters."
        raise ValidationFailed(problem, {"name": problem})
    if email != user.email:
        taken = db.session.scalar(select(func.count()).select_from(User).where(User.email == email, User.id != user.id))
        if taken:
            raise Conflict("Another account uses this email.", {"email": "Another account uses this email."})
    user.name = name
    user.email = email
    db.session.flush()
    return user


def change_password(user_id: int, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one. Bumps the session epoch, so every other
    browser session and every API token issued before dies; the caller re-logs in its own session."""
    user = get_user(user_id)
    if not verify_password(user.password_hash, current_password or ""):
        problem = "Your current password is not correct."
        raise ValidationFailed(problem, {"current_password": problem})
    _set_password(user, new_password, field="new_password")
    audit.record(None, "user.password_changed", "user", user.id, team_id=user.current_team_id, user_id=user.id)
    return user


def reset_password(email: str, new_password: str) -> User:
    """Set a password without the old one (the operator's CLI). Ends every session and token."""
    user = user_by_email(email)
    _set_password(user, new_password, field="password")
    audit.record(None, "user.password_reset", "user", user.id, team_id=user.current_team_id, user_id=user.id)
    return user


def _set_password(user: User, new_password: str, *, field: str) -> None:
    problem = password_problem(new_password or "", user.email)
    if problem:
        raise ValidationFailed(problem, {field: problem})
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1
    db.session.flush()
    rights.announce(db.session, Revocation("The password was changed: log in again.", user_id=user.id,
                                           below_epoch=user.session_epoch))


def end_browser_sessions(user_id: int) -> None:
    """Log out: end every browser session of the user (a signed cookie cannot be revoked one by one,
    so the epoch moves on) while the user's live API tokens are carried over to the new epoch —
    logging out of a browser must not break integrations. Password changes do kill tokens."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    old = user.session_epoch
    user.session_epoch = old + 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.session_epoch == old, ApiToken.revoked_at.is_(None))
        .values(session_epoch=old + 1)
    )
    db.session.flush()
    rights.announce(db.session, Revocation("You logged out.", user_id=user.id, kinds=(BROWSER,),
                                           below_epoch=old + 1))


def disable_user(email: str) -> User:
    """Disable an account (operator CLI): it can no longer log in, and its sessions and tokens die."""
    user = user_by_email(email)
    user.active = False
    user.session_epoch += 1
    db.session.flush()
    rights.announce(db.session, Revocation("This account was disabled.", user_id=user.id))
    audit.record(None, "user.disabled", "user", user.id, team_id=user.current_team_id)
    return user


def user_by_email(email: str) -> User:
    """The account with this email (normalised), or NotFound."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"No account with the email {email!r}.")
    return user


# --- API tokens ---------------------------------------------------------------------------------

def list_tokens(actor: Actor) -> list[ApiToken]:
    """The acting user's live tokens (all their teams), newest first. Revoked and expired tokens and
    tokens that died with a password change are left out."""
    user = get_user(actor.user_id)
    stmt = (select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > datetime.now(UTC),
                   ApiToken.session_epoch == user.session_epoch)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return list(db.session.scalars(stmt))


def issue_token(actor: Actor, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the acting user in their current team, living `days` (default
    HERALD_TOKEN_DEFAULT_DAYS, at most HERALD_TOKEN_MAX_DAYS); the secret is returned once."""
    token, secret = create_api_token(get_user(actor.user_id), actor.team_id, name, days=days)
    audit.record(actor, "token.created", "api_token", token.id, {"name": token.name, "prefix": token.prefix})
    return token, secret


def revoke_token(actor: Actor, token_id) -> ApiToken:
    """Revoke one of the acting user's tokens. Someone else's token id is a NotFound."""
    key = row_id(token_id)
    if key is None:
        raise NotFound("API token not found")
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == key, ApiToken.user_id == actor.user_id,
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        raise NotFound("API token not found")
    token.revoked_at = datetime.now(UTC)
    db.session.flush()
    rights.announce(db.session, Revocation("This API token was revoked.", token_id=token.id))
    audit.record(actor, "token.revoked", "api_token", token.id, {"name": token.name},
                 team_id=token.team_id)
    return token


# --- JSON-ready views ---------------------------------------------------------------------------

def user_to_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "created_at": user.created_at}


def team_to_dict(team: Team, role: str | None = None) -> dict:
    data = {"id": team.id, "name": team.name, "monthly_token_budget": team.monthly_token_budget,
            "token_limit": team.token_limit, "email_allowed": team.email_allowed}
    if role is not None:
        data["role"] = role
    return data


def token_to_dict(token: ApiToken) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "team_id": token.team_id,
            "created_at": token.created_at, "last_used_at": token.last_used_at, "expires_at": token.expires_at}


def account_summary(actor: Actor) -> dict:
    """Who the actor is: user, current team, role there, and every team they belong to."""
    user = get_user(actor.user_id)
    memberships = sorted(user.memberships, key=lambda m: m.team.name.lower())
    current = next((m for m in memberships if m.team_id == actor.team_id), None)
    if current is None:
        raise Unauthorized("You are no longer a member of this team.")
    return {
        "user": user_to_dict(user),
        "team": team_to_dict(current.team, actor.role),
        "role": actor.role,
        "teams": [team_to_dict(m.team, m.role) for m in memberships],
    }
