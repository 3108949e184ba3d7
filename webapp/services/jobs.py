"""Background jobs: the Job row is the truth, Huey only rings the bell with the job id.

Starting a job writes the row (and flips the campaign to "generating") in the caller's
transaction; the id is enqueued only after that transaction commits. A worker claims the row with
a compare-and-set UPDATE, keeps a lease fresh with a heartbeat, writes each output under a unique
(job_id, step_key), and finishes with another compare-and-set. A reaper (consumer start-up and
every minute) requeues jobs whose lease expired and fails those past their deadline, so a worker
killed with SIGKILL (Huey delivers at most once) never leaves a job or a campaign stuck.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..ai import platforms
from ..database import reading
from ..events import store as events
from ..events.live import publish_live
from ..extensions import db
from ..models import ContentItem, Job
from ..models._types import utcnow
from ..models.campaigns import CONTENT_TYPES, Campaign
from ..models.jobs import ACTIVE_JOB_STATUSES, JOB_STATUSES, QUEUES
from .access import Actor, require_role
from .errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from .field_limits import TONE

log = logging.getLogger(__name__)

CONTENT_QUEUE = "content-generation"
KIND_CAMPAIGN = "campaign"
KIND_SINGLE = "single"
TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")
MAX_TONE = TONE.max


# --- settings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobSettings:
    lease: float = 45.0
    heartbeat: float = 10.0
    deadline: float = 1800.0
    retry_base: float = 10.0
    concurrency: int = 12
    delta_interval: float = 0.25
    live_interval: float = 0.015

    @classmethod
    def from_config(cls, config) -> JobSettings:
        return cls(
            lease=float(config.get("HERALD_JOB_LEASE", 45)),
            heartbeat=float(config.get("HERALD_JOB_HEARTBEAT", 10)),
            deadline=float(config.get("HERALD_JOB_DEADLINE", 1800)),
            retry_base=float(config.get("HERALD_JOB_RETRY_BASE", 10)),
            concurrency=max(1, int(config.get("HERALD_AI_CONCURRENCY", 12))),
            delta_interval=float(config.get("HERALD_EVENTS_DELTA_INTERVAL", 0.25)),
            live_interval=float(config.get("HERALD_EVENTS_LIVE_INTERVAL", 0.015)),
        )


# --- enqueue after commit ----------------------------------------------------------------------

_ENQUEUE_KEY = "herald_jobs_to_enqueue"


def _enqueue_after_commit(job_id: str) -> None:
    db.session().info.setdefault(_ENQUEUE_KEY, []).append(job_id)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session) -> None:
    for job_id in session.info.pop(_ENQUEUE_KEY, []):
        try:
            enqueue(job_id)
        except Exception:  # noqa: BLE001 - the row stays queued; the reaper enqueues it again
            log.exception("could not enqueue job %s; the reaper will retry", job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    session.info.pop(_ENQUEUE_KEY, None)


def enqueue(job_id: str, delay: float | None = None) -> None:
    """Ring Huey's bell for a committed job (optionally after `delay` seconds)."""
    from tasks import generate_content  # the task module imports services; import it late

    if delay:
        generate_content.schedule(args=(job_id,), delay=delay)
    else:
        generate_content(job_id)


# --- reading ----------------------------------------------------------------------------------

def _check_queue(queue: str) -> None:
    if queue not in QUEUES:
        raise NotFound(f"Unknown queue {queue!r}; queues are: {', '.join(QUEUES)}.")


def get_job(actor: Actor, queue: str, job_id: str) -> Job:
    """The team's job in `queue`. NotFound for an unknown queue, a missing id or another team's id."""
    _check_queue(queue)
    job = db.session.scalar(select(Job).where(Job.id == str(job_id)[:36], Job.queue == queue,
                                              Job.team_id == actor.team_id))
    if job is None:
        raise NotFound("Job not found")
    return job


def recent_jobs(actor: Actor, limit: int = 20) -> list[Job]:
    """The actor's own jobs in their current team, newest first (1..100)."""
    limit = max(1, min(int(limit), 100))
    return list(db.session.scalars(
        select(Job).where(Job.team_id == actor.team_id, Job.user_id == actor.user_id)
        .order_by(Job.created_at.desc(), Job.id).limit(limit)
    ))


