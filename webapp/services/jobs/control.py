"""Starting and cancelling jobs (the rules a person meets): one whole-campaign job at a time, the
budget checked before anything is queued, a queued job cancelled at once and a running one
between pieces. Each flushes; the caller commits, and only then is the job enqueued."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ...events import store as events
from ...extensions import db
from ...models import Job
from ...models._types import utcnow
from ...models.campaigns import CONTENT_TYPES, Campaign
from ..access import Actor, require_role
from ..errors import Conflict, NotFound, ValidationFailed
from .campaign_status import mark_generating, restore_campaign
from .emit import emit_job_event
from .enqueue import enqueue_after_commit
from .queries import active_job_for_campaign, get_job
from .settings import (
    ACTIVE_JOB_STATUSES,
    CONTENT_QUEUE,
    KIND_CAMPAIGN,
    KIND_SINGLE,
    MAX_TONE,
    TERMINAL_STATUSES,
    JobSettings,
)


def step_keys(pairs: list[tuple[str, str]]) -> list[dict]:
    """The pieces of a job, each with a step key unique within it ("email:email", "email:email:2")."""
    seen: dict[str, int] = {}
    pieces = []
    for content_type, platform in pairs:
        base = f"{content_type}:{platform}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}:{seen[base]}"
        pieces.append({"content_type": content_type, "platform": platform, "step_key": key})
    return pieces


def _locked_campaign(actor: Actor, campaign_id) -> Campaign:
    from .. import campaigns

    campaign = campaigns.get_campaign_row(actor, campaign_id)
    # Serialise concurrent starts for one campaign (PostgreSQL; SQLite's BEGIN IMMEDIATE already does).
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    return campaign


def _refuse_if_generating(campaign: Campaign) -> None:
    running = active_job_for_campaign(campaign.team_id, campaign.id)
    if running is not None:
        raise Conflict("This campaign is already being generated; wait for that job or cancel it.",
                       job_id=running.id)


def new_job(actor: Actor, campaign: Campaign, kind: str, pieces: list[dict], params: dict) -> Job:
    """Write a queued Job row (flushed) and enqueue its id once the caller commits."""
    settings = JobSettings.from_config(current_app.config)
    job = Job(id=str(uuid.uuid4()), queue=CONTENT_QUEUE, kind=kind, team_id=actor.team_id, user_id=actor.user_id,
              campaign_id=campaign.id, status="queued", progress_done=0, progress_total=len(pieces),
              message="Waiting for a worker…", error="", attempt=0, max_attempts=3,
              deadline=utcnow() + timedelta(seconds=settings.deadline),
              params={"pieces": pieces, **params}, result={})
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(job.id)
    return job


def _check_budget(team_id: int) -> None:
    from .. import usage

    usage.check_budget(team_id, current_app.config)


def start_campaign_generation(actor: Actor, campaign_id, *, pairs: list[tuple[str, str]] | None = None,
                              persona_id: int | None = None, tone: str | None = None) -> Job:
    """Queue the whole campaign (its planned pieces, or the batch's `pairs` with an optional persona
    and tone for each) as one job and mark the campaign generating.

    Raises NotFound (not the team's), Forbidden (viewer), Conflict with job_id (one is already
    queued or running), ValidationFailed (nothing to write), BudgetExceeded. Flushes; the caller
    commits, and the job is enqueued only once that commit succeeds."""
    require_role(actor, "editor")
    from .. import campaigns

    campaign = _locked_campaign(actor, campaign_id)
    _refuse_if_generating(campaign)
    pairs = campaigns.planned_pieces(campaign) if pairs is None else pairs
    if not pairs:
        raise ValidationFailed("This campaign has nothing to generate: choose content types and platforms.",
                               {"generation_settings": "Choose at least one content type and platform."})
    _check_budget(actor.team_id)
    overrides = {k: v for k, v in {"persona_id": persona_id, "tone": tone}.items() if v is not None}
    pieces = [{**piece, **overrides} for piece in step_keys(pairs)]
    job = new_job(actor, campaign, KIND_CAMPAIGN, pieces, {"previous_status": campaign.status})
    mark_generating(campaign)
    return job


def start_batch_job(actor: Actor, data: dict) -> Job:
    """The asynchronous form of generation.batch_generate (POST /api/content/batch-generate with
    "async": true): queue the same pieces, persona and tone the synchronous batch would write."""
    require_role(actor, "editor")
    from .. import generation, personas

    campaign, pairs = generation.batch_pieces(actor, data)
    persona_id = data.get("persona_id")
    if persona_id is not None:  # NotFound or an archived persona now, not in the worker
        persona_id = personas.refuse_if_archived(personas.get_persona(actor, persona_id)).id
    return start_campaign_generation(actor, campaign.id, pairs=pairs, persona_id=persona_id,
                                     tone=data.get("tone"))


def start_single_generation(actor: Actor, campaign_id, content_type: str, platform: str, *,
                            tone: str | None = None, persona_id: int | None = None) -> Job:
    """Queue one piece (content type × platform, optional tone and persona) for a campaign.

    Refused with Conflict while a whole-campaign job runs for it; ValidationFailed for an unknown
    type, a platform that does not fit the type, an over-long tone or another team's persona."""
    require_role(actor, "editor")
    from ...ai.platforms import is_valid_platform

    campaign = _locked_campaign(actor, campaign_id)
    errors: dict[str, str] = {}
    if content_type not in CONTENT_TYPES:
        errors["content_type"] = f"Choose one of: {', '.join(CONTENT_TYPES)}."
    elif not isinstance(platform, str) or not is_valid_platform(content_type, platform):
        errors["platform"] = f"Not a platform for {content_type}."
    if tone is not None and (not isinstance(tone, str) or len(tone) > MAX_TONE):
        errors["tone"] = f"At most {MAX_TONE} characters."
    if persona_id is not None:
        from .. import personas

        try:
            persona_id = personas.refuse_if_archived(personas.get_persona(actor, persona_id)).id
        except NotFound:
            errors["persona_id"] = "No such persona in this team."
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed.for_fields(errors)
    _refuse_if_generating(campaign)
    _check_budget(actor.team_id)
    pieces = [{"content_type": content_type, "platform": platform, "step_key": f"{content_type}:{platform}",
               "tone": (tone or "").strip() or None, "persona_id": persona_id}]
    return new_job(actor, campaign, KIND_SINGLE, pieces, {})


def cancel_job(actor: Actor, queue: str, job_id: str) -> Job:
    """Stop a job: a queued one is cancelled at once; a running one stops before its next piece and
    keeps what it already wrote. Conflict when the job has already finished."""
    require_role(actor, "editor")
    job = get_job(actor, queue, job_id)
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"This job has already {job.status}.", job_id=job.id)
    if job.status == "queued":
        done = db.session.execute(update(Job).where(Job.id == job.id, Job.status == "queued").values(
            status="cancelled", cancel_requested=True, finished_at=utcnow(), message="Cancelled before it started.",
            lease_expires_at=None, updated_at=utcnow()))
        if done.rowcount == 1:
            restore_campaign(job)
            db.session.flush()
            db.session.refresh(job)
            emit_job_event(job.id, events.CAMPAIGN_CANCELLED, notify=("info", "Generation cancelled."),
                           after_commit=True)
            return job
    db.session.execute(update(Job).where(Job.id == job.id, Job.status.in_(ACTIVE_JOB_STATUSES)).values(
        cancel_requested=True, message="Cancelling after the pieces being written…", updated_at=utcnow()))
    db.session.flush()
    db.session.refresh(job)
    return job
