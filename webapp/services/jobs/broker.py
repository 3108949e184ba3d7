"""The broker and the workers as the pages and the API report them: queue status, worker liveness,
/health. A broker that cannot be read is reported, never raised."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import func, select

from ... import huey_app
from ...extensions import db
from ...models import Job
from ...models._types import utcnow
from ..access import Actor
from .settings import JOB_STATUSES, QUEUES

log = logging.getLogger(__name__)

WORKER_SEEN_KEY = "herald:worker-seen"
WORKER_ALIVE_SECONDS = 120  # workers stamp at start-up, every minute and on each task


def _waiting_tasks() -> list:
    """Every message waiting in the broker, queued or scheduled (raises if the broker is down)."""
    return list(huey_app.huey.pending()) + list(huey_app.huey.scheduled())


def _waiting_by_queue() -> tuple[list[tuple[str, str, str | None]], str | None]:
    """(queue, "pending"|"scheduled", job id or None) for every waiting broker message of a seed
    queue, or an error string when the broker cannot be read."""
    out = []
    try:
        for kind, tasks in (("pending", huey_app.huey.pending()), ("scheduled", huey_app.huey.scheduled())):
            for task in tasks:
                queue = huey_app.TASK_QUEUES.get(task.name)
                if queue:
                    out.append((queue, kind, str(task.args[0]) if task.args else None))
    except Exception as exc:  # noqa: BLE001 - report a down broker instead of failing the page
        return [], f"{type(exc).__name__}: {exc}"
    return out, None


def _count(waiting, team_id: int | None) -> dict[str, dict[str, int]]:
    """Messages per queue and kind; with `team_id`, only those carrying one of that team's jobs."""
    if team_id is not None:
        ids = {job_id for _q, _k, job_id in waiting if job_id}
        mine = set(db.session.scalars(select(Job.id).where(Job.id.in_(ids), Job.team_id == team_id))) if ids else set()
        waiting = [w for w in waiting if w[2] in mine]
    counts = {q: {"pending": 0, "scheduled": 0} for q in QUEUES}
    for queue, kind, _job_id in waiting:
        counts[queue][kind] += 1
    return counts


def broker_counts() -> tuple[dict[str, dict[str, int]], str | None]:
    """Broker-wide messages waiting per queue, every team's (the operator's CLI; never a tenant's
    API answer), or an error string."""
    waiting, error = _waiting_by_queue()
    return _count(waiting, None), error


def queues_status(actor: Actor) -> list[dict]:
    """Each seed queue: the broker messages waiting for this team's jobs, and this team's job counts
    by status. Other teams' figures are not shown (they would tell one tenant another's load)."""
    waiting, error = _waiting_by_queue()
    broker = _count(waiting, actor.team_id)
    rows = db.session.execute(select(Job.queue, Job.status, func.count(Job.id))
                              .where(Job.team_id == actor.team_id).group_by(Job.queue, Job.status))
    by_queue: dict[str, dict[str, int]] = {q: dict.fromkeys(JOB_STATUSES, 0) for q in QUEUES}
    for queue, status, count in rows:
        if queue in by_queue and status in by_queue[queue]:
            by_queue[queue][status] = count
    out = []
    for queue in QUEUES:
        tasks = sorted(name for name, q in huey_app.TASK_QUEUES.items() if q == queue)
        out.append({
            "name": queue, "accepts_work": bool(tasks), "tasks": tasks,
            "pending": broker[queue]["pending"], "scheduled": broker[queue]["scheduled"],
            "jobs": by_queue[queue], "broker_error": error,
            "note": "" if tasks else "No tasks use this queue yet.",
        })
    return out


def waiting_job_ids() -> set[str] | None:
    """Job ids with a message waiting in the broker (None when the broker cannot be read)."""
    try:
        return {str(task.args[0]) for task in _waiting_tasks() if task.args}
    except Exception:  # noqa: BLE001
        log.warning("could not read the broker's pending tasks", exc_info=True)
        return None


def mark_worker_seen() -> None:
    """Workers stamp the broker so /health can tell whether any consumer is alive."""
    huey_app.huey.storage.put_data(WORKER_SEEN_KEY, str(time.time()).encode())


def _worker_last_seen() -> float | None:
    """When a worker last stamped the broker (epoch seconds), or None. Raises if the broker is down."""
    from huey.constants import EmptyData

    raw = huey_app.huey.storage.peek_data(WORKER_SEEN_KEY)
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
    huey = huey_app.huey
    out: dict = {"backend": huey.backend, "broker": {"ok": True, "error": None}, "worker": {}}
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
