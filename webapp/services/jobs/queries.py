"""Reading jobs and what they wrote (team-scoped where a person asks)."""
from __future__ import annotations

from sqlalchemy import case, func, select

from ...extensions import db
from ...models import Campaign, ContentItem, Job, JobEvent
from ..access import Actor
from ..errors import NotFound
from .settings import ACTIVE_JOB_STATUSES, KIND_CAMPAIGN, QUEUES


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
    # One query: active jobs sort first, then the newest.
    active_first = case((Job.status.in_(ACTIVE_JOB_STATUSES), 0), else_=1)
    return db.session.scalar(select(Job).where(Job.team_id == team_id, Job.campaign_id == campaign_id)
                             .order_by(active_first, Job.created_at.desc()).limit(1))


def active_count(actor: Actor) -> int:
    """How many of the actor's jobs are queued or running (the global indicator)."""
    return db.session.scalar(select(func.count(Job.id)).where(
        Job.team_id == actor.team_id, Job.user_id == actor.user_id, Job.status.in_(ACTIVE_JOB_STATUSES))) or 0


def nav_state(actor: Actor) -> tuple[int, int]:
    """(newest event id, active_count) in one query: the header's jobs indicator on every page."""
    newest = select(func.coalesce(func.max(JobEvent.id), 0)).scalar_subquery()
    active = select(func.count(Job.id)).where(
        Job.team_id == actor.team_id, Job.user_id == actor.user_id, Job.status.in_(ACTIVE_JOB_STATUSES))
    cursor, count = db.session.execute(select(newest, active.scalar_subquery())).one()
    return int(cursor or 0), int(count or 0)


def fresh_job(job_id: str) -> Job | None:
    """A job row as the database has it now (re-read even if this session holds it)."""
    return db.session.get(Job, job_id, populate_existing=True)


def team_item(team_id: int, item_id) -> ContentItem | None:
    """A content item a job wrote, if it still exists and belongs to the team."""
    item = db.session.get(ContentItem, item_id) if isinstance(item_id, int) else None
    return item if item is not None and item.team_id == team_id else None


def campaign_status_now(campaign_id: int) -> str | None:
    """The campaign's status as committed now (a job changes it behind the page's back)."""
    return db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))


def job_items(job: Job) -> dict[str, ContentItem]:
    """The content a job has written so far, by step key."""
    items = db.session.scalars(select(ContentItem).where(ContentItem.job_id == job.id,
                                                         ContentItem.team_id == job.team_id))
    return {item.step_key: item for item in items if item.step_key}


def job_item_ids(job_id: str) -> list[int]:
    """The ids of everything a job wrote, in order."""
    return list(db.session.scalars(select(ContentItem.id).where(ContentItem.job_id == job_id)
                                   .order_by(ContentItem.id)))
