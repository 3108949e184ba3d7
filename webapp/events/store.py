"""The job event table: append (with a per-job sequence), read back for replay, prune token deltas.

Every event is a row first and a message second, so a reader that was away (a reconnecting page,
an integration) replays from the global id it last saw and misses nothing.
"""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import JobEvent
from ..models._types import utcnow

# The seed's event names (plus the transient token delta and an explicit cancel).
CAMPAIGN_STARTED = "campaign:generation:started"
CAMPAIGN_PROGRESS = "campaign:generation:progress"
CAMPAIGN_COMPLETED = "campaign:generation:completed"
CAMPAIGN_FAILED = "campaign:generation:failed"
CAMPAIGN_CANCELLED = "campaign:generation:cancelled"
CONTENT_STARTED = "content:generation:started"
CONTENT_DELTA = "content:generation:delta"
CONTENT_COMPLETED = "content:generation:completed"
NOTIFICATION = "notification"
EVENT_NAMES = (CAMPAIGN_STARTED, CAMPAIGN_PROGRESS, CAMPAIGN_COMPLETED, CAMPAIGN_FAILED, CAMPAIGN_CANCELLED,
               CONTENT_STARTED, CONTENT_DELTA, CONTENT_COMPLETED, NOTIFICATION)
JOB_END_EVENTS = (CAMPAIGN_COMPLETED, CAMPAIGN_FAILED, CAMPAIGN_CANCELLED)

_COLUMNS = (JobEvent.id, JobEvent.job_id, JobEvent.team_id, JobEvent.user_id, JobEvent.campaign_id,
            JobEvent.seq, JobEvent.event, JobEvent.data)


def row_to_event(row) -> dict[str, Any]:
    """A plain dict (what the bus carries and the sockets render)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    return {"id": m["id"], "job_id": m["job_id"], "team_id": m["team_id"], "user_id": m["user_id"],
            "campaign_id": m["campaign_id"], "seq": m["seq"], "event": m["event"], "data": m["data"] or {}}


def append(*, job_id: str, team_id: int, user_id: int | None, campaign_id: int | None, event: str,
           data: dict, publish: bool = True) -> dict[str, Any]:
    """Store one event in its own short transaction (never the caller's: workers call this while a
    piece is being written), then publish it. Returns the stored event."""
    next_seq = (select(func.coalesce(func.max(JobEvent.seq), 0) + 1)
                .where(JobEvent.job_id == job_id).scalar_subquery())
    stmt = (insert(JobEvent)
            .values(job_id=job_id, team_id=team_id, user_id=user_id, campaign_id=campaign_id, seq=next_seq,
                    event=event, data=data, created_at=utcnow())
            .returning(*_COLUMNS))
    for attempt in range(5):
        try:
            with db.engine.begin() as conn:
                row = conn.execute(stmt).one()
            break
        except IntegrityError:  # two writers took the same seq (PostgreSQL): take the next one
            if attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))
    stored = row_to_event(row)
    if publish:
        from .bus import publish as publish_event

        publish_event(stored)
    return stored


def latest_id() -> int:
    """The newest event id (a page renders it as its replay cursor)."""
    return db.session.scalar(select(func.coalesce(func.max(JobEvent.id), 0))) or 0


def events_after(after: int, *, team_id: int, campaign_ids: list[int] | None = None, user_id: int | None = None,
                 job_id: str | None = None, limit: int = 2000) -> list[dict]:
    """Stored events of one team after `after`, for a room: given campaigns, or a user's jobs."""
    stmt = select(*_COLUMNS).where(JobEvent.id > after, JobEvent.team_id == team_id)
    rooms = []
    if campaign_ids:
        rooms.append(JobEvent.campaign_id.in_(campaign_ids))
    if user_id is not None:
        rooms.append(JobEvent.user_id == user_id)
    if rooms:
        from sqlalchemy import or_

        stmt = stmt.where(or_(*rooms))
    if job_id is not None:
        stmt = stmt.where(JobEvent.job_id == job_id)
    return [row_to_event(r) for r in db.session.execute(stmt.order_by(JobEvent.id).limit(limit))]


def delta_text(job_id: str, up_to: int | None = None) -> dict[str, str]:
    """The streamed text so far of each piece of a job (step key → text), from stored deltas."""
    stmt = select(JobEvent.data).where(JobEvent.job_id == job_id, JobEvent.event == CONTENT_DELTA)
    if up_to is not None:
        stmt = stmt.where(JobEvent.id <= up_to)
    text: dict[str, str] = {}
    for (data,) in db.session.execute(stmt.order_by(JobEvent.id)):
        key = (data or {}).get("step_key")
        if key:
            text[key] = text.get(key, "") + str(data.get("text", ""))
    return text


def prune_deltas(job_id: str, step_keys: list[str] | None = None) -> None:
    """Drop the token deltas of finished pieces (their final card replaces them)."""
    with db.engine.begin() as conn:
        conn.execute(delete(JobEvent).where(JobEvent.job_id == job_id, JobEvent.event == CONTENT_DELTA))
