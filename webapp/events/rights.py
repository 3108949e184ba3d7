"""Rights that end at once: a service that takes a right away (revokes a token, logs out, changes a
password, disables a user, removes a member) announces a Revocation here; once its transaction
commits, every web process closes the matching sockets.

The announcement rides the event bus: Redis pub/sub on the events channel in Redis mode; in
embedded mode (one machine) the live datagram channel every web process with a socket listens on.
This process's own sockets close directly, so nothing waits on the bus for them. Sockets never poll
their rights. A rolled-back transaction announces nothing.
"""
from __future__ import annotations

import json
import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .registry import Revocation, registry_for

log = logging.getLogger(__name__)

RIGHTS_REVOKED = "access:revoked"
_PENDING = "herald_revocations"
# A datagram that finds a web process's queue full waits this long before giving up on it.
SEND_WAIT = 2.0


def announce(session: Session, revocation: Revocation) -> None:
    """Close the sockets `revocation` names once `session` commits."""
    session.info.setdefault(_PENDING, []).append(revocation)


def as_message(revocation: Revocation) -> dict:
    return {"event": RIGHTS_REVOKED, "revocation": revocation.to_dict()}


def is_revocation(message: dict) -> bool:
    return message.get("event") == RIGHTS_REVOKED


def from_message(message: dict) -> Revocation:
    return Revocation.from_dict(message.get("revocation") or {})


def broadcast(app, revocations: list[Revocation]) -> None:
    """Close matching sockets here, and tell every other web process."""
    registry = registry_for(app)
    for revocation in revocations:
        registry.revoke(revocation)
    payload = json.dumps([as_message(r) for r in revocations]).encode()
    url = app.config.get("REDIS_URL")
    try:
        if url:
            from .bus import _redis, channel_name

            _redis(url).publish(channel_name(app.config), payload)
        else:
            from ..datagrams import send_to_all
            from .live import socket_dir

            send_to_all(socket_dir(app.config), payload, wait=SEND_WAIT)
    except Exception:  # noqa: BLE001 - the right is gone in the database; a reconnect is refused
        log.warning("could not announce %d revocation(s) to other web processes", len(revocations),
                    exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        broadcast(current_app._get_current_object(), pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
