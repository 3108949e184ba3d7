"""Getting stored events to the websockets of this web process.

Redis mode (REDIS_URL set): `publish` sends each stored event on a pub/sub channel; one listener
thread per process receives them. Embedded mode: one poller thread per process reads new
job_events rows by id (a single query per tick for the whole process, never one per client).
Either way the hub fans events out in memory to the subscribed sockets whose room matches.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from sqlalchemy import bindparam, select

from . import rights
from .registry import registry_for

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "herald:events"
# Stored rows of this event are for replay only: its live copy reaches sockets through events.live.
LIVE_ONLY_EVENT = "content:generation:delta"
_redis_clients: dict[str, object] = {}
_redis_lock = threading.Lock()


def _redis(url: str):
    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            import redis

            client = _redis_clients[url] = redis.Redis.from_url(url)
        return client


def channel_name(config) -> str:
    return f"{CHANNEL_PREFIX}:{config.get('HERALD_HUEY_NAME') or os.environ.get('HERALD_HUEY_NAME') or 'herald'}"


def publish(event: dict) -> None:
    """Announce a stored event. Embedded mode needs nothing: the pollers read the table."""
    if not has_app_context():
        return
    url = current_app.config.get("REDIS_URL")
    if not url or event.get("event") == LIVE_ONLY_EVENT:
        return
    try:
        _redis(url).publish(channel_name(current_app.config), json.dumps(event, default=str))
    except Exception:  # noqa: BLE001 - the row is stored; a page that reconnects replays it
        log.warning("could not publish event %s to Redis", event.get("id"), exc_info=True)


# Embedded mode: a writer that committed events says so in a tiny datagram, so pollers read at once
# and otherwise sleep HERALD_EVENTS_POLL_INTERVAL (a lost datagram only waits for that).
STORED = "events:stored"
_STORED_PAYLOAD = json.dumps([{"event": STORED}]).encode()
_WAKE = {"event": "wake"}  # not an event: tells a waiting pump to look at its socket


def poke_pollers() -> None:
    """After events were committed: wake every web process's poller (embedded mode; Redis mode
    publishes the events themselves)."""
    if not has_app_context() or current_app.config.get("REDIS_URL"):
        return
    from ..datagrams import send_to_all
    from .live import socket_dir

    try:
        send_to_all(socket_dir(current_app.config), _STORED_PAYLOAD, wait=0)
    except OSError:  # best effort: the next timed poll reads the rows anyway
        log.debug("could not wake the event pollers", exc_info=True)


@dataclass(eq=False)
class Subscription:
    """One socket's room: its team, and the campaigns and/or user whose events it wants."""

    team_id: int
    campaign_ids: frozenset[int] = frozenset()
    user_id: int | None = None
    events: frozenset[str] | None = None  # None = every event name
    queue: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=10000))
    overflowed: bool = False

    def matches(self, event: dict) -> bool:
        if event["team_id"] != self.team_id:
            return False
        if self.events is not None and event["event"] not in self.events:
            return False
        in_campaign = event.get("campaign_id") in self.campaign_ids
        in_user = self.user_id is not None and event.get("user_id") == self.user_id
        return in_campaign or in_user

    def get(self, timeout: float) -> dict | None:
        """The next event, or None after `timeout` or when woken (see wake)."""
        try:
            event = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if event is _WAKE else event

    def wake(self) -> None:
        """Make a waiting `get` return now (its socket closed): a socket's pump then sleeps until
        something happens instead of waking every second to look."""
        try:
            self.queue.put_nowait(_WAKE)
        except queue.Full:
            pass

    def drain(self, limit: int) -> list[dict]:
        """Whatever else is waiting, without blocking."""
        out = []
        while len(out) < limit:
            try:
                event = self.queue.get_nowait()
            except queue.Empty:
                break
            if event is not _WAKE:
                out.append(event)
        return out

    def put(self, event: dict) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:  # a stuck client: it will catch up from the table
            self.overflowed = True


