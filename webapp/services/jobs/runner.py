"""Running a job inside a worker: claim the row (compare-and-set), keep a lease fresh with a
heartbeat, write the pieces concurrently (each under a unique (job_id, step_key)), and finish with
another compare-and-set: succeeded, failed, cancelled, or back in the queue for a retry."""
from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ...ai import platforms
from ...ai.types import AIError, PermanentAIError, TransientAIError
from ...database import reading
from ...events import store as events
from ...extensions import db
from ...models import ContentItem, Job
from ...models._types import utcnow
from ..errors import ServiceError, ServiceUnavailable
from .campaign_status import restore_campaign
from .deltas import DeltaBuffer
from .emit import emit_job_event, job_event_row
from .enqueue import enqueue
from .queries import job_item_ids
from .serialise import progress
from .settings import JobSettings

log = logging.getLogger(__name__)

END_EVENTS = {"succeeded": events.CAMPAIGN_COMPLETED, "failed": events.CAMPAIGN_FAILED,
              "cancelled": events.CAMPAIGN_CANCELLED}


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def claim(job_id: str, worker_id: str, lease: float) -> bool:
    """Compare-and-set queued → running (attempt + 1, lease). True when this worker got it."""
    now = utcnow()
    result = db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
        status="running", attempt=Job.attempt + 1, worker_id=worker_id, heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=lease), started_at=func.coalesce(Job.started_at, now),
        message="Writing…", updated_at=now))
    db.session.commit()
    return result.rowcount == 1


def run_job(job_id: str) -> str:
    """Claim and run one job in the current app context. Returns its final status, "retrying",
    "lost" (lease taken over) or "skipped" (not queued: already done, cancelled or claimed)."""
    app = current_app._get_current_object()
    settings = JobSettings.from_config(app.config)
    worker_id = _worker_id()
    if not claim(job_id, worker_id, settings.lease):
        log.info("job %s not claimable (already taken or finished)", job_id)
        return "skipped"
    job = db.session.get(Job, job_id)
    run = _Run(app=app, settings=settings, worker_id=worker_id, job_id=job.id, kind=job.kind, queue=job.queue,
               team_id=job.team_id, user_id=job.user_id, campaign_id=job.campaign_id, attempt=job.attempt,
               max_attempts=job.max_attempts, deadline=job.deadline, pieces=list((job.params or {}).get("pieces", [])))
    db.session.commit()
    return run.execute()


@dataclass
class _Outcome:
    step_key: str
    error: Exception | None = None


def _is_transient(exc: Exception) -> bool:
    return isinstance(exc, (TransientAIError, ServiceUnavailable)) and not isinstance(exc, PermanentAIError)


def _describe(outcome: _Outcome, pieces: list[dict]) -> str:
    piece = next((p for p in pieces if p["step_key"] == outcome.step_key), None)
    where = f"{piece['content_type']} for {piece['platform']}" if piece else outcome.step_key
    exc = outcome.error
    if isinstance(exc, (AIError, ServiceError)):
        reason = str(exc) or type(exc).__name__
    else:
        reason = f"internal error ({type(exc).__name__}); see the worker log"
    return f"{where}: {reason}"[:2000]


