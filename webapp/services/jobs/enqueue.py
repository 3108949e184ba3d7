"""Enqueue after commit: a job's id reaches Huey only once the transaction that wrote its row has
committed (a rolled-back start leaves nothing in the broker)."""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from ... import huey_app
from ...extensions import db

log = logging.getLogger(__name__)

_ENQUEUE_KEY = "herald_jobs_to_enqueue"


def enqueue_after_commit(job_id: str) -> None:
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
    huey_app.enqueue(huey_app.GENERATE_CONTENT, job_id, delay=delay)
