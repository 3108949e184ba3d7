"""AI generation: build a Brief from the team's campaign and persona, check the budget, call the
writer (never inside a database transaction), score the piece, record token usage and save one
ContentItem. Used by the API, the campaign page and the job runner alike.

`generate_piece` is the one primitive (its signature is the contract with the job system); the
`generate_*` functions below are what the views call: they check the actor's role, validate the
request and call `generate_piece` once per piece.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..ai import platforms
from ..ai.scoring import score_piece
from ..ai.types import AIError, Brief, Critique, PermanentAIError, Piece, TransientAIError  # noqa: F401
from ..ai.writer import Writer, make_writer
from ..database import reading
from ..extensions import db
from ..models import CONTENT_TYPES, Campaign, ContentItem, Persona
from . import usage
from .access import Actor, get_scoped, require_role
from .errors import BudgetExceeded, NotFound, ServiceError, ServiceUnavailable, ValidationFailed
from .field_limits import CONTENT
from .personas import refuse_if_archived

PIECE_FIELDS = ("subject_line", "preheader", "headlines", "descriptions", "body", "call_to_action", "hashtags")
_STRING_COLUMNS = {key: CONTENT[key].max for key in ("subject_line", "preheader", "call_to_action")}

# --- writers ------------------------------------------------------------------------------------

_WRITER_KEYS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HERALD_MODEL", "HERALD_AI_TIMEOUT",
                "HERALD_AI_MAX_RETRIES", "HERALD_AI_BACKOFF_BASE")
_writers: dict[tuple, Writer] = {}
_writers_lock = threading.Lock()
_MAX_CACHED_WRITERS = 16


def writer_for(config: Mapping) -> Writer:
    """The writer for these settings, cached per (key, base URL, model, timeouts) so the HTTP
    client, what it learnt about the server and its reachability check are reused."""
    key = tuple(str(config.get(k) or "") for k in _WRITER_KEYS)
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            if len(_writers) >= _MAX_CACHED_WRITERS:
                _writers.pop(next(iter(_writers)))
            writer = _writers[key] = make_writer(config)
        return writer


def _wants_critique(writer: Writer, config: Mapping) -> bool:
    # The offline critique is rule-based and free; a model critique costs a (short) call, so a
    # setting can turn it off.
    return writer.name == "offline" or bool(config.get("HERALD_AI_CRITIQUE", True))


# --- errors the views show ----------------------------------------------------------------------


class AIProviderError(ServiceError):
    """The AI provider refused the request for good (bad key, exhausted quota, bad request)."""

    status = 502
    code = "ai_provider_error"


class AIUnavailable(ServiceUnavailable):
    """The AI provider is overloaded or unreachable; `retry_after` says when to try again."""

    code = "ai_unavailable"

    def __init__(self, message: str, retry_after: int, **extra):
        super().__init__(message, retry_after=retry_after, **extra)
        self.retry_after = retry_after


def ai_error_to_service(exc: AIError, *, saved: int = 0) -> ServiceError:
    """Turn a writer error into the error a person or an integration sees (502 or 503)."""
    done = f" {saved} piece(s) written before the failure were saved." if saved else ""
    if isinstance(exc, TransientAIError):
        wait = max(1, int(round(exc.retry_after))) if exc.retry_after else 30
        return AIUnavailable(f"The AI provider is busy or unreachable ({exc}). Try again in {wait} s.{done}",
                             retry_after=wait)
    return AIProviderError(f"The AI provider rejected the request: {exc}.{done}")


# --- building the brief -------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything a model call needs, as plain data: nothing here touches the database."""

    brief: Brief
    campaign_id: int
    variant_of_id: int | None
    variant_group: str | None


def _load_campaign(team_id: int, campaign_id) -> Campaign:
    return get_scoped(Campaign, campaign_id, Actor(0, team_id, "viewer"), what="Campaign")


def _load_persona(team_id: int, persona_id) -> Persona:
    return get_scoped(Persona, persona_id, Actor(0, team_id, "viewer"), what="Persona")


def _load_item(team_id: int, item_id, campaign_id: int | None = None) -> ContentItem:
    item = get_scoped(ContentItem, item_id, Actor(0, team_id, "viewer"), what="Content item")
    if campaign_id is not None and str(item.campaign_id) != str(campaign_id):
        raise NotFound("Content item not found")
    return item


def piece_fields(item: ContentItem) -> dict:
    return {k: getattr(item, k) for k in PIECE_FIELDS}


