"""Websocket routes (flask-sock).

Browser (session cookie): /ws/campaigns/<id> and /ws/jobs send HTML fragments that htmx's hx-ws
extension swaps out-of-band. Every message carries the id of the last event it reflects in a
cursor element; static/ws-cursor.js copies it into the socket URL (`?after=`) so a reconnect
replays from there: the server answers with the current state drawn from the stored rows
(progress, finished cards, the text streamed so far), then live events.

Integration (API token): /ws/api/events sends {"event", "data", "seq"} as JSON; seq is the global
event id to pass back as ?after= when reconnecting. After any replay it sends {"event": "ready"}:
from then on the client hears every new event of its rooms. Rooms: the token user's own jobs, plus each
`?campaign=<id>` of the token's team. Nobody ever hears another team's events.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request
from simple_websocket import ConnectionClosed

from ..api.wire import to_wire
from ..extensions import db, sock
from ..services.access import Actor
from ..services.errors import ServiceError
from . import fragments, store
from .bus import Subscription, hub_for

log = logging.getLogger(__name__)
bp = Blueprint("events_ws", __name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
BROWSER_CAMPAIGN_EVENTS = frozenset(set(store.EVENT_NAMES) - {store.NOTIFICATION})
BROWSER_JOBS_EVENTS = frozenset({store.CAMPAIGN_STARTED, store.CAMPAIGN_PROGRESS, *store.JOB_END_EVENTS,
                                 store.NOTIFICATION})
STATUS_EVENTS = frozenset({store.CAMPAIGN_STARTED, store.CAMPAIGN_PROGRESS, *store.JOB_END_EVENTS})


def register(app) -> None:
    if "events_ws" not in app.blueprints:
        app.register_blueprint(bp)


def _after() -> int:
    try:
        return max(0, int(request.args.get("after", "0")))
    except ValueError:
        return 0


def _refuse(ws, message: str) -> None:
    try:
        ws.close(reason=POLICY_VIOLATION, message=message[:120])
    except Exception:  # noqa: BLE001 - already gone
        pass


def _same_origin() -> bool:
    """Browsers send cookies on cross-site websocket handshakes: refuse foreign origins."""
    origin = request.headers.get("Origin")
    return not origin or urlsplit(origin).netloc == request.host


def _browser_actor() -> Actor | None:
    from ..auth import session_actor

    return session_actor() if _same_origin() else None


def _coalesce(batch: list[dict]) -> list[dict]:
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


def _deltas_early(batch: list[dict]) -> list[dict]:
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


def _pump(ws, sub: Subscription, last: int, render, *, one_message: bool = True) -> None:
    """Send live events after `last` until the client goes away. Whatever queued up while a message
    was being sent goes out together: browser fragments in one message, JSON events one by one."""
    while ws.connected:
        first = sub.get(timeout=1.0)
        if sub.overflowed:  # too far behind: make the client reconnect and replay from its cursor
            ws.close(reason=TRY_AGAIN_LATER, message="Catching up")
            return
        if first is None:
            continue
        batch = _deltas_early(_coalesce([first] + sub.drain(limit=1000)))
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


def _subscribe(sub: Subscription) -> Subscription:
    return hub_for(current_app._get_current_object()).subscribe(sub)


@sock.route("/ws/campaigns/<int:campaign_id>", bp=bp)
def campaign_socket(ws, campaign_id: int):
    """Live generation of one campaign, as HTML fragments for its page."""
    from ..services import campaigns
    from ..services import jobs as jobs_service

    actor = _browser_actor()
    if actor is None:
        return _refuse(ws, "Log in first.")
    try:
        campaign = campaigns.get_campaign_row(actor, campaign_id)
    except ServiceError:
        return _refuse(ws, "Campaign not found.")
    db.session.expunge(campaign)
    db.session.rollback()  # SQLite reads begin IMMEDIATE: never hold the lock while waiting on the hub
    room = f"campaign-{campaign.id}"
    sub = _subscribe(Subscription(team_id=actor.team_id, campaign_ids=frozenset({campaign.id}),
                                  events=BROWSER_CAMPAIGN_EVENTS))
    hub = hub_for(current_app._get_current_object())
    try:
        after = _after()
        missed = store.events_after(after, team_id=actor.team_id, campaign_ids=[campaign.id], limit=1)
        last = after
        if missed:
            last = store.latest_id()
            job = jobs_service.latest_job_for_campaign(actor.team_id, campaign.id)
            ws.send(fragments.render_panel(job, campaign, oob=True, up_to=last) + fragments.cursor(room, last))
        db.session.rollback()

        def render(event):
            fragment = fragments.campaign_fragment(event, campaign)
            if fragment and event.get("id") is not None:
                fragment += fragments.cursor(room, event["id"])
            return fragment

        _pump(ws, sub, last, render)
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(sub)


@sock.route("/ws/jobs", bp=bp)
def jobs_socket(ws):
    """The global jobs indicator and toasts for the logged-in user."""
    from ..services import jobs as jobs_service

    actor = _browser_actor()
    if actor is None:
        return _refuse(ws, "Log in first.")
    db.session.rollback()
    sub = _subscribe(Subscription(team_id=actor.team_id, user_id=actor.user_id, events=BROWSER_JOBS_EVENTS))
    hub = hub_for(current_app._get_current_object())
    try:
        after = _after()
        missed = store.events_after(after, team_id=actor.team_id, user_id=actor.user_id)
        missed = [e for e in missed if e["event"] in BROWSER_JOBS_EVENTS]
        last = after
        if missed:
            last = missed[-1]["id"]
            toasts = "".join([fragments.toast(e) for e in missed if e["event"] == store.NOTIFICATION][-3:])
            ws.send(fragments.indicator(jobs_service.active_count(actor)) + toasts + fragments.cursor("jobs", last))
        db.session.rollback()

        def render(event):
            if event["event"] == store.NOTIFICATION:
                body = fragments.toast(event)
            else:
                body = fragments.indicator(jobs_service.active_count(actor))
            return body + fragments.cursor("jobs", event["id"])

        _pump(ws, sub, last, render)
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(sub)


def _token_actor() -> Actor | None:
    from ..auth import bearer_token, token_actor

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


@sock.route("/ws/api/events", bp=bp)
def api_events_socket(ws):
    """Job events as JSON for integrations (API token; rooms: own jobs + ?campaign=<id>…)."""
    from ..services import campaigns

    actor = _token_actor()
    if actor is None:
        return _refuse(ws, "Send a valid API token (Authorization: Bearer … or ?token=).")
    campaign_ids = []
    for raw in request.args.getlist("campaign"):
        try:
            campaign_ids.append(campaigns.get_campaign_row(actor, raw).id)
        except ServiceError:
            return _refuse(ws, f"Campaign {raw[:20]} not found.")
    db.session.rollback()
    sub = _subscribe(Subscription(team_id=actor.team_id, user_id=actor.user_id,
                                  campaign_ids=frozenset(campaign_ids)))
    hub = hub_for(current_app._get_current_object())
    try:
        if "after" in request.args:
            last = _after()
            while True:  # replay everything stored after the client's cursor, in pages
                batch = store.events_after(last, team_id=actor.team_id, campaign_ids=campaign_ids,
                                           user_id=actor.user_id, limit=500)
                for event in batch:
                    ws.send(wire_event(event))
                    last = event["id"]
                if len(batch) < 500:
                    break
        else:
            last = store.latest_id()  # read after subscribing: anything newer is delivered live
        db.session.rollback()
        # Tells the client it is now covered from `seq` on (a client that acts right after the
        # handshake, without a cursor, waits for this first).
        ws.send(json.dumps({"event": "ready", "data": {"campaignIds": campaign_ids, "userId": actor.user_id},
                            "seq": last}))
        _pump(ws, sub, last, wire_event, one_message=False)
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(sub)
