"""Sending a room's events down a websocket: subscribe, replay from a cursor, then pump live events.

The socket routes (browser ones in web/sockets.py, the JSON one in api/sockets.py) decide who may
listen and how an event is drawn; this module only moves facts, in order.
"""
from __future__ import annotations

from flask import current_app

from ..extensions import db
from . import store
from .bus import Subscription, hub_for
from .registry import LiveEntry, TooManySockets, registry_for

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
# Event ids are an INTEGER column (32 bits on PostgreSQL): a cursor beyond it names no event, and
# comparing with it would fail in the database.
MAX_CURSOR = 2**31 - 1
IDLE_CHECK = 15.0  # seconds a pump waits for an event before it looks at its socket anyway


CURSOR_PROBLEM = "after must be an event id: a whole number from 0."


def parse_cursor(raw: str | None) -> int | None:
    """The replay cursor of `?after=` (0 when absent or empty), or None when it is not an event id."""
    text = (raw or "").strip() or "0"
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_CURSOR else None


def refuse(ws, message: str) -> None:
    try:
        ws.close(reason=POLICY_VIOLATION, message=message[:120])
    except Exception:  # noqa: BLE001 - already gone
        pass


def coalesce(batch: list[dict]) -> list[dict]:
    """Merge the live token deltas of a batch per piece (keeping every other event, in order), so a
    socket sends one fragment per piece per wake-up instead of one per streamed chunk."""
    out: list[dict] = []
    open_deltas: dict[tuple, dict] = {}  # (job, step) → the merged delta since the last other event
    for event in batch:
        if event.get("id") is None and event["event"] == store.CONTENT_DELTA:
            key = (event["job_id"], event["data"].get("step_key"))
            merged = open_deltas.get(key)
            if merged is None:
                merged = open_deltas[key] = {**event, "data": {**event["data"]}}
                out.append(merged)
            else:
                merged["data"]["text"] = merged["data"].get("text", "") + event["data"].get("text", "")
        else:
            open_deltas.clear()  # a later delta must come after this event, not merge before it
            out.append(event)
    return out


def deltas_early(batch: list[dict]) -> list[dict]:
    """Token deltas as early as they may go: they are cheap, and must not wait behind the cards
    being drawn for pieces that finished (a piece's own deltas precede its completion anyway). But
    never before their job's start or their piece's start. Stored events keep their order."""
    stored = [e for e in batch if e.get("id") is not None]
    after: dict[int, list[dict]] = {}  # index in `stored` a delta goes after (-1: the front)
    for event in batch:
        if event.get("id") is not None:
            continue
        anchor, step = -1, event["data"].get("step_key")
        for i, s in enumerate(stored):
            if s["job_id"] == event["job_id"] and (s["event"] == store.CAMPAIGN_STARTED or (
                    s["event"] == store.CONTENT_STARTED and s["data"].get("step_key") == step)):
                anchor = i
        after.setdefault(anchor, []).append(event)
    out = after.get(-1, [])
    for i, event in enumerate(stored):
        out.append(event)
        out += after.get(i, [])
    return out


def pump(ws, sub: Subscription, last: int, render, *, one_message: bool = True) -> None:
    """Send live events after `last` until the client goes away. Whatever queued up while a message
    was being sent goes out together: browser fragments in one message, JSON events one by one."""
    ws.on_close.append(sub.wake)  # a closed socket (a LiveSocket) wakes the pump at once
    while ws.connected:
        # With the close wake-up the timeout is only a safety net: 1,000 idle sockets checking every
        # second cost the gevent worker a fifth of a core.
        first = sub.get(timeout=IDLE_CHECK)
        if sub.overflowed:  # too far behind: make the client reconnect and replay from its cursor
            ws.close(reason=TRY_AGAIN_LATER, message="Catching up")
            return
        if first is None:
            continue
        batch = deltas_early(coalesce([first] + sub.drain(limit=1000)))
        messages = []
        try:
            for event in batch:
                if event.get("id") is not None:  # live-only events (token deltas) carry no id
                    if event["id"] <= last:
                        continue
                    last = event["id"]
                message = render(event)
                if message:
                    messages.append(message)
        finally:
            db.session.rollback()  # never keep a read transaction open between events
        if not messages:
            continue
        if one_message:
            ws.send("".join(messages))
        else:
            for message in messages:
                ws.send(message)


def subscribe(sub: Subscription) -> Subscription:
    """Listen for `sub`'s room in this web process (before replaying, so nothing falls in between)."""
    return hub_for(current_app._get_current_object()).subscribe(sub)


def unsubscribe(sub: Subscription) -> None:
    hub_for(current_app._get_current_object()).unsubscribe(sub)


def register(ws, kind: str, *, user_id: int, team_id: int, epoch: int, token_id: int | None = None
             ) -> LiveEntry | None:
    """Count an accepted socket in this process's registry, or close it with 1008 when its user (or
    token) already holds HERALD_WS_MAX_PER_USER sockets here (None)."""
    entry = LiveEntry(ws=ws, kind=kind, user_id=user_id, team_id=team_id, epoch=epoch, token_id=token_id)
    try:
        return registry_for(current_app._get_current_object()).open(entry)
    except TooManySockets as exc:
        refuse(ws, str(exc))
        return None


def still_granted(ws, holds: bool) -> bool:
    """After subscribing (now revocations reach the socket): `holds` is the fresh check of its
    right; a right that ended in between closes it like a revocation would."""
    if not holds:
        refuse(ws, "Access ended: sign in again.")
    return holds


def release(entry: LiveEntry) -> None:
    """The socket ended: its slot is free at once."""
    registry_for(current_app._get_current_object()).release(entry)
