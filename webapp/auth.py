"""How a request becomes an Actor: session cookie (browser) or Bearer token (integrations)."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from .extensions import login_manager
from .services import identity
from .services.access import Actor, require_role
from .services.errors import Unauthorized

hash_token = identity.hash_token


@login_manager.user_loader
def load_user(session_id: str):
    return identity.user_for_session(session_id)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def token_actor(secret: str) -> Actor:
    """The Actor for an API token, or Unauthorized (services.identity decides which tokens count)."""
    actor, g.api_token_id = identity.token_actor(secret)
    return actor


def session_actor() -> Actor | None:
    """The Actor for the logged-in browser user in their current team (None if not logged in)."""
    if not current_user.is_authenticated:
        return None
    return identity.user_actor(current_user)


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