def active_job_for_campaign(team_id: int, campaign_id: int, *, kind: str | None = KIND_CAMPAIGN) -> Job | None:
    """The queued or running whole-campaign job of a campaign (the page shows it on reload)."""
    stmt = select(Job).where(Job.team_id == team_id, Job.campaign_id == campaign_id,
                             Job.status.in_(ACTIVE_JOB_STATUSES))
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return db.session.scalar(stmt.order_by(Job.created_at.desc()).limit(1))


def latest_job_for_campaign(team_id: int, campaign_id: int) -> Job | None:
    """The campaign's active job if any, else its most recent one."""
    active = active_job_for_campaign(team_id, campaign_id, kind=None)
    if active is not None:
        return active
    return db.session.scalar(select(Job).where(Job.team_id == team_id, Job.campaign_id == campaign_id)
                             .order_by(Job.created_at.desc()).limit(1))


def active_count(actor: Actor) -> int:
    """How many of the actor's jobs are queued or running (the global indicator)."""
    return db.session.scalar(select(func.count(Job.id)).where(
        Job.team_id == actor.team_id, Job.user_id == actor.user_id, Job.status.in_(ACTIVE_JOB_STATUSES))) or 0


def job_items(job: Job) -> dict[str, ContentItem]:
    """The content a job has written so far, by step key."""
    items = db.session.scalars(select(ContentItem).where(ContentItem.job_id == job.id,
                                                         ContentItem.team_id == job.team_id))
    return {item.step_key: item for item in items if item.step_key}


def job_to_dict(job: Job) -> dict:
    """snake_case, JSON-ready (the API converts to camelCase)."""
    total = job.progress_total or 0
    return {
        "id": job.id, "queue": job.queue, "kind": job.kind, "status": job.status,
        "campaign_id": job.campaign_id, "user_id": job.user_id,
        "progress": {"done": job.progress_done or 0, "total": total,
                     "percent": round(100 * (job.progress_done or 0) / total) if total else 0},
        "message": job.message or "", "error": job.error or "",
        "attempt": job.attempt or 0, "max_attempts": job.max_attempts,
        "cancel_requested": bool(job.cancel_requested),
        "pieces": [{"content_type": p["content_type"], "platform": p["platform"], "step_key": p["step_key"]}
                   for p in (job.params or {}).get("pieces", [])],
        "result": job.result or {},
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "updated_at": job.updated_at, "deadline": job.deadline,
    }


def _event_view(job: Job) -> dict:
    """What every campaign:generation:* event carries: enough to draw the progress bar."""
    view = job_to_dict(job)
    return {k: view[k] for k in ("id", "queue", "kind", "status", "campaign_id", "progress", "message", "error",
                                 "attempt", "cancel_requested")} | {"job_id": job.id}


# --- queue status and health -------------------------------------------------------------------

def _huey_counts() -> tuple[dict[str, dict[str, int]], str | None]:
    """Messages waiting in the broker per queue (by task name), or an error string."""
    from tasks import huey  # registers the tasks, so TASK_QUEUES is filled

    from ..huey_app import TASK_QUEUES

    counts = {q: {"pending": 0, "scheduled": 0} for q in QUEUES}
    try:
        for kind, tasks in (("pending", huey.pending()), ("scheduled", huey.scheduled())):
            for task in tasks:
                queue = TASK_QUEUES.get(task.name)
                if queue:
                    counts[queue][kind] += 1
    except Exception as exc:  # noqa: BLE001 - report a down broker instead of failing the page
        return counts, f"{type(exc).__name__}: {exc}"
    return counts, None