def _check_pair(content_type: str, platform: str) -> None:
    if content_type not in CONTENT_TYPES:
        raise ValidationFailed(f"Unknown content type {content_type!r}.",
                               {"content_type": f"Choose one of {', '.join(CONTENT_TYPES)}."})
    if not platforms.is_valid_platform(content_type, platform):
        allowed = ", ".join(platforms.CONTENT_TYPE_PLATFORMS[content_type])
        raise ValidationFailed(f"{content_type} cannot target platform {platform!r}.",
                               {"platform": f"For {content_type} choose one of {allowed}."})


def build_brief(campaign: Campaign, persona: Persona | None, *, content_type: str, platform: str,
                tone: str | None = None, seed: int = 0, variant_of: dict | None = None,
                variant_index: int = 0) -> Brief:
    """The writer's Brief from the campaign and persona, every field capped (usage.TEXT_CAPS)."""
    from .campaigns import campaign_brief
    from .personas import persona_brief

    return Brief(
        content_type=content_type, platform=platform,
        persona=usage.cap_fields(persona_brief(persona)) if persona is not None else {},
        campaign=usage.cap_fields(campaign_brief(campaign)),
        creativity=campaign.creativity_level or 5,
        tone=usage.cap_text(tone, usage.TEXT_CAPS["tone"]) or None,
        seed=seed, variant_of=variant_of, variant_index=variant_index,
    )


def _plan(*, team_id: int, campaign_id, content_type: str, platform: str, persona_id, tone,
          variant_of_id, variant_index: int) -> _Plan:
    campaign = _load_campaign(team_id, campaign_id)
    source = None
    if variant_of_id is not None:
        source = _load_item(team_id, variant_of_id, campaign.id)
        content_type, platform = source.content_type, source.platform
    _check_pair(content_type, platform)
    if persona_id is not None:
        persona = refuse_if_archived(_load_persona(team_id, persona_id))  # an override: a live persona only
    else:
        persona = db.session.get(Persona, campaign.persona_id) if campaign.persona_id else None
    # A different seed per piece of the same kind, so "generate" twice gives two different drafts.
    seed = db.session.scalar(select(func.count(ContentItem.id)).where(
        ContentItem.campaign_id == campaign.id, ContentItem.content_type == content_type,
        ContentItem.platform == platform)) or 0
    brief = build_brief(campaign, persona, content_type=content_type, platform=platform, tone=tone, seed=seed,
                        variant_of=piece_fields(source) if source is not None else None,
                        variant_index=variant_index)
    return _Plan(brief=brief, campaign_id=campaign.id, variant_of_id=source.id if source is not None else None,
                 variant_group=source.variant_group if source is not None else None)


# --- the model call -----------------------------------------------------------------------------


@dataclass
class _Result:
    piece: Piece
    critique: Critique | None
    score: int
    breakdown: dict
    model: str
    prompt_tokens: int  # billed tokens (write + critique); 0 for the offline writer
    completion_tokens: int


def _call(writer: Writer, brief: Brief, config: Mapping, on_text) -> _Result:
    """Write (streaming when on_text is given), critique and score. No database access."""
    piece = writer.stream(brief, on_text) if on_text is not None else writer.write(brief)
    answer = writer.critique(piece, brief) if _wants_critique(writer, config) else None
    critique = answer if answer is not None and answer.summary else None  # an empty one only carries tokens
    score, breakdown = score_piece(piece, brief, critique)
    if critique is not None:
        breakdown = {**breakdown, "critique": {**breakdown.get("critique", {}),
                                               "summary": critique.summary,
                                               "suggestions": list(critique.suggestions)}}
    billed = writer.name != "offline"  # the offline writer costs nothing and is not metered
    prompt = piece.prompt_tokens + (answer.prompt_tokens if answer else 0)
    completion = piece.completion_tokens + (answer.completion_tokens if answer else 0)
    return _Result(piece=piece, critique=critique, score=score, breakdown=breakdown,
                   model=(piece.model or writer.model or "")[:120],
                   prompt_tokens=prompt if billed else 0, completion_tokens=completion if billed else 0)


