"""Crash test: a worker process is killed with SIGKILL in the middle of a campaign generation; a new
worker's reaper requeues the job when its lease expires, and the job finishes with every planned
piece written exactly once (outputs are keyed by (job_id, step_key))."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.fixtures_jobs import make_campaign, wait_for_job
from webapp.extensions import db
from webapp.models import Campaign, ContentItem, Job

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = Path(sys.executable).with_name("huey_consumer")
LEASE = 1.5


@pytest.fixture
def app_config(app_config):
    """A short lease, so the reaper notices the killed worker soon."""
    return {**app_config, "HERALD_JOB_LEASE": LEASE}


def _start_worker(app, tmp_path, name: str) -> subprocess.Popen:
    """`huey_consumer tasks.huey` as its own process, pointed at the test's database and queue."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "OPENAI_"))}
    env.update({
        "PYTHONPATH": str(ROOT), "SECRET_KEY": "test-secret", "HERALD_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "HERALD_HUEY_PATH": app.config["HUEY_PATH"],
        "REDIS_URL": app.config.get("REDIS_URL") or "", "HERALD_HUEY_NAME": app.config.get("HERALD_HUEY_NAME") or "",
        "OPENAI_BASE_URL": app.config["OPENAI_BASE_URL"], "OPENAI_API_KEY": "sk-test",
        "HERALD_AI_CONCURRENCY": "2", "HERALD_AI_MAX_RETRIES": "0", "HERALD_JOB_LEASE": str(LEASE),
        "HERALD_JOB_HEARTBEAT": "0.3", "HERALD_LOG_LEVEL": "WARNING", "HERALD_RATELIMIT_ENABLED": "0",
    })
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(CONSUMER), "tasks.huey", "-w", "2", "-k", "thread", "-d", "0.05", "-m", "0.2"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _count(app, campaign_id) -> int:
    with app.app_context():
        return db.session.query(ContentItem).filter_by(campaign_id=campaign_id).count()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_mid_generation_then_a_new_worker_finishes_exactly_once(app, tmp_path, factory, api_client,
                                                                         openai_server):
    openai_server.script(*["ok:delay=0.25"] * 200)  # every call (writes and critiques) is slow
    owner = factory.user()
    api = api_client(factory.token(owner))
    cid = make_campaign(app, owner, content_types=["social_post", "ad_copy"],
                        platforms=["linkedin", "twitter", "facebook"])
    first = _start_worker(app, tmp_path, "worker-a")
    second = None
    try:
        job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
        planned = {(p["contentType"], p["platform"]) for p in job["pieces"]}
        assert len(planned) == 6
        _wait(lambda: _count(app, cid) >= 1, 30, "the first piece")
        assert _count(app, cid) < 6, "the worker should still be busy when killed"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        written_before = _count(app, cid)
        with app.app_context():
            row = db.session.get(Job, job["id"])
            assert row.status == "running" and row.attempt == 1  # nothing ran the job's finish

        # Once the dead worker's lease runs out, a new worker's start-up reaper requeues the job.
        time.sleep(LEASE + 0.2)
        second = _start_worker(app, tmp_path, "worker-b")
        done = wait_for_job(app, job["id"], timeout=60)
        assert done["status"] == "succeeded", done
        assert done["attempt"] == 2
        with app.app_context():
            items = db.session.query(ContentItem).filter_by(campaign_id=cid).all()
            pairs = [(i.content_type, i.platform) for i in items]
            assert sorted(pairs) == sorted(planned)  # every planned piece exactly once
            assert len({i.step_key for i in items}) == len(items) == 6
            assert written_before <= 6 and all(i.job_id == job["id"] for i in items)
            assert db.session.get(Campaign, cid).status == "draft"
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