def queues_status(actor: Actor) -> list[dict]:
    """Each seed queue: broker messages waiting (all teams) and this team's job counts by status."""
    from tasks import huey  # noqa: F401

    from ..huey_app import TASK_QUEUES

    broker, error = _huey_counts()
    rows = db.session.execute(select(Job.queue, Job.status, func.count(Job.id))
                              .where(Job.team_id == actor.team_id).group_by(Job.queue, Job.status))
    by_queue: dict[str, dict[str, int]] = {q: dict.fromkeys(JOB_STATUSES, 0) for q in QUEUES}
    for queue, status, count in rows:
        if queue in by_queue and status in by_queue[queue]:
            by_queue[queue][status] = count
    out = []
    for queue in QUEUES:
        tasks = sorted(name for name, q in TASK_QUEUES.items() if q == queue)
        out.append({
            "name": queue, "accepts_work": bool(tasks), "tasks": tasks,
            "pending": broker[queue]["pending"], "scheduled": broker[queue]["scheduled"],
            "jobs": by_queue[queue], "broker_error": error,
            "note": "" if tasks else "No tasks use this queue yet.",
        })
    return out


WORKER_SEEN_KEY = "herald:worker-seen"


def mark_worker_seen() -> None:
    """Workers stamp the broker so /health can tell whether any consumer is alive."""
    from tasks import huey

    huey.storage.put_data(WORKER_SEEN_KEY, str(time.time()).encode())


WORKER_ALIVE_SECONDS = 120  # workers stamp at start-up, every minute and on each task


def _worker_last_seen() -> float | None:
    """When a worker last stamped the broker (epoch seconds), or None. Raises if the broker is down."""
    from huey.constants import EmptyData

    from tasks import huey

    raw = huey.storage.peek_data(WORKER_SEEN_KEY)
    if raw is EmptyData or raw is None:
        return None
    return float(raw.decode() if isinstance(raw, bytes) else raw)


def worker_alive() -> bool:
    """A worker seen in the last two minutes (False too when the broker cannot be asked)."""
    try:
        seen = _worker_last_seen()
    except Exception:  # noqa: BLE001 - a broker we cannot read has no worker we can vouch for
        return False
    return seen is not None and time.time() - seen < WORKER_ALIVE_SECONDS