def _apply(item: ContentItem, result: _Result, include_visuals: bool) -> None:
    piece = result.piece
    for key in PIECE_FIELDS:
        value = getattr(piece, key)
        if key in _STRING_COLUMNS:
            value = (value or "")[:_STRING_COLUMNS[key]]  # column size; over-long text is already a violation
        setattr(item, key, value if value is not None else ([] if key in ("headlines", "descriptions",
                                                                          "hashtags") else ""))
    item.visual_brief = piece.visual_brief if include_visuals else None
    item.violations = list(piece.violations)
    item.quality_score = result.score
    item.score_breakdown = result.breakdown
    item.generated_by = "ai"
    item.model = result.model
    item.prompt_tokens = result.prompt_tokens
    item.completion_tokens = result.completion_tokens
    item.generated_at = datetime.now(UTC)


def _existing_step(job_id: str | None, step_key: str | None) -> ContentItem | None:
    if not job_id or not step_key:
        return None
    return db.session.scalar(select(ContentItem).where(ContentItem.job_id == job_id,
                                                       ContentItem.step_key == step_key))


def generate_piece(*, team_id: int, user_id: int | None, campaign_id: int, content_type: str, platform: str,
                   persona_id: int | None = None, tone: str | None = None, job_id: str | None = None,
                   step_key: str | None = None, variant_of_id: int | None = None, variant_index: int = 0,
                   on_text: Callable[[str], None] | None = None, config: Mapping) -> ContentItem:
    """Write one piece and save it as a ContentItem of the campaign (generated_by="ai").

    Idempotent on (job_id, step_key): an existing item is returned without calling the writer.
    Raises NotFound (campaign/persona/variant source not in the team), ValidationFailed (platform
    not valid for the type), BudgetExceeded (before any call), and the writer's TransientAIError /
    PermanentAIError unchanged. Commits what came before, so no transaction is open during the
    model call; the new item and its TokenUsage are flushed, and the caller commits.
    """
    db.session.commit()  # what came before, so the look-ups below begin a read-only transaction
    with reading():  # twelve pieces starting together must not queue on SQLite's write lock to read
        existing = _existing_step(job_id, step_key)
        if existing is None:
            plan = _plan(team_id=team_id, campaign_id=campaign_id, content_type=content_type, platform=platform,
                         persona_id=persona_id, tone=tone, variant_of_id=variant_of_id,
                         variant_index=variant_index)
            usage.check_budget(team_id, config)
        db.session.commit()  # end the read before the slow call (and before any write)
    if existing is not None:
        return existing
    writer = writer_for(config)

    result = _call(writer, plan.brief, config, on_text)

    usage.record_usage(team_id=team_id, user_id=user_id, job_id=job_id, model=result.model,
                       prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens)
    brief = plan.brief
    item = ContentItem(team_id=team_id, campaign_id=plan.campaign_id, content_type=brief.content_type,
                       platform=brief.platform, status="draft", job_id=job_id, step_key=step_key)
    _apply(item, result, brief.include_visuals)
    if plan.variant_of_id is not None:
        group = plan.variant_group or str(uuid.uuid4())
        source = db.session.get(ContentItem, plan.variant_of_id)
        if source is not None and source.variant_group != group:
            source.variant_group = group  # the original is variant A of its group
        item.variant_group = group
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        # Another worker finished the same (job, step) while we were writing: keep theirs.
        existing = _existing_step(job_id, step_key)
        if existing is None:
            raise
        return existing
    return item


def rescore(item: ContentItem) -> None:
    """Recompute quality_score, score_breakdown and violations after a manual edit (no model call;
    a stale model critique is dropped). Flushes nothing: the caller's session carries the change."""
    campaign = db.session.get(Campaign, item.campaign_id)
    persona = db.session.get(Persona, campaign.persona_id) if campaign and campaign.persona_id else None
    brief = build_brief(campaign, persona, content_type=item.content_type, platform=item.platform) \
        if campaign is not None else Brief(content_type=item.content_type, platform=item.platform)
    piece = Piece(content_type=item.content_type, platform=item.platform,
                  **{k: getattr(item, k) or ([] if k in ("headlines", "descriptions", "hashtags") else "")
                     for k in PIECE_FIELDS},
                  visual_brief=item.visual_brief)
    piece.violations = platforms.check(piece, require_visual=False)
    item.violations = piece.violations
    item.quality_score, item.score_breakdown = score_piece(piece, brief)


def usage_this_month(team_id: int, config: Mapping | None = None) -> dict:
    """{prompt_tokens, completion_tokens, total, budget, remaining, resets_at} (see services.usage)."""
    return usage.usage_this_month(team_id, config)


def check_budget(team_id: int, config: Mapping | None = None) -> None:
    """Raise BudgetExceeded when the team's monthly tokens are spent (before any model call)."""
    usage.check_budget(team_id, config)


# --- what the views call ------------------------------------------------------------------------


