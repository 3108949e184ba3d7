"""Synchronous generation that cannot tie up the server: the one rule behind the generate-* API
calls and the page's Write buttons.

Each call becomes a Job row claimed by this web process (so the pieces are keyed by (job, step)
and a reaper can hand the job to a worker if this process dies), and its pieces are written in a
thread of this process. The request waits at most HERALD_SYNC_GENERATION_TIMEOUT seconds: done in
time → the items (201); not done → the job (202), which the thread goes on to finish, so the work
is neither lost nor done twice. At most HERALD_SYNC_GENERATION_LIMIT calls run in this process at
once; one more is refused with GenerationBusy (503 + Retry-After) before anything is written.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..database import reading
from ..events import store as events
from ..extensions import db
from ..models import ContentItem, Job
from ..models._types import utcnow
from .access import Actor
from .generation import AIUnavailable, _run
from .jobs.emit import emit_job_event, job_event_row
from .jobs.settings import CONTENT_QUEUE, KIND_SINGLE, JobSettings

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER = 5  # seconds: about what one short piece takes


class GenerationBusy(AIUnavailable):
    """This process already runs its limit of synchronous generations."""

    code = "generation_busy"


_in_flight = 0
_in_flight_lock = threading.Lock()


def _reserve(limit: int) -> None:
    global _in_flight
    with _in_flight_lock:
        if _in_flight >= limit:
            raise GenerationBusy(f"The server is already writing {_in_flight} piece request(s); try again in "
                                 f"{BUSY_RETRY_AFTER} s, or queue the work as a job (batch-generate with "
                                 "\"async\": true).", retry_after=BUSY_RETRY_AFTER)
        _in_flight += 1


def _release() -> None:
    global _in_flight
    with _in_flight_lock:
        _in_flight -= 1


def settings(config: Mapping) -> tuple[float, int]:
    """(timeout seconds, in-flight limit) from the app config."""
    return (float(config.get("HERALD_SYNC_GENERATION_TIMEOUT", 60)),
            int(config.get("HERALD_SYNC_GENERATION_LIMIT", 4)))


def _step_key(spec: dict, index: int) -> str:
    return f"{spec['content_type']}:{spec['platform']}:{index + 1}"


def _new_job(actor: Actor, campaign_id: int, specs: list[dict], worker_id: str, lease: float) -> str:
    """A running Job row owned by this process (no Huey message: this process writes it); its id."""
    now = utcnow()
    job_settings = JobSettings.from_config(current_app.config)
    job = Job(id=str(uuid.uuid4()), queue=CONTENT_QUEUE, kind=KIND_SINGLE, team_id=actor.team_id,
              user_id=actor.user_id, campaign_id=campaign_id, status="running", progress_done=0,
              progress_total=len(specs), message="Writing…", error="", attempt=1, max_attempts=3,
              worker_id=worker_id, heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease),
              started_at=now, deadline=now + timedelta(seconds=job_settings.deadline),
              params={"pieces": specs}, result={})
    db.session.add(job)
    db.session.commit()
    return job.id  # set before the commit: reading it starts no transaction


def generate_bounded(actor: Actor, campaign_id: int, specs: list[dict], config: Mapping) -> list[ContentItem] | Job:
    """Write `specs` (generate_piece keyword sets) as one job of this process and wait for it.

    Returns the items when they are written within the timeout, else the (running) Job. Raises
    GenerationBusy when the process is at its limit, and whatever generation raises (502/503 for
    the AI server, 429 for the budget, 404/422) when the work fails within the timeout."""
    timeout, limit = settings(config)
    _reserve(limit)
    try:
        app = current_app._get_current_object()
        worker_id = f"web:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        lease = JobSettings.from_config(config).lease
        keyed = [{**spec, "step_key": _step_key(spec, i)} for i, spec in enumerate(specs)]
        job_id = _new_job(actor, campaign_id, keyed, worker_id, lease)
        future: Future = Future()
        thread = threading.Thread(target=_write, args=(app, actor, job_id, worker_id, keyed, future),
                                  name=f"sync-{job_id[:8]}", daemon=True)
        thread.start()
    except BaseException:
        _release()
        raise
    try:
        db.session.rollback()  # hold no transaction (on SQLite: no write lock) while the thread writes
        item_ids = future.result(timeout=timeout)
    except FutureTimeout:
        with reading():
            job = db.session.get(Job, job_id, populate_existing=True)
        return job
    items = {item.id: item for item in db.session.scalars(select(ContentItem).where(ContentItem.id.in_(item_ids)))}
    return [items[i] for i in item_ids if i in items]


def _write(app, actor: Actor, job_id: str, worker_id: str, specs: list[dict], future: Future) -> None:
    """In the thread: write the pieces, finish the job row, hand the outcome to the waiting request."""
    stop = threading.Event()
    with app.app_context():
        beat = threading.Thread(target=_heartbeat, args=(app, job_id, worker_id, stop), daemon=True)
        beat.start()
        try:
            emit_job_event(job_id, events.CAMPAIGN_STARTED)
            items = _run([{**spec, "job_id": job_id} for spec in specs], actor, app.config)
            db.session.commit()
            ids = [item.id for item in items]
            _announce_pieces(actor, job_id, items)
            _finish(job_id, worker_id, "succeeded", message=f"Wrote {len(ids)} of {len(specs)}.")
            future.set_result(ids)
        except BaseException as exc:  # noqa: BLE001 - the request (or the job row) must learn of it
            db.session.rollback()
            if not hasattr(exc, "status"):
                log.exception("synchronous generation %s crashed", job_id)
            try:
                _finish(job_id, worker_id, "failed", message="Failed.", error=str(exc)[:2000] or type(exc).__name__)
            except Exception:  # noqa: BLE001 - the reaper settles a row we could not
                log.exception("could not record the failure of job %s", job_id)
            future.set_exception(exc)
        finally:
            stop.set()
            db.session.remove()
            _release()


def _announce_pieces(actor: Actor, job_id: str, items: list[ContentItem]) -> None:
    """The cards' events, so a page following the campaign shows the pieces live."""
    rows = [job_event_row(job_id, actor.team_id, actor.user_id, item.campaign_id, events.CONTENT_COMPLETED,
                          {"step_key": item.step_key, "item_id": item.id, "quality_score": item.quality_score,
                           "content_type": item.content_type, "platform": item.platform})
            for item in items]
    db.session.rollback()
    events.append_many(rows)