def health() -> dict:
    """Broker reachable? A worker seen in the last two minutes? Jobs stuck past their lease?"""
    from tasks import huey

    from ..huey_app import huey as instance

    out: dict = {"backend": instance.backend, "broker": {"ok": True, "error": None}, "worker": {}}
    seen = None
    try:
        huey.pending_count()
        seen = _worker_last_seen()
    except Exception as exc:  # noqa: BLE001
        out["broker"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    age = time.time() - seen if seen else None
    out["worker"] = {"last_seen_at": datetime.fromtimestamp(seen).astimezone() if seen else None,
                     "alive": age is not None and age < WORKER_ALIVE_SECONDS}
    now = utcnow()
    out["expired_leases"] = db.session.scalar(select(func.count(Job.id)).where(
        Job.status == "running", Job.lease_expires_at < now)) or 0
    out["status"] = "ok" if out["broker"]["ok"] and out["worker"]["alive"] else "degraded"
    return out


# --- starting and cancelling --------------------------------------------------------------------

def _step_keys(pairs: list[tuple[str, str]]) -> list[dict]:
    seen: dict[str, int] = {}
    pieces = []
    for content_type, platform in pairs:
        base = f"{content_type}:{platform}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}:{seen[base]}"
        pieces.append({"content_type": content_type, "platform": platform, "step_key": key})
    return pieces


def _locked_campaign(actor: Actor, campaign_id) -> Campaign:
    from . import campaigns

    campaign = campaigns.get_campaign_row(actor, campaign_id)
    # Serialise concurrent starts for one campaign (PostgreSQL; SQLite's BEGIN IMMEDIATE already does).
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    return campaign


def _refuse_if_generating(campaign: Campaign) -> None:
    running = active_job_for_campaign(campaign.team_id, campaign.id)
    if running is not None:
        raise Conflict("This campaign is already being generated; wait for that job or cancel it.",
                       job_id=running.id)


def _new_job(actor: Actor, campaign: Campaign, kind: str, pieces: list[dict], params: dict) -> Job:
    settings = JobSettings.from_config(current_app.config)
    job = Job(id=str(uuid.uuid4()), queue=CONTENT_QUEUE, kind=kind, team_id=actor.team_id, user_id=actor.user_id,
              campaign_id=campaign.id, status="queued", progress_done=0, progress_total=len(pieces),
              message="Waiting for a worker…", error="", attempt=0, max_attempts=3,
              deadline=utcnow() + timedelta(seconds=settings.deadline),
              params={"pieces": pieces, **params}, result={})
    db.session.add(job)
    db.session.flush()
    _enqueue_after_commit(job.id)
    return job


def _check_budget(team_id: int) -> None:
    from . import generation

    generation.check_budget(team_id, current_app.config)


def start_campaign_generation(actor: Actor, campaign_id, *, pairs: list[tuple[str, str]] | None = None,
                              persona_id: int | None = None, tone: str | None = None) -> Job:
    """Queue the whole campaign (its planned pieces, or the batch's `pairs` with an optional persona
    and tone for each) as one job and mark the campaign generating.

    Raises NotFound (not the team's), Forbidden (viewer), Conflict with job_id (one is already
    queued or running), ValidationFailed (nothing to write), BudgetExceeded. Flushes; the caller
    commits, and the job is enqueued only once that commit succeeds."""
    require_role(actor, "editor")
    from . import campaigns

    campaign = _locked_campaign(actor, campaign_id)
    _refuse_if_generating(campaign)
    pairs = campaigns.planned_pieces(campaign) if pairs is None else pairs
    if not pairs:
        raise ValidationFailed("This campaign has nothing to generate: choose content types and platforms.",
                               {"generation_settings": "Choose at least one content type and platform."})
    _check_budget(actor.team_id)
    overrides = {k: v for k, v in {"persona_id": persona_id, "tone": tone}.items() if v is not None}
    pieces = [{**piece, **overrides} for piece in _step_keys(pairs)]
    job = _new_job(actor, campaign, KIND_CAMPAIGN, pieces, {"previous_status": campaign.status})
    campaigns.set_status_by_system(campaign.id, "generating")
    return job


def start_single_generation(actor: Actor, campaign_id, content_type: str, platform: str, *,
                            tone: str | None = None, persona_id: int | None = None) -> Job:
    """Queue one piece (content type × platform, optional tone and persona) for a campaign.

    Refused with Conflict while a whole-campaign job runs for it; ValidationFailed for an unknown
    type, a platform that does not fit the type, an over-long tone or another team's persona."""
    require_role(actor, "editor")
    from ..ai.platforms import is_valid_platform

    campaign = _locked_campaign(actor, campaign_id)
    errors: dict[str, str] = {}
    if content_type not in CONTENT_TYPES:
        errors["content_type"] = f"Choose one of: {', '.join(CONTENT_TYPES)}."
    elif not isinstance(platform, str) or not is_valid_platform(content_type, platform):
        errors["platform"] = f"Not a platform for {content_type}."
    if tone is not None and (not isinstance(tone, str) or len(tone) > MAX_TONE):
        errors["tone"] = f"At most {MAX_TONE} characters."
    if persona_id is not None:
        from . import personas

        try:
            persona_id = personas.get_persona(actor, persona_id).id
        except NotFound:
            errors["persona_id"] = "No such persona in this team."
    if errors:
        raise ValidationFailed.for_fields(errors)
    _refuse_if_generating(campaign)
    _check_budget(actor.team_id)
    pieces = [{"content_type": content_type, "platform": platform, "step_key": f"{content_type}:{platform}",
               "tone": (tone or "").strip() or None, "persona_id": persona_id}]
    return _new_job(actor, campaign, KIND_SINGLE, pieces, {})


def cancel_job(actor: Actor, queue: str, job_id: str) -> Job:
    """Stop a job: a queued one is cancelled at once; a running one stops before its next piece and
    keeps what it already wrote. Conflict when the job has already finished."""
    require_role(actor, "editor")
    job = get_job(actor, queue, job_id)
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"This job has already {job.status}.", job_id=job.id)
    if job.status == "queued":
        done = db.session.execute(update(Job).where(Job.id == job.id, Job.status == "queued").values(
            status="cancelled", cancel_requested=True, finished_at=utcnow(), message="Cancelled before it started.",
            lease_expires_at=None, updated_at=utcnow()))
        if done.rowcount == 1:
            _restore_campaign(job)
            db.session.flush()
            db.session.refresh(job)
            _after_commit_event(job, events.CAMPAIGN_CANCELLED, notify=("info", "Generation cancelled."))
            return job
    db.session.execute(update(Job).where(Job.id == job.id, Job.status.in_(ACTIVE_JOB_STATUSES)).values(
        cancel_requested=True, message="Cancelling after the pieces being written…", updated_at=utcnow()))
    db.session.flush()
    db.session.refresh(job)
    return job


