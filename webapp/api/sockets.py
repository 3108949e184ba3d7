"""The JSON websocket for integrations (flask-sock, API token): /ws/api/events.

It sends {"event", "data", "seq"}; seq is the global event id to pass back as ?after= when
reconnecting. After any replay it sends {"event": "ready"}: from then on the client hears every new
event of its rooms. Rooms: the token user's own jobs, plus each `?campaign=<id>` of the token's
team. Nobody ever hears another team's events. A cursor that is not an event id is a 400 before
the upgrade.
"""
from __future__ import annotations

import json

from flask import Blueprint, g, request
from simple_websocket import ConnectionClosed

from ..auth import bearer_token, token_actor
from ..events import store
from ..events.bus import Subscription
from ..events.registry import API
from ..events.stream import pump, refuse, register, release, still_granted, subscribe, unsubscribe
from ..extensions import db, sock
from ..services import campaigns, identity
from ..services.errors import ServiceError
from . import bp as api_bp
from .cursors import refuse_bad_cursor, request_cursor
from .wire import to_wire

# Not under the API blueprint: a websocket takes none of its /api prefix, CSRF or body guards.
bp = Blueprint("api_sockets", __name__)


@api_bp.record_once
def _register(state) -> None:
    state.app.register_blueprint(bp)


bp.before_request(refuse_bad_cursor)


def _token_actor():
    secret = bearer_token() or request.args.get("token")
    if not secret:
        return None
    try:
        return token_actor(secret)
    except ServiceError:
        return None


def wire_event(event: dict) -> str:
    # Live token deltas have no seq: they are not replayed one by one (a reconnect gets the text so far).
    data = to_wire({**event["data"], "job_id": event["job_id"], "job_seq": event.get("seq")})
    return json.dumps({"event": event["event"], "data": data, "seq": event["id"]})


def _replay(ws, after: int, actor, campaign_ids: list[int]) -> int:
    """Send everything stored after the client's cursor, in pages; the last id sent."""
    last = after
    while True:
        batch = store.events_after(last, team_id=actor.team_id, campaign_ids=campaign_ids,
                                   user_id=actor.user_id, limit=500)
        for event in batch:
            ws.send(wire_event(event))
            last = event["id"]
        if len(batch) < 500:
            return last


@sock.route("/ws/api/events", bp=bp)
def api_events_socket(ws):
    """Job events as JSON for integrations (API token; rooms: own jobs + ?campaign=<id>…)."""
    actor = _token_actor()
    if actor is None:
        return refuse(ws, "Send a valid API token (Authorization: Bearer … or ?token=).")
    campaign_ids = []
    for raw in request.args.getlist("campaign"):
        try:
            campaign_ids.append(campaigns.get_campaign_row(actor, raw).id)
        except ServiceError:
            return refuse(ws, f"Campaign {raw[:20]} not found.")
    entry = register(ws, API, user_id=actor.user_id, team_id=actor.team_id, token_id=g.api_token_id,
                     epoch=identity.session_epoch(actor.user_id))
    db.session.rollback()
    if entry is None:
        return None
    sub = subscribe(Subscription(team_id=actor.team_id, user_id=actor.user_id,
                                 campaign_ids=frozenset(campaign_ids)))
    try:
        holds = identity.grant_holds(team_id=entry.team_id, token_id=entry.token_id)
        db.session.rollback()
        if not still_granted(ws, holds):
            return None
        if "after" in request.args:
            last = _replay(ws, request_cursor(), actor, campaign_ids)
        else:
            last = store.latest_id()  # read after subscribing: anything newer is delivered live
        db.session.rollback()
        # Tells the client it is now covered from `seq` on (a client that acts right after the
        # handshake, without a cursor, waits for this first).
        ws.send(json.dumps({"event": "ready", "data": {"campaignIds": campaign_ids, "userId": actor.user_id},
                            "seq": last}))
        pump(ws, sub, last, wire_event, one_message=False)
    except ConnectionClosed:
        pass
    finally:
        release(entry)
        unsubscribe(sub)
