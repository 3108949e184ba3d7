"""The browser's websocket routes (flask-sock, session cookie): /ws/campaigns/<id> and /ws/jobs send
HTML fragments that htmx's hx-ws extension swaps out-of-band.

Every message carries the id of the last event it reflects in a cursor element; static/ws-cursor.js
copies it into the socket URL (`?after=`) so a reconnect replays from there: the server answers with
the current state drawn from the stored rows (progress, finished cards, the text streamed so far),
then live events. A cursor that is not an event id is a 400 before the upgrade.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, request
from flask_login import current_user
from simple_websocket import ConnectionClosed

from ..api.cursors import refuse_bad_cursor, request_cursor
from ..auth import session_actor
from ..events import store
from ..events.bus import Subscription
from ..events.registry import BROWSER
from ..events.stream import pump, refuse, register, release, still_granted, subscribe, unsubscribe
from ..extensions import db, sock
from ..services import campaigns, identity
from ..services import jobs as jobs_service
from ..services.errors import ServiceError
from . import live_fragments as fragments

bp = Blueprint("sockets", __name__)

BROWSER_CAMPAIGN_EVENTS = frozenset(set(store.EVENT_NAMES) - {store.NOTIFICATION})
BROWSER_JOBS_EVENTS = frozenset({store.CAMPAIGN_STARTED, store.CAMPAIGN_PROGRESS, *store.JOB_END_EVENTS,
                                 store.NOTIFICATION})


# A malformed `?after=` is answered before the upgrade, in the API's error shape.
bp.before_request(refuse_bad_cursor)


def _same_origin() -> bool:
    """Browsers send cookies on cross-site websocket handshakes: refuse foreign origins."""
    origin = request.headers.get("Origin")
    return not origin or urlsplit(origin).netloc == request.host


def _browser_actor():
    return session_actor() if _same_origin() else None


def _register(ws, actor):
    """Count the socket in under its session (logout and password changes end it by epoch)."""
    return register(ws, BROWSER, user_id=actor.user_id, team_id=actor.team_id, epoch=current_user.session_epoch)


def _still_granted(ws, entry) -> bool:
    holds = identity.grant_holds(team_id=entry.team_id, session_id=entry.session_id)
    db.session.rollback()
    return still_granted(ws, holds)


@sock.route("/ws/campaigns/<int:campaign_id>", bp=bp)
def campaign_socket(ws, campaign_id: int):
    """Live generation of one campaign, as HTML fragments for its page."""
    actor = _browser_actor()
    if actor is None:
        return refuse(ws, "Log in first.")
    try:
        campaign = campaigns.get_campaign_row(actor, campaign_id)
    except ServiceError:
        return refuse(ws, "Campaign not found.")
    db.session.expunge(campaign)
    entry = _register(ws, actor)
    db.session.rollback()  # SQLite reads begin IMMEDIATE: never hold the lock while waiting on the hub
    if entry is None:
        return None
    room = f"campaign-{campaign.id}"
    sub = subscribe(Subscription(team_id=actor.team_id, campaign_ids=frozenset({campaign.id}),
                                 events=BROWSER_CAMPAIGN_EVENTS))
    try:
        if not _still_granted(ws, entry):
            return None
        after = request_cursor()
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

        pump(ws, sub, last, render)
    except ConnectionClosed:
        pass
    finally:
        release(entry)
        unsubscribe(sub)


@sock.route("/ws/jobs", bp=bp)
def jobs_socket(ws):
    """The global jobs indicator and toasts for the logged-in user."""
    actor = _browser_actor()
    if actor is None:
        return refuse(ws, "Log in first.")
    entry = _register(ws, actor)
    db.session.rollback()
    if entry is None:
        return None
    sub = subscribe(Subscription(team_id=actor.team_id, user_id=actor.user_id, events=BROWSER_JOBS_EVENTS))
    try:
        if not _still_granted(ws, entry):
            return None
        after = request_cursor()
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

        pump(ws, sub, last, render)
    except ConnectionClosed:
        pass
    finally:
        release(entry)
        unsubscribe(sub)