def _after_commit_event(job: Job, name: str, notify: tuple[str, str] | None = None) -> None:
    """Record an event for a change the caller is about to commit (never before it is true)."""
    session = db.session()
    view = _event_view(job)
    ids = dict(job_id=job.id, team_id=job.team_id, user_id=job.user_id, campaign_id=job.campaign_id)

    def _emit(_session) -> None:
        events.append(event=name, data=view, **ids)
        if notify:
            events.append(event=events.NOTIFICATION, data={"level": notify[0], "message": notify[1],
                                                           "job_id": job.id, "campaign_id": job.campaign_id}, **ids)

    event.listen(session, "after_commit", _emit, once=True)


def _restore_campaign(job: Job, outcome: str = "cancelled") -> None:
    """Leave the campaign in a settled state: completed/failed, or where it was before on cancel."""
    if job.kind != KIND_CAMPAIGN or job.campaign_id is None:
        return
    from . import campaigns

    if outcome == "succeeded":
        status = "completed"
    elif outcome == "failed":
        status = "failed"
    else:
        previous = (job.params or {}).get("previous_status") or "draft"
        status = "draft" if previous == "generating" else previous
    campaigns.set_status_by_system(job.campaign_id, status)


# --- running (inside a worker) ------------------------------------------------------------------

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

    # events -------------------------------------------------------------------------------------
    def emit(self, name: str, data: dict) -> dict:
        return events.append(**self._row(name, data))

    def emit_job(self, name: str) -> None:
        job = db.session.get(Job, self.job_id, populate_existing=True)
        view = _event_view(job)
        db.session.rollback()
        self.emit(name, view)

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
    def _row(self, name: str, data: dict) -> dict:
        """An event of this job, as events.append takes it."""
        return dict(job_id=self.job_id, team_id=self.team_id, user_id=self.user_id, campaign_id=self.campaign_id,
                    event=name, data={"job_id": self.job_id, **data})

    def _progress_view(self, message: str) -> dict:
        """The same fields as _event_view(job) for a running job, from what this run knows."""
        total = len(self.pieces)
        return {"id": self.job_id, "queue": self.queue, "kind": self.kind, "status": "running",
                "campaign_id": self.campaign_id,
                "progress": {"done": self.done, "total": total,
                             "percent": round(100 * self.done / total) if total else 0},
                "message": message, "error": "", "attempt": self.attempt,
                "cancel_requested": self.cancel.is_set(), "job_id": self.job_id}

    def _started(self, piece: dict) -> dict:
        return self._row(events.CONTENT_STARTED, {"step_key": piece["step_key"],
                                                  "content_type": piece["content_type"], "platform": piece["platform"]})

    def _write_piece(self, piece: dict, deltas: _DeltaBuffer, announced: bool = False) -> _Outcome:
        from . import generation

        key = piece["step_key"]
        with self.app.app_context():
            try:
                if not announced:
                    events.append_many([self._started(piece)])
                item = generation.generate_piece(
                    team_id=self.team_id, user_id=self.user_id, campaign_id=self.campaign_id,
                    content_type=piece["content_type"], platform=piece["platform"],
                    persona_id=piece.get("persona_id"), tone=piece.get("tone"), job_id=self.job_id, step_key=key,
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
                    events.append_many([self._row(events.CONTENT_COMPLETED, completed),
                                        self._row(events.CAMPAIGN_PROGRESS, self._progress_view(message))],
                                       before=count)
                return _Outcome(key)
            except Exception as exc:  # noqa: BLE001 - judged below: transient, permanent or a bug
                db.session.rollback()
                deltas.discard(key)
                if not _is_ai_error(exc):
                    log.exception("job %s piece %s failed", self.job_id, key)
                return _Outcome(key, exc)
            finally:
                db.session.remove()

    # the whole run ------------------------------------------------------------------------------
    def execute(self) -> str:
        beat = threading.Thread(target=self._heartbeat, name=f"heartbeat-{self.job_id[:8]}", daemon=True)
        beat.start()
        deltas = _DeltaBuffer(self)
        try:
            existing = set(db.session.scalars(select(ContentItem.step_key).where(ContentItem.job_id == self.job_id)))
            db.session.rollback()
            self.done = len([p for p in self.pieces if p["step_key"] in existing])
            if self.done:
                with db.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id).values(progress_done=self.done))
            self.emit_job(events.CAMPAIGN_STARTED)
            # Longest first: with every piece streaming at once the job ends when the longest one
            # does, so it must not be the last to start (nor wait for a slot when pieces > concurrency).
            todo = sorted((p for p in self.pieces if p["step_key"] not in existing),
                          key=lambda p: -platforms.expected_length(p["content_type"], p["platform"]))
            outcomes: list[_Outcome] = []
            stop_launching = False
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
                    if any(o.error is not None and not _is_transient(o.error) for o in outcomes):
                        stop_launching = True  # a permanent error: more calls would fail the same way
                    # Ask the database about a cancel before the first piece and after each wait for a
                    # slot; the first wave starts at once (the heartbeat also watches for a cancel).
                    if stop_launching or self.cancel.is_set() or self.lost.is_set() or \
                            ((index == 0 or waited) and self.should_stop()):
                        break
                    running.add(pool.submit(self._write_piece, piece, deltas, index < len(first_wave)))
                finished, _ = wait(running)
                outcomes += [f.result() for f in finished]
            deltas.close()
            return self._finish(outcomes)
        except Exception as exc:  # noqa: BLE001 - never leave the job running on a bug
            log.exception("job %s crashed", self.job_id)
            deltas.close()
            return self._finalize("failed", error=f"Internal error: {type(exc).__name__}. See the worker log.")
        finally:
            self.finished.set()
            db.session.remove()

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
        self.emit_job(events.CAMPAIGN_PROGRESS)
        enqueue(self.job_id, delay=delay)
        return "retrying"

    def _finalize(self, status: str, *, message: str = "", error: str = "") -> str:
        with self.app.app_context():
            items = job_items_by_id(self.job_id)
            now = utcnow()
            moved = db.session.execute(update(Job).where(
                Job.id == self.job_id, Job.worker_id == self.worker_id, Job.status == "running").values(
                status=status, finished_at=now, updated_at=now, lease_expires_at=None, message=message[:255],
                error=error, progress_done=len(items), result={"content_ids": items, "written": len(items)}))
            if moved.rowcount == 0:
                db.session.rollback()
                return "lost"
            job = db.session.get(Job, self.job_id)
            _restore_campaign(job, status)
            db.session.commit()
            events.prune_deltas(self.job_id)
            name = {"succeeded": events.CAMPAIGN_COMPLETED, "failed": events.CAMPAIGN_FAILED,
                    "cancelled": events.CAMPAIGN_CANCELLED}[status]
            self.emit_job(name)
            level = {"succeeded": "success", "failed": "error", "cancelled": "info"}[status]
            text = {"succeeded": f"Generation finished: {len(items)} pieces written.",
                    "failed": f"Generation failed: {error}",
                    "cancelled": message or "Generation cancelled."}[status]
            self.emit(events.NOTIFICATION, {"level": level, "message": text, "campaign_id": self.campaign_id})
            return status