def ai_status(actor: Actor, config: Mapping) -> dict:
    """Which writer is active, its model and host (never the key), whether it answers (a cheap
    check the writer caches briefly), the team's usage this month against its budget, and that
    batch-generate takes "async": true (the job system always runs it)."""
    status = writer_for(config).status()
    return {**status, "usage": usage.usage_this_month(actor.team_id, config), "async_batch": True}


def writer_summary(config: Mapping) -> dict:
    """{writer, model} without any network call (for page banners)."""
    writer = writer_for(config)
    return {"writer": writer.name, "model": writer.model}


def default_platform(content_type: str, campaign_platforms: list | None) -> str:
    """The campaign's first platform valid for the type, else the type's usual platform."""
    from .campaigns import DEFAULT_PLATFORM

    for p in campaign_platforms or []:
        if platforms.is_valid_platform(content_type, p):
            return p
    return DEFAULT_PLATFORM.get(content_type, "email")


def _count(value, field: str = "count") -> int:
    try:
        n = int(value if value is not None else 1)
    except (TypeError, ValueError):
        raise ValidationFailed("count must be a whole number.", {field: "Must be a whole number."}) from None
    if not 1 <= n <= usage.MAX_COUNT:
        raise ValidationFailed(f"count must be between 1 and {usage.MAX_COUNT}.",
                               {field: f"Between 1 and {usage.MAX_COUNT}."})
    return n


def _run(pieces: list[dict], actor: Actor, config: Mapping, on_text=None) -> list[ContentItem]:
    """Generate each piece; an AI failure becomes a 502/503 that says how many were saved."""
    items: list[ContentItem] = []
    for spec in pieces:
        try:
            items.append(generate_piece(team_id=actor.team_id, user_id=actor.user_id, config=config,
                                        on_text=on_text, **spec))
        except AIError as exc:
            if items:
                db.session.commit()  # keep what was written before the failure
            raise ai_error_to_service(exc, saved=len(items)) from exc
        except BudgetExceeded as exc:
            if not items:
                raise
            db.session.commit()
            raise BudgetExceeded(f"{exc.message} {len(items)} piece(s) written before the budget ran out "
                                 "were saved.", **exc.extra) from exc
    return items


def _bounded(actor: Actor, campaign_id: int, specs: list[dict], config: Mapping):
    from .sync_generation import generate_bounded

    # Refuse bad input (another team's or an archived persona, a spent budget) before any job row exists.
    persona_id = specs[0].get("persona_id") if specs else None
    if persona_id is not None:
        refuse_if_archived(_load_persona(actor.team_id, persona_id))
    usage.check_budget(actor.team_id, config)
    return generate_bounded(actor, campaign_id, specs, config)


def generate_content(actor: Actor, content_type: str, data: dict, config: Mapping):
    """POST /api/content/generate-{email,social,ad-copy} and the page's generate buttons.

    data: campaign_id, optional persona_id (override), platform, tone, count (1..5). Returns the
    items, or the still-running Job when they take longer than HERALD_SYNC_GENERATION_TIMEOUT
    (services.sync_generation)."""
    require_role(actor, "editor")
    campaign = _load_campaign(actor.team_id, data.get("campaign_id"))
    platform = data.get("platform") or default_platform(content_type, campaign.platforms)
    _check_pair(content_type, platform)
    count = _count(data.get("count"))
    spec = {"campaign_id": campaign.id, "content_type": content_type, "platform": platform,
            "persona_id": data.get("persona_id"), "tone": data.get("tone")}
    return _bounded(actor, campaign.id, [{**spec, "variant_index": i} for i in range(count)], config)


def generate_variations(actor: Actor, data: dict, config: Mapping):
    """n A/B variants of an existing item (content_id), all in the item's variant group (the
    items, or the running Job past the timeout, as generate_content).

    data: content_id, optional campaign_id (must match), persona_id, tone, count (1..5)."""
    require_role(actor, "editor")
    source = _load_item(actor.team_id, data.get("content_id"),
                        data.get("campaign_id") if data.get("campaign_id") is not None else None)
    count = _count(data.get("count"))
    spec = {"campaign_id": source.campaign_id, "content_type": source.content_type, "platform": source.platform,
            "persona_id": data.get("persona_id"), "tone": data.get("tone"), "variant_of_id": source.id}
    return _bounded(actor, source.campaign_id, [{**spec, "variant_index": i} for i in range(count)], config)


