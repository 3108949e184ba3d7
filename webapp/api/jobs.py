"""Jobs API at the seed's paths: health, queue status, one job, start a campaign's (or one piece's)
generation, the user's recent jobs, cancel. Live events: the /ws/api/events websocket."""
from __future__ import annotations

from flask import request

from ..auth import require_actor
from ..extensions import db
from ..forms.generation import SingleJobForm
from ..services import jobs
from ..services.choices import CONTENT_TYPES, PLATFORMS
from ..services.field_limits import TONE
from ..services.jobs import JOB_STATUSES, QUEUES
from ..services.pagination import BadQuery
from . import bp
from .body import PLATFORM_FITS, json_object
from .openapi import operation
from .wire import to_wire

_DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_JOB_COUNTS = {"type": "object", "properties": {s: {"type": "integer", "minimum": 0} for s in JOB_STATUSES}}

SCHEMAS: dict = {
    "Job": {
        "type": "object",
        "description": "A background job. The row is the truth; follow it live on /ws/api/events.",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "queue": {"type": "string", "enum": list(QUEUES)},
            "kind": {"type": "string", "enum": ["campaign", "single"]},
            "status": {"type": "string", "enum": list(JOB_STATUSES)},
            "campaignId": {"type": ["integer", "null"]},
            "userId": {"type": ["integer", "null"]},
            "progress": {"type": "object", "properties": {
                "done": {"type": "integer"}, "total": {"type": "integer"}, "percent": {"type": "integer"}}},
            "message": {"type": "string"},
            "error": {"type": "string", "description": "Why it failed (empty unless it did)."},
            "attempt": {"type": "integer"}, "maxAttempts": {"type": "integer"},
            "cancelRequested": {"type": "boolean"},
            "pieces": {"type": "array", "items": {"type": "object", "properties": {
                "contentType": {"type": "string"}, "platform": {"type": "string"}, "stepKey": {"type": "string"}}}},
            "result": {"type": "object", "properties": {
                "contentIds": {"type": "array", "items": {"type": "integer"}}, "written": {"type": "integer"}}},
            "createdAt": {"type": "string", "format": "date-time"}, "startedAt": _DATETIME_OR_NULL,
            "finishedAt": _DATETIME_OR_NULL, "updatedAt": {"type": "string", "format": "date-time"},
            "deadline": _DATETIME_OR_NULL,
        },
    },
    "JobList": {"type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}},
    "QueueStatus": {
        "type": "object",
        "properties": {"queues": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string", "enum": list(QUEUES)},
            "acceptsWork": {"type": "boolean", "description": "False while no task uses this queue yet."},
            "tasks": {"type": "array", "items": {"type": "string"}},
            "pending": {"type": "integer", "description": "Broker messages waiting for this team's jobs "
                                                          "(other teams' are never shown)."},
            "scheduled": {"type": "integer", "description": "This team's delayed messages (retries with backoff)."},
            "jobs": {**_JOB_COUNTS, "description": "This team's jobs in the queue by status."},
            "brokerError": {"type": ["string", "null"]}, "note": {"type": "string"},
        }}}},
    },
    "JobsHealth": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "backend": {"type": "string", "enum": ["sqlite", "redis"]},
            "broker": {"type": "object",
                       "properties": {"ok": {"type": "boolean"}, "error": {"type": ["string", "null"]}}},
            "worker": {"type": "object", "properties": {"alive": {"type": "boolean"}, "lastSeenAt": _DATETIME_OR_NULL}},
            "expiredLeases": {"type": "integer"},
        },
    },
    "GenerateSingle": {
        "type": "object", "required": ["contentType", "platform"],
        "properties": {
            "contentType": {"type": "string", "enum": list(CONTENT_TYPES)},
            "platform": {"type": "string", "enum": list(PLATFORMS),
                         "description": f"Must fit the content type ({PLATFORM_FITS})."},
            "tone": {"type": ["string", "null"], "maxLength": TONE.max},
            "personaId": {"type": ["integer", "null"],
                          "description": "One of the team's personas (default, or null: the campaign's)."},
        },
    },
}


def _job(job) -> dict:
    return to_wire(jobs.job_to_dict(job))


@bp.get("/jobs/health")
@operation("Job system health: broker reachable, a worker seen recently", tag="jobs", response="JobsHealth")
def jobs_health():
    """Broker and worker liveness."""
    require_actor()
    return to_wire(jobs.health())


@bp.get("/jobs/queues/status")
@operation("Every queue: broker messages waiting for this team's jobs and this team's jobs by status "
           "(broker-wide figures: `flask queues` on the server)", tag="jobs", response="QueueStatus")
def queues_status():
    """The four seed queues, reported truthfully (queues without tasks say so)."""
    return {"queues": to_wire(jobs.queues_status(require_actor()))}


@bp.get("/jobs/user/recent")
@operation("Your recent jobs in this team, newest first", tag="jobs", response="JobList",
           query={"limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "1..100, default 20."}},
           errors=(400,))
def recent_jobs():
    """The caller's own jobs."""
    actor = require_actor()
    raw = request.args.get("limit", "").strip() or "20"  # an empty value means the default
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        # A malformed list query is a 400, as on every other list.
        raise BadQuery("limit must be a whole number from 1 to 100.", {"limit": "A whole number from 1 to 100."})
    return {"items": [_job(j) for j in jobs.recent_jobs(actor, limit)]}


@bp.get("/jobs/<queue>/<job_id>")
@operation("One job's status", tag="jobs", response="Job", errors=(404,))
def job_status(queue: str, job_id: str):
    """A job of the caller's team (404 for an unknown queue or another team's job)."""
    return _job(jobs.get_job(require_actor(), queue, job_id))


@bp.post("/jobs/campaigns/<int:campaign_id>/generate")
@operation("Generate the whole campaign in the background (its generation settings)", tag="jobs",
           response="Job", status=202, errors=(403, 404, 409, 422))
def generate_campaign(campaign_id: int):
    """Queue every planned piece; 409 with error.jobId while one is already running."""
    job = jobs.start_campaign_generation(require_actor("editor"), campaign_id)
    db.session.commit()
    return _job(job), 202


@bp.post("/jobs/campaigns/<int:campaign_id>/generate-single")
@operation("Generate one content type for one platform in the background", tag="jobs", body="GenerateSingle",
           response="Job", status=202, errors=(400, 403, 404, 409, 422))
def generate_single(campaign_id: int):
    """Queue one piece (contentType + platform, optional tone and personaId)."""
    actor = require_actor("editor")
    form = SingleJobForm.from_json(json_object())
    form.raise_if_invalid()
    data = form.to_data()
    job = jobs.start_single_generation(actor, campaign_id, data["content_type"], data["platform"],
                                       tone=data["tone"], persona_id=data["persona_id"])
    db.session.commit()
    return _job(job), 202


@bp.delete("/jobs/<queue>/<job_id>/cancel")
@operation("Cancel a job (a running one stops before its next piece and keeps what it wrote)", tag="jobs",
           response="Job", errors=(403, 404, 409))
def cancel_job(queue: str, job_id: str):
    """Cancel; 409 when it already finished."""
    job = jobs.cancel_job(require_actor("editor"), queue, job_id)
    db.session.commit()
    return _job(job)