def job_items_by_id(job_id: str) -> list[int]:
    return list(db.session.scalars(select(ContentItem.id).where(ContentItem.job_id == job_id)
                                   .order_by(ContentItem.id)))


class _DeltaBuffer:
    """Token text waiting to be written as content:generation:delta events. A flusher thread
    writes whatever arrived at most every `delta_interval` seconds, in one row per piece, so twelve
    streams cost a few small inserts per tick instead of one per token."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self._text: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closed = threading.Event()
        self._live: dict[str, list[str]] = {}
        self._thread = threading.Thread(target=self._loop, name=f"deltas-{run.job_id[:8]}", daemon=True)
        self._thread.start()
        self._live_thread = threading.Thread(target=self._live_loop, name=f"live-{run.job_id[:8]}", daemon=True)
        self._live_thread.start()

    def add(self, key: str, text: str) -> None:
        if text:
            with self._lock:
                self._text.setdefault(key, []).append(text)
                self._live.setdefault(key, []).append(text)

    def flush_live(self, only: str | None = None) -> None:
        """Send what streamed since the last tick to the pages, one datagram for the whole job (or
        for one piece: `only`, before its completion is announced, so no delta trails its card)."""
        with self._send_lock:  # one sender at a time, so a piece's text leaves in order
            with self._lock:
                if only is None:
                    pending, self._live = self._live, {}
                else:
                    parts = self._live.pop(only, None)
                    pending = {only: parts} if parts else {}
            self._publish(pending)

    def _publish(self, pending: dict[str, list[str]]) -> None:
        publish_live(self.run.app.config, [{**self._delta(key, parts), "seq": None} for key, parts in pending.items()])

    def _delta(self, key: str, parts: list[str]) -> dict:
        return self.run._row(events.CONTENT_DELTA, {"step_key": key, "text": "".join(parts)})

    def _live_loop(self) -> None:
        while not self._closed.wait(self.run.settings.live_interval):
            try:
                self.flush_live()
            except Exception:  # noqa: BLE001 - a courtesy, like the stored deltas
                log.warning("could not send live deltas for job %s", self.run.job_id, exc_info=True)
        self.flush_live()

    def discard(self, key: str) -> None:
        with self._lock:
            self._text.pop(key, None)
            self._live.pop(key, None)

    def discard_stored(self, key: str) -> None:
        """Drop a finished piece's text waiting to be stored (its live copy still goes out)."""
        with self._lock:
            self._text.pop(key, None)

    def flush(self) -> None:
        with self._write_lock:  # keeps each piece's deltas in order across threads
            with self._lock:
                pending, self._text = self._text, {}
            if not pending:
                return
            with self.run.app.app_context():
                events.append_many([self._delta(key, parts) for key, parts in pending.items()])

    def _loop(self) -> None:
        while not self._closed.wait(self.run.settings.delta_interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - deltas are a courtesy; the final card carries the text
                log.warning("could not write token deltas for job %s", self.run.job_id, exc_info=True)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self._live_thread.join(timeout=5)


def _is_ai_error(exc: Exception) -> bool:
    from ..ai.types import AIError

    return isinstance(exc, AIError)


def _is_transient(exc: Exception) -> bool:
    from ..ai.types import TransientAIError

    return isinstance(exc, (TransientAIError, ServiceUnavailable)) and not _is_permanent(exc)


def _is_permanent(exc: Exception) -> bool:
    from ..ai.types import PermanentAIError

    return isinstance(exc, PermanentAIError)


def _describe(outcome: _Outcome, pieces: list[dict]) -> str:
    from ..ai.types import AIError
    from .errors import ServiceError

    piece = next((p for p in pieces if p["step_key"] == outcome.step_key), None)
    where = f"{piece['content_type']} for {piece['platform']}" if piece else outcome.step_key
    exc = outcome.error
    if isinstance(exc, (AIError, ServiceError)):
        reason = str(exc) or type(exc).__name__
    else:
        reason = f"internal error ({type(exc).__name__}); see the worker log"
    return f"{where}: {reason}"[:2000]


# --- the reaper ---------------------------------------------------------------------------------

def reap() -> dict:
    """Requeue running jobs whose lease expired (their worker died), fail jobs past their deadline
    or out of attempts, re-enqueue queued jobs whose message was lost, and settle campaigns left in
    "generating" by a finished job. Runs at consumer start-up and every minute."""
    settings = JobSettings.from_config(current_app.config)
    now = utcnow()
    report = {"requeued": [], "failed": [], "reenqueued": [], "settled_campaigns": []}
    expired = list(db.session.scalars(select(Job).where(Job.status == "running", Job.lease_expires_at < now)))
    overdue = list(db.session.scalars(select(Job).where(Job.status == "queued", Job.deadline < now)))
    db.session.rollback()
    for job in expired + overdue:
        give_up = (job.deadline is not None and job.deadline <= now) or (
            job.status == "running" and job.attempt >= job.max_attempts)
        guard = [Job.id == job.id, Job.status == job.status]
        if job.status == "running":
            guard.append(Job.lease_expires_at < now)
        if give_up:
            why = ("it passed its deadline" if job.deadline is not None and job.deadline <= now
                   else f"its worker stopped {job.attempt} times")
            moved = db.session.execute(update(Job).where(*guard).values(
                status="failed", finished_at=now, updated_at=now, lease_expires_at=None,
                error=f"Stopped: {why}.", message="Failed."))
            if moved.rowcount:
                _restore_campaign(db.session.get(Job, job.id, populate_existing=True), "failed")
                db.session.commit()
                events.prune_deltas(job.id)
                _emit_now(job.id, events.CAMPAIGN_FAILED, notify=("error", f"Generation failed: {why}."))
                report["failed"].append(job.id)
            else:
                db.session.rollback()
            continue
        moved = db.session.execute(update(Job).where(*guard).values(
            status="queued", worker_id="", lease_expires_at=None, updated_at=now,
            message="The worker stopped; the job was put back in the queue."))
        db.session.commit()
        if moved.rowcount:
            enqueue(job.id)
            _emit_now(job.id, events.CAMPAIGN_PROGRESS)
            report["requeued"].append(job.id)
    # Queued rows whose Huey message vanished (enqueue failed, or a worker died right after taking it).
    stale = now - timedelta(seconds=max(settings.lease, 30))
    waiting = _waiting_job_ids()
    for job_id in db.session.scalars(select(Job.id).where(Job.status == "queued", Job.updated_at < stale)):
        if waiting is not None and job_id not in waiting:
            report["reenqueued"].append(job_id)
    db.session.rollback()
    for job_id in report["reenqueued"]:
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(updated_at=now))
        db.session.commit()
        enqueue(job_id)
    # Campaigns left "generating" whose latest campaign job has finished.
    generating = db.session.scalars(select(Campaign.id).where(Campaign.status == "generating")).all()
    for campaign_id in generating:
        job = db.session.scalar(select(Job).where(Job.campaign_id == campaign_id, Job.kind == KIND_CAMPAIGN)
                                .order_by(Job.created_at.desc()).limit(1))
        if job is not None and job.status in TERMINAL_STATUSES:
            _restore_campaign(job, job.status)
            report["settled_campaigns"].append(campaign_id)
    db.session.commit()
    return report


def _waiting_job_ids() -> set[str] | None:
    """Job ids with a message waiting in the broker (None when the broker cannot be read)."""
    try:
        from tasks import huey

        ids = set()
        for task in list(huey.pending()) + list(huey.scheduled()):
            if task.args:
                ids.add(str(task.args[0]))
        return ids
    except Exception:  # noqa: BLE001
        log.warning("could not read the broker's pending tasks", exc_info=True)
        return None


def _emit_now(job_id: str, name: str, notify: tuple[str, str] | None = None) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    view = _event_view(job)
    ids = dict(job_id=job.id, team_id=job.team_id, user_id=job.user_id, campaign_id=job.campaign_id)
    db.session.rollback()
    events.append(event=name, data=view, **ids)
    if notify:
        events.append(event=events.NOTIFICATION, data={"level": notify[0], "message": notify[1], "job_id": job_id,
                                                       "campaign_id": ids["campaign_id"]}, **ids)