class Hub:
    """Per-process fan-out. The reader thread starts with the first subscriber and idles (no
    queries) while nobody listens."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._ready = threading.Event()  # set once the reader has its starting point
        self._live = None  # embedded mode: the Unix socket live deltas arrive on
        # Embedded mode: a live delta must not overtake the stored events committed before it
        # (the job's start, its piece's start), which the poller has not read yet. The first delta
        # of each piece waits for a poll pass that began after it arrived.
        self._passes = self._passes_begun = 0
        self._pass_done = threading.Condition()
        self._poke = threading.Event()
        self._announced: set[tuple] = set()

    # --- subscribers ---
    def subscribe(self, sub: Subscription) -> Subscription:
        with self._lock:
            self._subs.add(sub)
            self._wake.notify_all()
            if self._thread is None or not self._thread.is_alive():
                target = self._listen_redis if self.app.config.get("REDIS_URL") else self._poll
                if not self.app.config.get("REDIS_URL") and self._live is None:
                    from .live import LiveReceiver

                    self._live = LiveReceiver(self.app.config, self.dispatch_live)
                self._thread = threading.Thread(target=target, name="herald-events", daemon=True)
                self._thread.start()
        # Replay (from the table) starts after this returns: the reader must already be listening,
        # or an event landing in between would be neither replayed nor delivered live.
        self._ready.wait(timeout=5)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def dispatch(self, event: dict) -> None:
        if rights.is_revocation(event):  # a right ended somewhere: close this process's sockets of it
            registry_for(self.app).revoke(rights.from_message(event))
            return
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if sub.matches(event):
                sub.put(event)

    def dispatch_live(self, events: list[dict]) -> None:
        """One datagram of live deltas from the embedded receiver: after the stored events committed
        before it (one catch-up covers every piece the datagram starts)."""
        if len(events) == 1 and events[0].get("event") == STORED:
            self._poke.set()
            return
        if any(rights.is_revocation(e) for e in events):
            for event in events:
                self.dispatch(event)
            return
        keys = {(e.get("job_id"), (e.get("data") or {}).get("step_key")) for e in events}
        if not keys <= self._announced:
            self._catch_up()
            if len(self._announced) > 10000:
                self._announced.clear()
            self._announced |= keys
        for event in events:
            self.dispatch(event)

    def _catch_up(self, timeout: float = 0.25) -> None:
        with self._pass_done:
            if not self._subs:
                return
            target = self._passes_begun + 1  # a pass beginning from now on reads what is committed now
            self._poke.set()
            self._pass_done.wait_for(lambda: self._passes >= target or self._stopped, timeout)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._wake.notify_all()
        if self._live is not None:
            self._live.close()

    def _wait_for_subscribers(self) -> bool:
        with self._lock:
            while not self._subs and not self._stopped:
                self._wake.wait(timeout=5)
            return not self._stopped

    # --- embedded mode ---
    def _poll(self) -> None:
        from ..database import _write_intent
        from ..extensions import db
        from ..models import JobEvent
        from .store import _COLUMNS, row_to_event

        _write_intent.set(False)  # this thread only reads: plain BEGIN, never queue for SQLite's write lock
        interval = float(self.app.config.get("HERALD_EVENTS_POLL_INTERVAL", 0.5))
        with self.app.app_context():
            engine = db.engine  # this app's engine; plain connections, no scoped session to share
        with engine.connect() as conn:
            cursor = conn.scalar(select(db.func.coalesce(db.func.max(JobEvent.id), 0))) or 0
        self._ready.set()
        sqlite = engine.dialect.name == "sqlite"
        gaps: dict[int, float] = {}  # ids skipped over (PostgreSQL may commit them late)
        # Most passes find nothing new: they ask only for the newest id, in plain SQL on a connection
        # kept open between passes (its read transaction ends after each), so an idle pass costs tens
        # of microseconds rather than a statement built, compiled and checked out of the pool. Under
        # the gevent worker the poll blocks the process while it runs, so cheap matters.
        newest_sql = f"SELECT max(id) FROM {JobEvent.__tablename__}"
        new_rows = select(*_COLUMNS).where(JobEvent.id > bindparam("after")).order_by(JobEvent.id).limit(1000)
        conn = None
        while self._wait_for_subscribers():
            with self._pass_done:
                self._passes_begun += 1
                self._poke.clear()
            try:
                if conn is None:
                    conn = engine.connect()
                rows = []
                if (conn.exec_driver_sql(newest_sql).scalar() or 0) > cursor:
                    rows = [row_to_event(r) for r in conn.execute(new_rows, {"after": cursor})]
                if gaps:
                    late = conn.execute(select(*_COLUMNS).where(JobEvent.id.in_(list(gaps))))
                    rows = sorted([row_to_event(r) for r in late] + rows, key=lambda e: e["id"])
                conn.rollback()
            except Exception:  # noqa: BLE001 - a locked or restarting database: try again
                log.warning("event poll failed", exc_info=True)
                if conn is not None:
                    conn.invalidate()
                    conn.close()
                    conn = None
                time.sleep(max(interval, 0.5))
                continue
            now = time.monotonic()
            for event in rows:
                gaps.pop(event["id"], None)
                if event["id"] > cursor:
                    if not sqlite:
                        gaps.update({i: now for i in range(cursor + 1, event["id"])})
                    cursor = event["id"]
                if event["event"] != LIVE_ONLY_EVENT:
                    self.dispatch(event)
            gaps = {i: t for i, t in gaps.items() if now - t < 3.0}
            with self._pass_done:
                self._passes += 1
                self._pass_done.notify_all()
            self._poke.wait(interval)
        if conn is not None:
            conn.close()

    # --- Redis mode ---
    def _listen_redis(self) -> None:
        url = self.app.config["REDIS_URL"]
        channel = channel_name(self.app.config)
        while self._wait_for_subscribers():
            try:
                pubsub = _redis(url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(channel)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation: now we are listening
                self._ready.set()
                while not self._stopped:
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        payload = json.loads(message["data"])
                        for event in payload if isinstance(payload, list) else [payload]:
                            self.dispatch(event)  # a list is a batch of live deltas
                    with self._lock:
                        if not self._subs:
                            break
                pubsub.close()
            except Exception:  # noqa: BLE001 - Redis restarting: pages replay what they missed
                log.warning("Redis event listener failed; retrying", exc_info=True)
                time.sleep(1)


def hub_for(app: Flask) -> Hub:
    """The app's hub (one per web process)."""
    hub = app.extensions.get("herald_events_hub")
    if hub is None:
        hub = app.extensions["herald_events_hub"] = Hub(app)
    return hub

