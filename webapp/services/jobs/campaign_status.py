"""What a whole-campaign job does to its campaign's status."""
from __future__ import annotations

from ...models import Job
from .settings import KIND_CAMPAIGN


def restore_campaign(job: Job, outcome: str = "cancelled") -> None:
    """Leave the campaign in a settled state: completed/failed, or where it was before on cancel."""
    if job.kind != KIND_CAMPAIGN or job.campaign_id is None:
        return
    from .. import campaigns

    if outcome == "succeeded":
        status = "completed"
    elif outcome == "failed":
        status = "failed"
    else:
        previous = (job.params or {}).get("previous_status") or "draft"
        status = "draft" if previous == "generating" else previous
    campaigns.set_status_by_system(job.campaign_id, status)