@dataclass(eq=False)
class _Run:
    """One attempt at one job, by one worker."""

    app: object
    settings: JobSettings
    worker_id: str
    job_id: str
    kind: str
    team_id: int
    user_id: int | None
    campaign_id: int | None
    attempt: int
    max_attempts: int
    deadline: datetime | None
    pieces: list[dict]
    queue: str = "content-generation"
    done: int = 0
    lost: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def row(self, name: str, data: dict) -> dict:
        """A piece event of this job (started, delta, completed), as events.append_many takes it."""
        return job_event_row(self.job_id, self.team_id, self.user_id, self.campaign_id, name, data)

    # lease --------------------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        with self.app.app_context():
            while not self.finished.wait(self.settings.heartbeat):
                try:
                    now = utcnow()
                    with db.engine.begin() as conn:
                        beat = conn.execute(update(Job).where(
                            Job.id == self.job_id, Job.worker_id == self.worker_id, Job.status == "running"
                        ).values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=self.settings.lease)))
                        if beat.rowcount == 0:
                            self.lost.set()  # the reaper gave the job to someone else: stop quietly
                            return
                        if conn.scalar(select(Job.cancel_requested).where(Job.id == self.job_id)):
                            self.cancel.set()
                except Exception:  # noqa: BLE001 - a busy database: the lease has slack for the next beat
                    log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)

    def should_stop(self) -> bool:
        if self.lost.is_set() or self.cancel.is_set():
            return True
        with reading(), db.engine.connect() as conn:  # a read: never queue on the write lock for it
            if conn.scalar(select(Job.cancel_requested).where(Job.id == self.job_id)):
                self.cancel.set()
        return self.cancel.is_set()

    # pieces -------------------------------------------------------------------------------------
    def _progress_view(self, message: str) -> dict:
        """The same fields as serialise.event_view(job) for a running job, from what this run knows."""
        return {"id": self.job_id, "queue": self.queue, "kind": self.kind, "status": "running",
                "campaign_id": self.campaign_id, "progress": progress(self.done, len(self.pieces)),
                "message": message, "error": "", "attempt": self.attempt,
                "cancel_requested": self.cancel.is_set(), "job_id": self.job_id}

    def _started(self, piece: dict) -> dict:
        return self.row(events.CONTENT_STARTED, {"step_key": piece["step_key"],
                                                 "content_type": piece["content_type"], "platform": piece["platform"]})

    def _write_piece(self, piece: dict, deltas: DeltaBuffer, announced: bool = False) -> _Outcome:
        from .. import generation

        key = piece["step_key"]
        with self.app.app_context():
            try:
                if not announced:
                    events.append_many([self._started(piece)])
                item = generation.generate_piece(
                    team_id=self.team_id, user_id=self.user_id, campaign_id=self.campaign_id,
                    content_type=piece["content_type"], platform=piece["platform"],
                    persona_id=piece.get("persona_id"), tone=piece.get("tone"), job_id=self.job_id, step_key=key,
                    # a synchronous call's job (services.sync_generation) may be variations
                    variant_of_id=piece.get("variant_of_id"), variant_index=piece.get("variant_index", 0),
                    on_text=lambda text: deltas.add(key, text), config=self.app.config)
                item_id, score = item.id, item.quality_score
                db.session.commit()
                deltas.flush_live(only=key)  # the piece's last words go out before its completion
                # The finished card replaces the streamed text: its unsaved deltas need not be stored.
                deltas.discard_stored(key)
                completed = {"step_key": key, "item_id": item_id, "quality_score": score,
                             "content_type": piece["content_type"], "platform": piece["platform"]}
                with self._lock:  # count, store and announce together, so progress events arrive in order
                    self.done += 1
                    message = f"Wrote {self.done} of {len(self.pieces)}."

                    def count(conn, done=self.done, message=message):
                        conn.execute(update(Job).where(Job.id == self.job_id, Job.worker_id == self.worker_id)
                                     .values(progress_done=done, updated_at=utcnow(), message=message))

                    # One write for the card's event, the count and the progress event: twelve pieces
                    # finishing together queue for SQLite's write lock once each, not three times.
                    events.append_many([self.row(events.CONTENT_COMPLETED, completed),
                                        self.row(events.CAMPAIGN_PROGRESS, self._progress_view(message))],
                                       before=count)
                return _Outcome(key)
            except Exception as exc:  # noqa: BLE001 - judged below: transient, permanent or a bug
                db.session.rollback()
                deltas.discard(key)
                if not isinstance(exc, AIError):
                    log.exception("job %s piece %s failed", self.job_id, key)
                return _Outcome(key, exc)
            finally:
                db.session.remove()

    # the whole run ------------------------------------------------------------------------------
    def execute(self) -> str:
        beat = threading.Thread(target=self._heartbeat, name=f"heartbeat-{self.job_id[:8]}", daemon=True)
        beat.start()
        deltas = DeltaBuffer(self)
        try:
            todo = self._resume()
            emit_job_event(self.job_id, events.CAMPAIGN_STARTED)
            outcomes = self._write_all(todo, deltas)
            deltas.close()
            return self._finish(outcomes)
        except Exception as exc:  # noqa: BLE001 - never leave the job running on a bug
            log.exception("job %s crashed", self.job_id)
            deltas.close()
            return self._finalize("failed", error=f"Internal error: {type(exc).__name__}. See the worker log.")
        finally:
            self.finished.set()
            db.session.remove()

    def _resume(self) -> list[dict]:
        """Count the pieces an earlier attempt wrote; the rest, longest first: with every piece
        streaming at once the job ends when the longest one does, so it must not be the last to
        start (nor wait for a slot when pieces > concurrency)."""
        existing = set(db.session.scalars(select(ContentItem.step_key).where(ContentItem.job_id == self.job_id)))
        db.session.rollback()
        self.done = len([p for p in self.pieces if p["step_key"] in existing])
        if self.done:
            with db.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == self.job_id).values(progress_done=self.done))
        return sorted((p for p in self.pieces if p["step_key"] not in existing),
                      key=lambda p: -platforms.expected_length(p["content_type"], p["platform"]))

    def _write_all(self, todo: list[dict], deltas: DeltaBuffer) -> list[_Outcome]:
        """Write the pieces, `concurrency` at a time; stop launching on a cancel, a lost lease or a
        permanent error (more calls would fail the same way)."""
        outcomes: list[_Outcome] = []
        # The first wave starts together: announce it in one write, not one per piece.
        first_wave = todo[:self.settings.concurrency]
        events.append_many([self._started(p) for p in first_wave])
        with ThreadPoolExecutor(max_workers=max(1, min(self.settings.concurrency, len(todo) or 1)),
                                thread_name_prefix=f"job-{self.job_id[:8]}") as pool:
            running: set = set()
            for index, piece in enumerate(todo):
                waited = False
                while len(running) >= self.settings.concurrency:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    outcomes += [f.result() for f in finished]
                    waited = True
                # Ask the database about a cancel before the first piece and after each wait for a
                # slot; the first wave starts at once (the heartbeat also watches for a cancel).
                if self._stop_launching(outcomes, ask=index == 0 or waited):
                    break
                running.add(pool.submit(self._write_piece, piece, deltas, index < len(first_wave)))
            finished, _ = wait(running)
            outcomes += [f.result() for f in finished]
        return outcomes

    def _stop_launching(self, outcomes: list[_Outcome], *, ask: bool) -> bool:
        if any(o.error is not None and not _is_transient(o.error) for o in outcomes):
            return True
        return self.cancel.is_set() or self.lost.is_set() or (ask and self.should_stop())

    def _finish(self, outcomes: list[_Outcome]) -> str:
        if self.lost.is_set():
            log.warning("job %s: lease lost to another worker; leaving it", self.job_id)
            return "lost"
        failures = [o for o in outcomes if o.error is not None]
        permanent = [o for o in failures if not _is_transient(o.error)]
        total = len(self.pieces)
        if self.cancel.is_set() or self.should_stop():
            return self._finalize("cancelled", message=f"Cancelled: {self.done} of {total} pieces kept.")
        if permanent:
            return self._finalize("failed", error=_describe(permanent[0], self.pieces),
                                  message=f"Failed after writing {self.done} of {total}.")
        if failures:
            if self.attempt < self.max_attempts and not self._past_deadline():
                return self._retry(failures[0])
            return self._finalize("failed", error=_describe(failures[0], self.pieces) +
                                  f" (gave up after {self.attempt} attempts)",
                                  message=f"Failed after writing {self.done} of {total}.")
        return self._finalize("succeeded", message=f"Wrote {self.done} of {total}.")

    def _past_deadline(self) -> bool:
        return self.deadline is not None and utcnow() >= self.deadline

    def _retry(self, failure: _Outcome) -> str:
        delay = self.settings.retry_base * (2 ** (self.attempt - 1))
        retry_after = getattr(failure.error, "retry_after", None)
        if retry_after:
            delay = max(delay, float(retry_after))
        with db.engine.begin() as conn:
            moved = conn.execute(update(Job).where(
                Job.id == self.job_id, Job.worker_id == self.worker_id, Job.status == "running").values(
                status="queued", worker_id="", lease_expires_at=None, updated_at=utcnow(),
                error=_describe(failure, self.pieces),
                message=f"The AI provider had a temporary problem; retrying in {delay:g} s "
                        f"(attempt {self.attempt + 1} of {self.max_attempts})."))
        if moved.rowcount == 0:
            return "lost"
        emit_job_event(self.job_id, events.CAMPAIGN_PROGRESS)
        enqueue(self.job_id, delay=delay)
        return "retrying"

    def _finalize(self, status: str, *, message: str = "", error: str = "") -> str:
        with self.app.app_context():
            items = job_item_ids(self.job_id)
            now = utcnow()
            moved = db.session.execute(update(Job).where(
                Job.id == self.job_id, Job.worker_id == self.worker_id, Job.status == "running").values(
                status=status, finished_at=now, updated_at=now, lease_expires_at=None, message=message[:255],
                error=error, progress_done=len(items), result={"content_ids": items, "written": len(items)}))
            if moved.rowcount == 0:
                db.session.rollback()
                return "lost"
            restore_campaign(db.session.get(Job, self.job_id))
            db.session.commit()
            events.prune_deltas(self.job_id)
            level = {"succeeded": "success", "failed": "error", "cancelled": "info"}[status]
            text = {"succeeded": f"Generation finished: {len(items)} pieces written.",
                    "failed": f"Generation failed: {error}",
                    "cancelled": message or "Generation cancelled."}[status]
            emit_job_event(self.job_id, END_EVENTS[status], notify=(level, text))
            return status
