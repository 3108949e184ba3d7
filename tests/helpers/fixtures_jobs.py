"""Fixtures for the job system: a real Huey consumer (threads) against the test app, a real HTTP +
websocket server on a loopback port, and a websocket client.

The backend follows HERALD_TEST_REDIS: unset → SqliteHuey + the embedded event poller; "1" →
RedisHuey + Redis pub/sub (tests.helpers.services.require_redis()).
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid

import pytest
import websocket
from werkzeug.serving import make_server

JOBS_TEST_CONFIG = {
    "HERALD_JOB_LEASE": 5.0,
    "HERALD_JOB_HEARTBEAT": 0.5,
    "HERALD_JOB_RETRY_BASE": 0.1,
    "HERALD_AI_MAX_RETRIES": 0,
    "HERALD_AI_BACKOFF_BASE": 0.01,
    "HERALD_AI_CRITIQUE": False,
    "HERALD_AI_TIMEOUT": 10,
    "HERALD_EVENTS_POLL_INTERVAL": 0.5,
    "HERALD_EVENTS_DELTA_INTERVAL": 0.02,
}


def jobs_backend() -> str:
    return "redis" if os.environ.get("HERALD_TEST_REDIS") == "1" else "sqlite"


def jobs_config(tmp_path, **overrides) -> dict:
    """Test settings for job tests on the selected backend (a unique Huey name per test on Redis)."""
    config = dict(JOBS_TEST_CONFIG)
    if jobs_backend() == "redis":
        from tests.helpers.services import require_redis

        config["REDIS_URL"] = require_redis()
        config["HERALD_HUEY_NAME"] = f"herald-test-{uuid.uuid4().hex[:10]}"
        config["RATELIMIT_STORAGE_URI"] = "memory://"
    config.update(overrides)
    return config


def flush_redis(app) -> None:
    if app.config.get("REDIS_URL"):
        from webapp.huey_app import huey

        try:
            huey.storage.flush_all()
        except Exception:  # noqa: BLE001
            pass


class Worker:
    """A Huey consumer with worker threads, running tasks inside the test app."""

    def __init__(self, app, workers: int = 4) -> None:
        import tasks

        self.app = app
        tasks.use_app(app)
        self._handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        self.consumer = tasks.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=False, initial_delay=0.01, backoff=1.0,
            max_delay=0.02, check_worker_health=False, shutdown_timeout=10)
        self.consumer.start()

    def stop(self) -> None:
        import tasks

        # Workers blocked in dequeue() see the stop flag when woken, not a read timeout later.
        self.consumer.stop_flag.set()
        doorbell = getattr(tasks.huey.storage, "doorbell", None)
        if doorbell is not None:
            doorbell.ring_here()
        self.consumer.stop(graceful=True)
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)


@pytest.fixture
def worker(app):
    """A real Huey consumer (4 threads) working for `app`; stopped gracefully after the test."""
    w = Worker(app)
    yield w
    w.stop()
    flush_redis(app)


class LiveServer:
    """The app served by werkzeug (threaded, websockets included) on a free loopback port."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_server(app):
    """The test app on a real loopback HTTP server (for websocket clients)."""
    server = LiveServer(app)
    yield server
    server.stop()


def session_cookie(app, user) -> str:
    """The Cookie header a browser logged in as `user` would send."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": f"{user.id}:{user.session_epoch}", "_fresh": True})
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}"


class WSClient:
    """A real websocket client; collects what it receives."""

    def __init__(self, url: str, *, headers: list[str] | None = None, cookie: str | None = None,
                 origin: str | None = None, timeout: float = 5.0) -> None:
        self.url = url
        self.ws = websocket.create_connection(url, header=headers or [], cookie=cookie, timeout=timeout,
                                              origin=origin)
        self.messages: list[str] = []

    def recv(self, timeout: float = 5.0) -> str | None:
        """The next message, or None after `timeout` seconds (or when the server closed)."""
        self.ws.settimeout(timeout)
        try:
            message = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except websocket.WebSocketConnectionClosedException:
            return None
        if message:
            self.messages.append(message)
        return message or None

    def recv_json(self, timeout: float = 5.0) -> dict | None:
        message = self.recv(timeout)
        return json.loads(message) if message else None

    def until(self, predicate, timeout: float = 15.0, *, as_json: bool = False) -> list:
        """Receive until predicate(message) is true; returns everything received on the way."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.recv(timeout=max(0.05, deadline - time.monotonic()))
            if message is None:
                if not self.ws.connected:
                    break
                continue
            item = json.loads(message) if as_json else message
            got.append(item)
            if predicate(item):
                return got
        raise AssertionError(f"condition not met within {timeout}s; received {len(got)} messages: "
                             f"{[str(g)[:200] for g in got[-5:]]}")

    def close_status(self, timeout: float = 3.0):
        """Wait for the server to close; returns the close code (None if it stayed open)."""
        self.ws.settimeout(timeout)
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    data = frame.data
                    return int.from_bytes(data[:2], "big") if len(data) >= 2 else None
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return getattr(self.ws, "status", None)
        except websocket.WebSocketTimeoutException:
            return None

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass


@pytest.fixture
def ws_connect(live_server):
    """ws_connect(path, token=…|user=…) → a connected WSClient (closed after the test)."""
    clients: list[WSClient] = []

    def connect(path: str, *, token: str | None = None, user=None, origin: str | None = None,
                wait_ready: bool = True) -> WSClient:
        """Connect; on /ws/api/ paths wait for the server's "ready" (replayed events: .replayed)."""
        headers = [f"Authorization: Bearer {token}"] if token else []
        cookie = session_cookie(live_server.app, user) if user is not None else None
        client = WSClient(live_server.ws_url + path, headers=headers, cookie=cookie, origin=origin)
        clients.append(client)
        if path.startswith("/ws/api/") and wait_ready:
            client.until(lambda m: m["event"] == "ready", as_json=True, timeout=5)
            client.replayed = [json.loads(m) for m in client.messages[:-1]]
        return client

    yield connect
    for c in clients:
        c.close()


def actor_of(user, app, role: str | None = None):
    """The services Actor for a factory user in their current team."""
    from webapp.extensions import db
    from webapp.models import Membership
    from webapp.services.access import Actor

    with app.app_context():
        membership = db.session.query(Membership).filter_by(user_id=user.id, team_id=user.current_team_id).one()
        return Actor(user_id=user.id, team_id=membership.team_id, role=role or membership.role)


def make_campaign(app, user, **data) -> int:
    """A campaign of the user's team through the real service; returns its id."""
    from webapp.extensions import db
    from webapp.services import campaigns

    payload = {"name": "Spring launch", "objective": "awareness", "description": "Launch the spring line.",
               "tone": "friendly", "keywords": "analytics, dashboards"}
    payload.update(data)
    with app.app_context():
        campaign = campaigns.create_campaign(actor_of(user, app), payload)
        db.session.commit()
        return campaign.id


def wait_for_job(app, job_id: str, statuses=("succeeded", "failed", "cancelled"), timeout: float = 20.0):
    """Poll the Job row until it reaches one of `statuses`; returns job_to_dict."""
    from webapp.extensions import db
    from webapp.models import Job
    from webapp.services.jobs import job_to_dict

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job is not None and job.status in statuses:
                return job_to_dict(job)
        time.sleep(0.05)
    with app.app_context():
        job = db.session.get(Job, job_id)
        raise AssertionError(f"job {job_id} still {job.status if job else 'missing'} after {timeout}s: "
                             f"{job.message if job else ''} {job.error if job else ''}")
