"""How a request becomes an Actor: session cookie (browser) or Bearer token (integrations)."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import g, request
from flask_login import current_user
from sqlalchemy import select, update

from .database import writing
from .extensions import db, login_manager
from .models import ApiToken, Membership, User
from .services.access import Actor, require_role
from .services.errors import Unauthorized


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@login_manager.user_loader
def load_user(session_id: str):
    try:
        user_id, epoch = (int(x) for x in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def token_actor(secret: str) -> Actor:
    """The Actor for an API token, or Unauthorized. Revoked, stale-epoch and removed-member
    tokens are all refused the same way."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("Invalid or revoked API token.")
    user = token.user
    if not user.active or token.session_epoch != user.session_epoch:
        raise Unauthorized("Invalid or revoked API token.")
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.team_id == token.team_id)
    )
    if membership is None:
        raise Unauthorized("This token's user is no longer a member of its team.")
    now = datetime.now(UTC)
    # Write last-used at most once a minute: a hot token must not turn every GET into a write.
    actor = Actor(user_id=user.id, team_id=token.team_id, role=membership.role)
    token_id = token.id
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with writing():
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            db.session.commit()
    g.api_token_id = token_id
    return actor


def session_actor() -> Actor | None:
    """The Actor for the logged-in browser user in their current team (None if not logged in)."""
    if not current_user.is_authenticated:
        return None
    memberships = current_user.memberships
    if not memberships:
        return None
    chosen = next((m for m in memberships if m.team_id == current_user.current_team_id), memberships[0])
    return Actor(user_id=current_user.id, team_id=chosen.team_id, role=chosen.role)


def current_actor() -> Actor | None:
    """Token first (API), then session. Cached on `g` for the request."""
    if "actor" in g:
        return g.actor
    secret = bearer_token()
    actor = token_actor(secret) if secret else session_actor()
    g.actor = actor
    return actor


def require_actor(role: str | None = None) -> Actor:
    """The caller, or 401. With `role`, also 403 below that role — checked before the view reads
    its body, so a viewer hears "not allowed" rather than what was wrong with the data. (The
    services check roles again: this only puts the answer first.)"""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("Log in or send an API token (Authorization: Bearer …).")
    if role is not None:
        require_role(actor, role)
    return actor