def _finish(job_id: str, worker_id: str, status: str, *, message: str, error: str = "") -> None:
    now = utcnow()
    ids = list(db.session.scalars(select(ContentItem.id).where(ContentItem.job_id == job_id).order_by(ContentItem.id)))
    moved = db.session.execute(update(Job).where(Job.id == job_id, Job.worker_id == worker_id,
                                                 Job.status == "running").values(
        status=status, finished_at=now, updated_at=now, lease_expires_at=None, message=message[:255],
        error=error, progress_done=len(ids), result={"content_ids": ids, "written": len(ids)}))
    db.session.commit()
    if moved.rowcount == 1:
        end = events.CAMPAIGN_COMPLETED if status == "succeeded" else events.CAMPAIGN_FAILED
        level, text = (("success", f"Generation finished: {len(ids)} pieces written.") if status == "succeeded"
                       else ("error", f"Generation failed: {error}"))
        emit_job_event(job_id, end, notify=(level, text))


def _heartbeat(app, job_id: str, worker_id: str, stop: threading.Event) -> None:
    """Keep the lease while the pieces are written, so the reaper leaves the job to this process."""
    job_settings = JobSettings.from_config(app.config)
    while not stop.wait(job_settings.heartbeat):
        try:
            with app.app_context(), db.engine.begin() as conn:
                now = utcnow()
                conn.execute(update(Job).where(Job.id == job_id, Job.worker_id == worker_id,
                                               Job.status == "running").values(
                    heartbeat_at=now, lease_expires_at=now + timedelta(seconds=job_settings.lease)))
        except Exception:  # noqa: BLE001 - a busy database: the lease has slack for the next beat
            log.warning("heartbeat for job %s failed", job_id, exc_info=True)
