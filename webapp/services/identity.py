"""Who a request is: the user behind a session id and the Actor behind an API token or a user.

The request glue (cookies, the Authorization header, `g`) lives in webapp/auth.py; the rules about
which sessions and tokens still count live here, so logout, revocation and removal are decided once."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..database import writing
from ..extensions import db
from ..models import ApiToken, Membership, User
from .access import Actor
from .errors import Unauthorized

# A hot token must not turn every GET into a write: its last-used time moves at most once a minute.
LAST_USED_EVERY_SECONDS = 60


def hash_token(secret: str) -> str:
    """How an API token's secret is stored and looked up (never the secret itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_session(session_id: str) -> User | None:
    """The active user a session id ("<user id>:<session epoch>") names, or None: a malformed id, a
    disabled user and a session from before a logout or password change all count for nothing."""
    try:
        user_id, epoch = (int(x) for x in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    # Memberships (and their teams) in the same query: every page needs them for the Actor.
    user = db.session.get(User, user_id, options=[joinedload(User.memberships)])
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


def session_epoch(user_id: int) -> int:
    """The user's current session epoch (what a live token or session was issued under)."""
    return db.session.scalar(select(User.session_epoch).where(User.id == user_id)) or 0


def token_actor(secret: str) -> tuple[Actor, int]:
    """The Actor for an API token and the token's id, or Unauthorized. Revoked, stale-epoch and
    removed-member tokens are all refused the same way; an expired one says so."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    actor = _token_grant(token)
    _touch(token)
    return actor, token.id


def _token_grant(token: ApiToken | None) -> Actor:
    if token is None or token.revoked_at is not None:
        raise Unauthorized("Invalid or revoked API token.")
    user = token.user
    if not user.active or token.session_epoch != user.session_epoch:
        raise Unauthorized("Invalid or revoked API token.")
    if token.expires_at <= datetime.now(UTC):
        raise Unauthorized(f"This API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; create a new one "
                           "(Settings → API tokens, or POST /api/auth/tokens after logging in).")
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.team_id == token.team_id)
    )
    if membership is None:
        raise Unauthorized("This token's user is no longer a member of its team.")
    return Actor(user_id=user.id, team_id=token.team_id, role=membership.role)


def grant_holds(*, team_id: int, session_id: str | None = None, token_id: int | None = None) -> bool:
    """Whether a live socket's session (or API token) still gives access to `team_id`, read afresh. A
    socket checks once more after it starts listening for revocations, so one that landed in between
    is not missed."""
    db.session.expire_all()
    if token_id is not None:
        try:
            return _token_grant(db.session.get(ApiToken, token_id)).team_id == team_id
        except Unauthorized:
            return False
    user = user_for_session(session_id or "")
    actor = user_actor(user) if user is not None else None
    return actor is not None and actor.team_id == team_id


def _touch(token: ApiToken) -> None:
    now = datetime.now(UTC)
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS:
        token_id = token.id
        with writing():
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            db.session.commit()


def user_actor(user: User) -> Actor | None:
    """The Actor for a logged-in user in their current team (their first team when the current one
    is gone), or None when they belong to no team."""
    memberships = user.memberships
    if not memberships:
        return None
    chosen = next((m for m in memberships if m.team_id == user.current_team_id), memberships[0])
    return Actor(user_id=user.id, team_id=chosen.team_id, role=chosen.role)
