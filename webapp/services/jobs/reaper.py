"""The reaper (consumer start-up and every minute): a worker killed with SIGKILL (Huey delivers at
most once) never leaves a job or a campaign stuck."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ...events import store as events
from ...extensions import db
from ...models import Campaign, Job
from ...models._types import utcnow
from .broker import waiting_job_ids
from .campaign_status import restore_campaign
from .emit import emit_job_event
from .enqueue import enqueue
from .settings import KIND_CAMPAIGN, TERMINAL_STATUSES, JobSettings


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
        outcome = _settle_stuck(job, now)
        if outcome:
            report[outcome].append(job.id)
    report["reenqueued"] = _reenqueue_lost(now - timedelta(seconds=max(settings.lease, 30)), now)
    report["settled_campaigns"] = _settle_campaigns()
    return report


def _settle_stuck(job: Job, now: datetime) -> str | None:
    """Fail a job that is out of time or attempts, else put it back in the queue. Which one was
    done ("failed", "requeued"), or None when another reaper got there first."""
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
        if not moved.rowcount:
            db.session.rollback()
            return None
        restore_campaign(db.session.get(Job, job.id, populate_existing=True))
        db.session.commit()
        events.prune_deltas(job.id)
        emit_job_event(job.id, events.CAMPAIGN_FAILED, notify=("error", f"Generation failed: {why}."))
        return "failed"
    moved = db.session.execute(update(Job).where(*guard).values(
        status="queued", worker_id="", lease_expires_at=None, updated_at=now,
        message="The worker stopped; the job was put back in the queue."))
    db.session.commit()
    if not moved.rowcount:
        return None
    enqueue(job.id)
    emit_job_event(job.id, events.CAMPAIGN_PROGRESS)
    return "requeued"


def _reenqueue_lost(stale: datetime, now: datetime) -> list[str]:
    """Queued rows not touched since `stale` whose Huey message vanished (enqueue failed, or a
    worker died right after taking it): enqueue them again."""
    waiting = waiting_job_ids()
    lost = [job_id for job_id in db.session.scalars(select(Job.id).where(Job.status == "queued",
                                                                         Job.updated_at < stale))
            if waiting is not None and job_id not in waiting]
    db.session.rollback()
    for job_id in lost:
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(updated_at=now))
        db.session.commit()
        enqueue(job_id)
    return lost


def _settle_campaigns() -> list[int]:
    """Campaigns left "generating" whose latest campaign job has finished."""
    settled = []
    for campaign_id in db.session.scalars(select(Campaign.id).where(Campaign.status == "generating")).all():
        job = db.session.scalar(select(Job).where(Job.campaign_id == campaign_id, Job.kind == KIND_CAMPAIGN)
                                .order_by(Job.created_at.desc()).limit(1))
        if job is not None and job.status in TERMINAL_STATUSES:
            restore_campaign(job)
            settled.append(campaign_id)
    db.session.commit()
    return settled