def _item_pairs(campaign: Campaign, items: list[dict]) -> list[tuple[str, str]]:
    """The batch's explicit items, each platform defaulted and checked against its type."""
    pairs = []
    for i, entry in enumerate(items):
        ct = entry["content_type"]
        pf = entry.get("platform") or default_platform(ct, campaign.platforms)
        try:
            _check_pair(ct, pf)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, {f"items.{i}": exc.message}) from None
        pairs.append((ct, pf))
    return pairs


def _grid_pairs(campaign: Campaign, types: list[str], chosen: list[str]) -> list[tuple[str, str]]:
    """Each content type × each chosen platform that fits it (or the type's default platform)."""
    unknown = [ct for ct in types if ct not in CONTENT_TYPES]
    if unknown:
        raise ValidationFailed(f"Unknown content type {unknown[0]!r}.", {"content_types": f"Unknown: {unknown[0]}"})
    pairs = []
    for ct in types or CONTENT_TYPES:
        fits = [p for p in chosen if platforms.is_valid_platform(ct, p)] if chosen else \
            [default_platform(ct, campaign.platforms)]
        pairs += [(ct, p) for p in fits]
    if not pairs:
        raise ValidationFailed("None of those platforms fits those content types.",
                               {"platforms": "No platform fits the chosen content types."})
    return pairs


def batch_pieces(actor: Actor, data: dict) -> tuple[Campaign, list[tuple[str, str]]]:
    """The (content_type, platform) pairs a batch writes: data["items"] if given, else
    content_types × platforms if given, else the campaign's planned pieces (typed data, BatchForm)."""
    from .campaigns import planned_pieces

    campaign = _load_campaign(actor.team_id, data.get("campaign_id"))
    if data.get("items"):
        pairs = _item_pairs(campaign, data["items"])
    elif data.get("content_types") or data.get("platforms"):
        pairs = _grid_pairs(campaign, data.get("content_types") or [], data.get("platforms") or [])
    else:
        pairs = planned_pieces(campaign)
    if len(pairs) > usage.MAX_BATCH:
        raise ValidationFailed(f"A batch writes at most {usage.MAX_BATCH} pieces; this asks for {len(pairs)}.",
                               {"items": f"At most {usage.MAX_BATCH}."})
    return campaign, pairs


def batch_generate(actor: Actor, data: dict, config: Mapping) -> list[ContentItem]:
    """Several types/platforms for a campaign, written now (synchronously), one item per pair.

    data: campaign_id, optional persona_id, tone, and items [{content_type, platform}] or
    content_types/platforms; without them the campaign's planned pieces."""
    require_role(actor, "editor")
    campaign, pairs = batch_pieces(actor, data)
    specs = [{"campaign_id": campaign.id, "content_type": ct, "platform": pf,
              "persona_id": data.get("persona_id"), "tone": data.get("tone")} for ct, pf in pairs]
    return _run(specs, actor, config)


def regenerate_content(actor: Actor, campaign_id, item_id, config: Mapping,
                       on_text: Callable[[str], None] | None = None) -> ContentItem:
    """Rewrite an existing item in place (same type, platform and persona; new copy, new score).
    The item keeps its id, so A/B tests pointing at it stay intact; its status returns to draft."""
    require_role(actor, "editor")
    item = _load_item(actor.team_id, item_id, campaign_id)
    plan = _plan(team_id=actor.team_id, campaign_id=item.campaign_id, content_type=item.content_type,
                 platform=item.platform, persona_id=None, tone=None, variant_of_id=None, variant_index=0)
    item_key = item.id
    usage.check_budget(actor.team_id, config)
    writer = writer_for(config)
    db.session.commit()
    try:
        result = _call(writer, plan.brief, config, on_text)
    except AIError as exc:
        raise ai_error_to_service(exc) from exc
    usage.record_usage(team_id=actor.team_id, user_id=actor.user_id, job_id=None, model=result.model,
                       prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens)
    item = db.session.get(ContentItem, item_key)
    if item is None:
        raise NotFound("Content item not found (it was deleted while being rewritten)")
    _apply(item, result, plan.brief.include_visuals)
    item.status = "draft"
    db.session.flush()
    return item


__all__ = [
    "AIError", "AIProviderError", "AIUnavailable", "PermanentAIError", "TransientAIError", "ai_error_to_service",
    "ai_status", "batch_generate", "build_brief", "check_budget",
    "generate_content", "generate_piece", "generate_variations", "regenerate_content", "rescore",
    "usage_this_month", "writer_for", "writer_summary",
]
