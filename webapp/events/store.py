"""The job event table: append (with a per-job sequence), read back for replay, prune token deltas.

Every event is a row first and a message second, so a reader that was away (a reconnecting page,
an integration) replays from the global id it last saw and misses nothing.
"""
from __future__ import annotations

import threading
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


# One writer at a time per process: SQLite's busy handler sleeps in growing steps when threads
# collide on its write lock, which would add tens of milliseconds to every token delta.
_write_lock = threading.Lock()


def _insert(job_id: str, team_id: int, user_id: int | None, campaign_id: int | None, event: str, data: dict):
    next_seq = (select(func.coalesce(func.max(JobEvent.seq), 0) + 1)
                .where(JobEvent.job_id == job_id).scalar_subquery())
    return (insert(JobEvent)
            .values(job_id=job_id, team_id=team_id, user_id=user_id, campaign_id=campaign_id, seq=next_seq,
                    event=event, data=data, created_at=utcnow())
            .returning(*_COLUMNS))


def append_many(rows: list[dict], before=None) -> list[dict[str, Any]]:
    """Store several events (dicts of append's keyword arguments) in one short transaction of its
    own (never the caller's: workers call this while pieces are being written), then publish them.
    `before(conn)`, when given, runs first in the same transaction (e.g. the progress it announces)."""
    if not rows:
        return []
    for attempt in range(5):
        try:
            with _write_lock, db.engine.begin() as conn:
                if before is not None:
                    before(conn)
                stored = [row_to_event(conn.execute(_insert(**row)).one()) for row in rows]
            break
        except IntegrityError:  # two processes took the same seq (PostgreSQL): take the next one
            if attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))
    from .bus import poke_pollers
    from .bus import publish as publish_event

    for event in stored:
        publish_event(event)
    poke_pollers()
    return stored


def append(*, job_id: str, team_id: int, user_id: int | None, campaign_id: int | None, event: str,
           data: dict) -> dict[str, Any]:
    """Store one event (then publish it). Returns the stored event."""
    return append_many([dict(job_id=job_id, team_id=team_id, user_id=user_id, campaign_id=campaign_id,
                             event=event, data=data)])[0]


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
