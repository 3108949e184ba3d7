"""A job as plain data: for the API (snake_case; the API edge converts) and for its events."""
from __future__ import annotations

from ...models import Job

EVENT_FIELDS = ("id", "queue", "kind", "status", "campaign_id", "progress", "message", "error", "attempt",
                "cancel_requested")


def progress(done: int, total: int) -> dict:
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def job_to_dict(job: Job) -> dict:
    """snake_case, JSON-ready (the API converts to camelCase)."""
    return {
        "id": job.id, "queue": job.queue, "kind": job.kind, "status": job.status,
        "campaign_id": job.campaign_id, "user_id": job.user_id,
        "progress": progress(job.progress_done or 0, job.progress_total or 0),
        "message": job.message or "", "error": job.error or "",
        "attempt": job.attempt or 0, "max_attempts": job.max_attempts,
        "cancel_requested": bool(job.cancel_requested),
        "pieces": [{"content_type": p["content_type"], "platform": p["platform"], "step_key": p["step_key"]}
                   for p in (job.params or {}).get("pieces", [])],
        "result": job.result or {},
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "updated_at": job.updated_at, "deadline": job.deadline,
    }


def event_view(job: Job) -> dict:
    """What every campaign:generation:* event carries: enough to draw the progress bar."""
    view = job_to_dict(job)
    return {k: view[k] for k in EVENT_FIELDS} | {"job_id": job.id}
