"""What a whole-campaign job does to its campaign's status: "generating" while the job runs, then
back to the status the campaign had before (a draft stays a draft, an active campaign stays active),
whatever the job's outcome. The job, not the campaign, carries a failure. While it runs, a person
cannot change the status."""
from __future__ import annotations

from ...extensions import db
from ...models import CAMPAIGN_STATUSES, Campaign, Job
from ...models._types import utcnow
from ..errors import Conflict
from .queries import active_job_for_campaign
from .settings import KIND_CAMPAIGN


def status_before(job: Job) -> str:
    """The status the job's campaign had when the job started (draft if it is not known)."""
    previous = (job.params or {}).get("previous_status") or "draft"
    return "draft" if previous == "generating" else previous


def set_status_by_system(campaign_id: int, status: str) -> None:
    """Set any known status without an actor or the transition table (Herald's own changes). A
    campaign deleted while its job ran is simply not there."""
    if status not in CAMPAIGN_STATUSES:
        raise ValueError(f"unknown campaign status {status!r}")
    db.session.execute(Campaign.__table__.update().where(Campaign.id == campaign_id)
                       .values(status=status, updated_at=utcnow()))
    db.session.flush()


def mark_generating(campaign: Campaign) -> None:
    """A whole-campaign job starts (its params keep the status before): the campaign shows "generating"."""
    set_status_by_system(campaign.id, "generating")


def restore_campaign(job: Job) -> None:
    """A whole-campaign job has ended (succeeded, failed or cancelled): its campaign goes back to
    the status it had before. Other jobs leave the status alone."""
    if job.kind == KIND_CAMPAIGN and job.campaign_id is not None:
        set_status_by_system(job.campaign_id, status_before(job))


def refuse_status_change_while_generating(campaign: Campaign, new_status: str | None) -> None:
    """Conflict (with the job's id) for a status change while a job generates the campaign: the job
    puts the status back when it ends, so a change made meanwhile would be lost."""
    if new_status is None or new_status == campaign.status:
        return
    running = active_job_for_campaign(campaign.team_id, campaign.id)
    if running is not None:
        raise Conflict("Herald is generating content for this campaign; its status changes back when the job "
                       "ends. Cancel the job or wait for it to finish first.", job_id=running.id)
