"""The one way to announce a job: its state as an event (plus, optionally, a notification toast),
stored in the job's event table and then published.

`after_commit=True` records the event for a change the caller is about to commit, so an event is
never seen before what it announces is true. Otherwise the session's read is ended first (on SQLite
a read holds the write lock the event needs) and the event is stored at once.
"""
from __future__ import annotations

from sqlalchemy import event

from ...events import store
from ...extensions import db
from ...models import Job
from .serialise import event_view


def job_event_row(job_id: str, team_id: int, user_id: int | None, campaign_id: int | None, name: str,
                  data: dict) -> dict:
    """An event of a job, as events.store.append_many takes it (every event names its job)."""
    return dict(job_id=job_id, team_id=team_id, user_id=user_id, campaign_id=campaign_id, event=name,
                data={"job_id": job_id, **data})


def emit_job_event(job_id: str, name: str, *, notify: tuple[str, str] | None = None,
                   after_commit: bool = False) -> None:
    """Announce job `job_id` as the session sees it now under event `name`; `notify` = (level,
    message) adds a toast for its owner."""
    job = db.session.get(Job, job_id, populate_existing=True)
    ids = (job.id, job.team_id, job.user_id, job.campaign_id)
    rows = [job_event_row(*ids, name, event_view(job))]
    if notify:
        rows.append(job_event_row(*ids, store.NOTIFICATION, {"level": notify[0], "message": notify[1],
                                                             "campaign_id": job.campaign_id}))
    if after_commit:
        event.listen(db.session(), "after_commit", lambda _session: store.append_many(rows), once=True)
        return
    db.session.rollback()
    store.append_many(rows)
