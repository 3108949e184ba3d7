"""Accounts: registration, authentication, API tokens."""
from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..extensions import db
from ..models import ApiToken, Membership, Team, User
from .errors import Conflict, ValidationFailed
from .passwords import hash_password, password_problem, verify_password

TOKEN_PREFIX = "hrld_"


def normalize_email(email: str) -> str:
    """Lower-cased, validated email, or ValidationFailed."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed("Enter a valid email address.", {"email": str(exc)}) from None


def register_user(email: str, password: str, *, name: str = "", team_name: str | None = None) -> User:
    """Create a user with a team of their own (they own it). Does not commit."""
    email = normalize_email(email)
    problem = password_problem(password or "", email)
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict("An account with this email already exists.", {"email": "Already registered."})
    name = (name or "").strip()[:120]
    user = User(email=email, name=name, password_hash=hash_password(password))
    team = Team(name=(team_name or f"{name or email.split('@')[0]}'s team").strip()[:120])
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


def create_api_token(user: User, team_id: int, name: str) -> tuple[ApiToken, str]:
    """Create a named token for `user` in `team_id`; returns the row and the secret (shown once)."""
    from ..auth import hash_token

    name = (name or "").strip()
    if not name or len(name) > 80:
        problem = "Give the token a name of 1–80 characters."
        raise ValidationFailed(problem, {"name": problem})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, team_id=team_id, name=name, token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6], session_epoch=user.session_epoch,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret
