"""Content API: AI status and generation at the seed's paths (/api/content/...)."""
from __future__ import annotations

from flask import current_app, jsonify

from ..auth import require_actor
from ..extensions import db
from ..forms.generation import BatchForm, GenerateForm, VariationsForm
from ..services import generation, jobs
from ..services.choices import CONTENT_TYPE_PLATFORMS, CONTENT_TYPES, PLATFORMS
from ..services.content import content_to_dict
from ..services.errors import ServiceError
from ..services.field_limits import TONE
from ..services.generation import AIError
from ..services.usage import MAX_BATCH, MAX_COUNT
from . import bp
from .body import json_object
from .errors import error_response
from .openapi import operation
from .wire import to_wire

_ID = {"type": "integer", "minimum": 1}
_OPTIONS = {
    "personaId": {**_ID, "type": ["integer", "null"],
                  "description": "Write for this persona instead of the campaign's (null: the campaign's)."},
    "tone": {"type": ["string", "null"], "maxLength": TONE.max, "description": "Overrides the campaign's tone."},
    "count": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT, "default": 1},
}
_USAGE = {
    "type": "object",
    "properties": {
        "promptTokens": {"type": "integer"}, "completionTokens": {"type": "integer"}, "total": {"type": "integer"},
        "budget": {"type": ["integer", "null"], "description": "Monthly token budget; null = no limit."},
        "remaining": {"type": ["integer", "null"]},
        "resetsAt": {"type": "string", "format": "date-time"},
    },
}
def _generate_request(content_type: str) -> dict:
    # Each endpoint writes one content type, so its platforms are the ones that type fits.
    return {
        "type": "object", "required": ["campaignId"],
        "properties": {"campaignId": _ID,
                       "platform": {"type": "string", "enum": list(CONTENT_TYPE_PLATFORMS[content_type]),
                                    "description": "Default: the campaign's first platform that fits."},
                       **_OPTIONS},
    }


SCHEMAS: dict = {
    "EmailGenerateRequest": _generate_request("email"),
    "SocialGenerateRequest": _generate_request("social_post"),
    "AdCopyGenerateRequest": _generate_request("ad_copy"),
    "VariationsRequest": {
        "type": "object", "required": ["contentId"],
        "properties": {"contentId": {**_ID, "description": "The item to vary (A/B); variants join its group."},
                       "campaignId": {**_ID, "type": ["integer", "null"],
                                      "description": "Optional (null: the item's); must be the item's campaign."},
                       **_OPTIONS, "count": {**_OPTIONS["count"], "default": 2}},
    },
    "BatchGenerateRequest": {
        "type": "object", "required": ["campaignId"],
        "properties": {
            "campaignId": _ID, "personaId": _OPTIONS["personaId"], "tone": _OPTIONS["tone"],
            "items": {"type": "array", "maxItems": MAX_BATCH, "items": {
                "type": "object", "required": ["contentType"],
                "properties": {"contentType": {"type": "string", "enum": list(CONTENT_TYPES)},
                               "platform": {"type": "string", "enum": list(PLATFORMS)}}}},
            "contentTypes": {"type": "array", "items": {"type": "string", "enum": list(CONTENT_TYPES)}},
            "platforms": {"type": "array", "items": {"type": "string", "enum": list(PLATFORMS)}},
            "async": {"type": "boolean", "default": False,
                      "description": "Queue the same pieces (items, or contentTypes × platforms, else the "
                                     "campaign's planned pieces) with the same persona and tone as a background "
                                     "job (202) instead; refused with 422 while the job system is not installed."},
        },
    },
    "GeneratedContentItem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "campaignId": {"type": "integer"},
            "contentType": {"type": "string", "enum": list(CONTENT_TYPES)},
            "platform": {"type": "string", "enum": list(PLATFORMS)},
            "subjectLine": {"type": "string"}, "preheader": {"type": "string"},
            "headlines": {"type": "array", "items": {"type": "string"}},
            "descriptions": {"type": "array", "items": {"type": "string"}},
            "contentBody": {"type": "string"}, "callToAction": {"type": "string"},
            "hashtags": {"type": "array", "items": {"type": "string"}},
            "visualUrl": {"type": "string"},
            "visualBrief": {"type": ["object", "null"], "properties": {
                "description": {"type": "string"}, "altText": {"type": "string"}, "aspectRatio": {"type": "string"}}},
            "qualityScore": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "scoreBreakdown": {"type": ["object", "null"], "additionalProperties": {
                "type": "object", "properties": {"score": {"type": "number"}, "max": {"type": "integer"},
                                                 "note": {"type": "string"}}}},
            "violations": {"type": "array", "items": {"type": "string"},
                           "description": "Limits the piece still breaks after repair (stored as a flagged draft)."},
            "status": {"type": "string", "enum": ["draft", "approved", "archived"]},
            "variantGroup": {"type": ["string", "null"]},
            "metadata": {"type": "object", "properties": {
                "generatedBy": {"type": "string", "enum": ["ai", "manual"]}, "model": {"type": "string"},
                "jobId": {"type": ["string", "null"]}, "promptTokens": {"type": "integer"},
                "completionTokens": {"type": "integer"}, "generatedAt": {"type": ["string", "null"]}}},
        },
    },
    "GeneratedContent": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/GeneratedContentItem"}},
                       "usage": _USAGE},
    },
    "AiStatus": {
        "type": "object",
        "properties": {
            "writer": {"type": "string", "enum": ["openai", "offline"]}, "model": {"type": "string"},
            "baseUrlHost": {"type": ["string", "null"], "description": "Host of the AI server; never the key."},
            "reachable": {"type": ["boolean", "null"]}, "detail": {"type": ["string", "null"]},
            "checkedAt": {"type": "string"}, "usage": _USAGE,
            "asyncBatch": {"type": "boolean", "description": "Whether batch-generate accepts \"async\": true."},
        },
    },
    "JobReference": {
        "type": "object",
        "properties": {"job": {"type": "object"}, "statusUrl": {"type": "string"}},
    },
}

_GENERATE_ERRORS = (403, 404, 422, 502, 503)
# generate-*: 201 with the pieces when written within HERALD_SYNC_GENERATION_TIMEOUT, else 202 with the
# job that finishes them; 503 + Retry-After when the process is at HERALD_SYNC_GENERATION_LIMIT.
_STILL_WRITING = {202: "JobReference"}


@bp.errorhandler(AIError)
def _ai_error(exc: AIError):
    # Safety net: services turn writer errors into 502/503 already.
    return _service_response(generation.ai_error_to_service(exc))


def _service_response(exc: ServiceError):
    response = error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)
    if isinstance(exc, generation.AIUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.errorhandler(generation.AIUnavailable)
def _ai_unavailable(exc):
    return _service_response(exc)


def _body() -> dict:
    # One rule for every API body: missing, malformed or non-object JSON is a 400.
    return json_object()


def _job_response(job):
    """202 with the job that is still writing (the same shape as batch-generate's async answer)."""
    return jsonify(to_wire({"job": jobs.job_to_dict(job), "status_url": f"/api/jobs/{job.queue}/{job.id}"})), 202


def _generated_response(result):
    """201 with the pieces, or 202 with the job when they took longer than the sync timeout."""
    if isinstance(result, list):
        return _items_response(result)
    return _job_response(result)


def _items_response(items, status: int = 201):
    actor = require_actor()
    body = {"items": [content_to_dict(i) for i in items],
            "usage": generation.usage_this_month(actor.team_id, current_app.config)}
    return jsonify(to_wire(body)), status


@bp.get("/content/ai-status")
@operation("Which AI writer is active, whether it answers, and this month's token usage", tag="content",
           response="AiStatus")
def ai_status():
    actor = require_actor()
    status = generation.ai_status(actor, current_app.config)
    return jsonify(to_wire(status))


def _generate(content_type: str):
    actor = require_actor("editor")
    form = GenerateForm.from_json(_body())
    form.raise_if_invalid()
    result = generation.generate_content(actor, content_type, form.to_data(), current_app.config)
    db.session.commit()
    return _generated_response(result)


@bp.post("/content/generate-email")
@operation("Write marketing email(s) for a campaign and save them as content items", tag="content",
           body="EmailGenerateRequest", response="GeneratedContent", status=201, also=_STILL_WRITING,
           errors=_GENERATE_ERRORS)
def generate_email():
    return _generate("email")


@bp.post("/content/generate-social")
@operation("Write social post(s) for a campaign and save them as content items", tag="content",
           body="SocialGenerateRequest", response="GeneratedContent", status=201, also=_STILL_WRITING,
           errors=_GENERATE_ERRORS)
def generate_social():
    return _generate("social_post")


@bp.post("/content/generate-ad-copy")
@operation("Write ad copy for a campaign and save it as content items", tag="content",
           body="AdCopyGenerateRequest", response="GeneratedContent", status=201, also=_STILL_WRITING,
           errors=_GENERATE_ERRORS)
def generate_ad_copy():
    return _generate("ad_copy")


@bp.post("/content/generate-variations")
@operation("Write A/B variations of an existing content item (they share its variant group)", tag="content",
           body="VariationsRequest", response="GeneratedContent", status=201, also=_STILL_WRITING,
           errors=_GENERATE_ERRORS)
def generate_variations():
    actor = require_actor("editor")
    form = VariationsForm.from_json(_body())
    form.raise_if_invalid()
    result = generation.generate_variations(actor, form.to_data(), current_app.config)
    db.session.commit()
    return _generated_response(result)


@bp.post("/content/batch-generate")
@operation("Write several content types/platforms for a campaign now (201), or queue them with "
           "\"async\": true (202 + job reference) when the job system is available", tag="content",
           body="BatchGenerateRequest", response="GeneratedContent", status=201, also={202: "JobReference"},
           errors=(*_GENERATE_ERRORS, 409))
def batch_generate():
    actor = require_actor("editor")
    form = BatchForm.from_json(_body())
    form.raise_if_invalid()
    data = form.to_data()
    if data.pop("run_async"):
        job = jobs.start_batch_job(actor, data)
        db.session.commit()
        return _job_response(job)
    items = generation.batch_generate(actor, data, current_app.config)
    db.session.commit()
    return _items_response(items)
