"""Campaigns: the seed's Campaign schema, its rules, team-scoped CRUD, and the briefs jobs need."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, is_valid_platform
from ..extensions import db
from ..models import (
    ACTIVE_JOB_STATUSES,
    CAMPAIGN_STATUSES,
    CONTENT_TYPES,
    OBJECTIVES,
    PLATFORMS,
    Campaign,
    Job,
    Persona,
)
from ..models._types import utcnow
from .access import Actor, get_scoped, require_role, row_id
from .currencies import is_currency
from .errors import Conflict, NotFound, ValidationFailed
from .pagination import BadQuery, Page, paginate

# Status changes a person may make (jobs use set_status_by_system). Same-status is always fine.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"active", "generating"},
    "active": {"completed", "draft", "generating"},
    "generating": {"completed", "failed", "active", "draft"},
    "completed": {"active"},
    "failed": {"draft", "active", "generating"},
}
# Statuses only Herald sets: "generating" while a job writes, "failed" when it gave up.
SYSTEM_STATUSES = frozenset({"generating", "failed"})
MANUAL_STATUSES = tuple(s for s in CAMPAIGN_STATUSES if s not in SYSTEM_STATUSES)

MAX_BUDGET = Decimal("999999999999.99")  # the column holds 14 digits with 2 decimals: 1e12 does not fit
TEXT_LIMITS: dict[str, tuple[int, str]] = {
    "name": (120, "Name"),
    "description": (5000, "Description"),
    "tone": (60, "Tone"),
    "keywords": (1000, "Keywords"),
    "custom_instructions": (4000, "Custom instructions"),
}
FIELDS = (
    "persona_id", "name", "description", "objective", "status", "budget", "currency", "start_date",
    "end_date", "tone", "keywords", "content_types", "platforms", "creativity_level", "include_visuals",
    "custom_instructions",
)
SETTINGS_FIELDS = ("content_types", "platforms", "creativity_level", "include_visuals", "custom_instructions")
# A new campaign's values for keys the caller leaves out.
DEFAULTS: dict = {
    "name": "", "description": "", "objective": "awareness", "status": "draft", "budget": Decimal("0"),
    "currency": "USD", "start_date": None, "end_date": None, "tone": "", "keywords": "",
    "content_types": [], "platforms": [], "creativity_level": 5, "include_visuals": False,
    "custom_instructions": "", "persona_id": None,
}
SORTS = {
    "name": (func.lower(Campaign.name),),
    "created_at": (Campaign.created_at,),
    "updated_at": (Campaign.updated_at,),
    "start_date": (Campaign.start_date,),
    "budget": (Campaign.budget,),
}
SORT_CHOICES = tuple(s for key in SORTS for s in (key, "-" + key))

# What a full generation writes when the campaign names no content types or platforms.
DEFAULT_PIECES: dict[str, list[tuple[str, str]]] = {
    "awareness": [("social_post", "linkedin"), ("social_post", "twitter"), ("social_post", "instagram"),
                  ("ad_copy", "meta_ads")],
    "consideration": [("email", "email"), ("social_post", "linkedin"), ("ad_copy", "linkedin")],
    "conversion": [("email", "email"), ("ad_copy", "google_ads"), ("ad_copy", "meta_ads")],
}
DEFAULT_PLATFORM = {"email": "email", "social_post": "linkedin", "ad_copy": "google_ads"}


# --- rules (pure) -----------------------------------------------------------------------------

def split_keywords(keywords) -> list[str]:
    """'a, b,,c' → ['a', 'b', 'c']; a list is accepted as is."""
    if isinstance(keywords, (list, tuple)):
        parts = [str(k) for k in keywords]
    else:
        parts = str(keywords or "").split(",")
    return [p.strip() for p in parts if p.strip()]


def _to_date(value):
    """None, a date, or an ISO string (a JavaScript ISO datetime is cut to its date)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10] if "T" in text else text)
        except ValueError:
            pass
    raise ValueError("Use a date like 2025-03-31.")


def normalise(data: dict) -> tuple[dict, dict[str, str]]:
    """Coerce the keys present in `data` to the model's Python types. Returns (clean, errors).

    Accepts what forms and JSON give: Decimal/int/float/numeric strings for budget, ISO strings or
    dates for dates, a list or a comma string for keywords. Wrong types become field errors.
    """
    clean: dict = {}
    errors: dict[str, str] = {}
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        try:
            if key in TEXT_LIMITS:
                if key == "keywords" and isinstance(value, (list, tuple)):
                    if not all(isinstance(k, str) for k in value):
                        raise ValueError("Keywords must be text or a list of text.")
                    value = ", ".join(split_keywords(value))
                if value is None:
                    value = ""
                if not isinstance(value, str):
                    raise ValueError(f"{TEXT_LIMITS[key][1]} must be text.")
                value = value.strip()
            elif key in ("objective", "status", "currency"):
                if not isinstance(value, str):
                    raise ValueError("Must be text.")
                value = value.strip().upper() if key == "currency" else value.strip().lower()
            elif key == "budget":
                if value is None or value == "":
                    value = Decimal("0")
                elif isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
                    raise ValueError("Budget must be a number.")
                else:
                    try:
                        value = Decimal(str(value).strip())
                    except InvalidOperation:
                        raise ValueError("Budget must be a number.") from None
                    if not value.is_finite():
                        raise ValueError("Budget must be a finite number.")
            elif key in ("start_date", "end_date"):
                value = _to_date(value)
            elif key == "persona_id":
                if value in (None, ""):
                    value = None
                elif row_id(value) is None:  # also refuses booleans and ids past the column's range
                    raise ValueError("Choose one of your team's personas.")
                else:
                    value = row_id(value)
            elif key in ("content_types", "platforms"):
                if value is None:
                    value = []
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise ValueError("Must be a list of names.")
                value = list(dict.fromkeys(v.strip() for v in value if v.strip()))
            elif key == "creativity_level":
                if value is None or value == "":
                    value = 5
                elif isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
                    raise ValueError("Creativity must be a whole number from 1 to 10.")
                else:
                    try:
                        value = int(value)
                    except (TypeError, ValueError):
                        raise ValueError("Creativity must be a whole number from 1 to 10.") from None
            elif key == "include_visuals":
                if value is None:
                    value = False
                if not isinstance(value, bool):
                    raise ValueError("Must be true or false.")
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        clean[key] = value
    return clean, errors


def check_campaign(data: dict) -> dict[str, str]:
    """Field errors for a full, normalised campaign dict (pure: no database). The forms, the
    services and the unit tests all use this one function."""
    errors: dict[str, str] = {}
    for key, (limit, label) in TEXT_LIMITS.items():
        value = data.get(key) or ""
        if len(value) > limit:
            errors[key] = f"{label} must be at most {limit:,} characters (it has {len(value):,})."
    if "name" not in errors and not (data.get("name") or "").strip():
        errors["name"] = "Name is required."
    if data.get("objective") not in OBJECTIVES:
        errors["objective"] = f"Objective must be one of {', '.join(OBJECTIVES)}."
    if data.get("status") not in CAMPAIGN_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(MANUAL_STATUSES)}."
    budget = data.get("budget", Decimal("0"))
    budget = Decimal(str(budget)) if budget is not None and not isinstance(budget, Decimal) else budget
    if budget is None or budget < 0:
        errors["budget"] = "Budget cannot be negative."
    elif budget > MAX_BUDGET:
        errors["budget"] = "Budget must be less than 1,000,000,000,000."
    elif budget != budget.quantize(Decimal("0.01")):
        errors["budget"] = "Budget can have at most two decimal places."
    if not is_currency(data.get("currency")):
        errors["currency"] = "Currency must be an ISO 4217 code such as USD, EUR or GBP."
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        errors["end_date"] = "The end date must be on or after the start date."
    level = data.get("creativity_level", 5)
    if not isinstance(level, int) or not 1 <= level <= 10:
        errors["creativity_level"] = "Creativity must be a whole number from 1 to 10."
    types = data.get("content_types") or []
    platforms = data.get("platforms") or []
    unknown_types = [t for t in types if t not in CONTENT_TYPES]
    if unknown_types:
        errors["content_types"] = f"Unknown content type {unknown_types[0]!r}; choose from {', '.join(CONTENT_TYPES)}."
    unknown_platforms = [p for p in platforms if p not in PLATFORMS]
    if unknown_platforms:
        errors["platforms"] = f"Unknown platform {unknown_platforms[0]!r}; choose from {', '.join(PLATFORMS)}."
    elif types and platforms and not unknown_types:
        stray = [p for p in platforms if not any(is_valid_platform(t, p) for t in types)]
        if stray:
            errors["platforms"] = (
                f"{stray[0]} does not fit the chosen content types ({', '.join(types)})."
            )
        else:
            lonely = [t for t in types if not any(is_valid_platform(t, p) for p in platforms)]
            if lonely:
                fits = ", ".join(CONTENT_TYPE_PLATFORMS[lonely[0]])
                errors["platforms"] = f"Add a platform for {lonely[0]} content (one of: {fits})."
    return errors


def transition_problem(old: str, new: str) -> str | None:
    """Why a person may not move a campaign from `old` to `new` status (None = allowed)."""
    if old == new:
        return None
    if new == "generating":
        return "Herald sets “generating” itself while it writes; start a generation instead."
    if new == "failed":
        return "“failed” is set by Herald when a generation gives up."
    if new not in ALLOWED_TRANSITIONS.get(old, set()):
        allowed = sorted(s for s in ALLOWED_TRANSITIONS.get(old, set()) if s not in SYSTEM_STATUSES)
        hint = f"; it can become {', '.join(allowed)}" if allowed else ""
        return f"A {old} campaign cannot go to {new}{hint}."
    return None


# --- loading ----------------------------------------------------------------------------------

def _check_persona(actor: Actor, persona_id: int | None, *, current: int | None) -> Persona | None:
    """The team's persona for a newly chosen id (ValidationFailed if foreign, missing or archived)."""
    if persona_id is None or persona_id == current:
        return None
    persona = db.session.scalar(
        select(Persona).where(Persona.id == persona_id, Persona.team_id == actor.team_id)
    )
    if persona is None:
        raise ValidationFailed("Choose one of your team's personas.", {"persona_id": "No such persona in your team."})
    if persona.archived_at is not None:
        raise ValidationFailed(
            "That persona is archived; restore it first to target it.",
            {"persona_id": "This persona is archived."},
        )
    return persona


def list_campaigns(actor: Actor, *, q=None, status=None, objective=None, persona_id=None,
                   sort="-updated_at", page=1, per_page=20) -> Page:
    """A page of the team's campaigns, each with `.persona` loaded in the same query (no N+1).

    q searches name, description and keywords; status/objective/persona_id filter; sort is one of
    SORT_CHOICES. Unknown filter or sort values raise BadQuery (400) naming the parameter.
    """
    stmt = (
        select(Campaign)
        .outerjoin(Persona, and_(Persona.id == Campaign.persona_id, Persona.team_id == Campaign.team_id))
        .options(contains_eager(Campaign.persona))
        .where(Campaign.team_id == actor.team_id)
    )
    if q is not None and str(q).strip():
        pattern = "%" + _escape_like(str(q).strip()) + "%"
        stmt = stmt.where(or_(
            Campaign.name.ilike(pattern, escape="\\"),
            Campaign.description.ilike(pattern, escape="\\"),
            Campaign.keywords.ilike(pattern, escape="\\"),
        ))
    if status not in (None, ""):
        if status not in CAMPAIGN_STATUSES:
            raise BadQuery(f"Unknown status {status!r}.", {"status": f"Use one of {', '.join(CAMPAIGN_STATUSES)}."})
        stmt = stmt.where(Campaign.status == status)
    if objective not in (None, ""):
        if objective not in OBJECTIVES:
            raise BadQuery(f"Unknown objective {objective!r}.", {"objective": f"Use one of {', '.join(OBJECTIVES)}."})
        stmt = stmt.where(Campaign.objective == objective)
    if persona_id not in (None, ""):
        pid = row_id(persona_id)
        if pid is None:
            raise BadQuery("personaId must be a persona id.", {"persona_id": "Must be a persona id."})
        stmt = stmt.where(Campaign.persona_id == pid)
    sort = sort or "-updated_at"
    if sort not in SORT_CHOICES:
        raise BadQuery(f"Unknown sort {sort!r}.", {"sort": f"Use one of {', '.join(SORT_CHOICES)}."})
    columns = SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        order = [c.desc() for c in columns] + [Campaign.id.desc()]
    else:
        order = [c.asc() for c in columns] + [Campaign.id.asc()]
    return paginate(stmt.order_by(*order), page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_campaign(actor: Actor, campaign_id) -> Campaign:
    """The team's campaign with persona, content items and A/B tests loaded (3 queries, any size).
    NotFound for missing ids and other teams' ids alike."""
    key = row_id(campaign_id)
    if key is None:
        raise NotFound("Campaign not found")
    campaign = db.session.scalar(
        select(Campaign)
        .where(Campaign.id == key, Campaign.team_id == actor.team_id)
        .options(joinedload(Campaign.persona), selectinload(Campaign.content_items),
                 selectinload(Campaign.ab_tests))
        .execution_options(populate_existing=True)
    )
    if campaign is None:
        raise NotFound("Campaign not found")
    return campaign


def get_campaign_row(actor: Actor, campaign_id) -> Campaign:
    """The team's campaign alone (one query, nothing eager); NotFound otherwise."""
    return get_scoped(Campaign, campaign_id, actor, what="Campaign")


# --- writing ----------------------------------------------------------------------------------

def _raise(errors: dict[str, str]) -> None:
    if errors:
        first = next(iter(errors.values()))
        message = first if len(errors) == 1 else f"Please correct {len(errors)} fields: {first}"
        raise ValidationFailed(message, errors)


def create_campaign(actor: Actor, data: dict) -> Campaign:
    """Create a campaign from a flat snake_case dict (generation settings are top-level keys).
    Raises Forbidden (viewer) or ValidationFailed with field errors."""
    require_role(actor, "editor")
    clean, errors = normalise(data)
    merged = {**DEFAULTS, **clean}
    errors = {**check_campaign(merged), **errors}
    if "status" not in errors and merged["status"] in SYSTEM_STATUSES:
        errors["status"] = f"A new campaign starts as one of {', '.join(MANUAL_STATUSES)}."
    _raise(errors)
    persona = _check_persona(actor, merged["persona_id"], current=None)
    campaign = Campaign(team_id=actor.team_id, user_id=actor.user_id, **merged)
    campaign.persona = persona  # loaded, so the answer can name it without another query
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(actor: Actor, campaign_id, data: dict) -> Campaign:
    """Partial update: only keys present in `data` change, and the merged campaign must satisfy
    every rule. Status changes follow ALLOWED_TRANSITIONS (ValidationFailed on fields.status)."""
    require_role(actor, "editor")
    campaign = get_campaign(actor, campaign_id)
    clean, errors = normalise(data)
    current = {key: getattr(campaign, key) for key in FIELDS}
    merged = {**current, **clean}
    errors = {**check_campaign(merged), **errors}
    if "status" in clean and "status" not in errors:
        problem = transition_problem(campaign.status, clean["status"])
        if problem:
            errors["status"] = problem
    _raise(errors)
    _check_persona(actor, merged["persona_id"], current=campaign.persona_id)
    for key, value in clean.items():
        if getattr(campaign, key) != value:
            setattr(campaign, key, value)
    if "persona_id" in clean:
        # Keep the loaded relationship in step with the id so the answer shows the new persona.
        campaign.persona = db.session.get(Persona, clean["persona_id"]) if clean["persona_id"] else None
    db.session.flush()
    return campaign


def delete_campaign(actor: Actor, campaign_id) -> None:
    """Delete a campaign with its content and A/B tests. Conflict while a job is writing it."""
    require_role(actor, "editor")
    campaign = get_campaign_row(actor, campaign_id)
    running = db.session.scalar(
        select(Job.id).where(Job.campaign_id == campaign.id, Job.status.in_(ACTIVE_JOB_STATUSES)).limit(1)
    )
    if running or campaign.status == "generating":
        raise Conflict(
            "Herald is generating content for this campaign; cancel the job or wait for it to finish "
            "before deleting.",
            job_id=running,
        )
    # Bulk deletes: the rows cascade in the database, and the lazy="raise" collections stay unloaded.
    from ..models import ABTest, ContentItem

    db.session.execute(ABTest.__table__.delete().where(ABTest.campaign_id == campaign.id))
    db.session.execute(ContentItem.__table__.delete().where(ContentItem.campaign_id == campaign.id))
    db.session.execute(Campaign.__table__.delete().where(Campaign.id == campaign.id))
    db.session.expunge(campaign)
    db.session.flush()


def set_status_by_system(campaign_id: int, status: str) -> None:
    """For jobs: set any known status (generating/completed/failed …) without an actor or the
    transition table. Missing campaigns are ignored (deleted while the job ran)."""
    if status not in CAMPAIGN_STATUSES:
        raise ValueError(f"unknown campaign status {status!r}")
    db.session.execute(
        Campaign.__table__.update().where(Campaign.id == campaign_id)
        .values(status=status, updated_at=utcnow())
    )
    db.session.flush()


# --- views of a campaign ----------------------------------------------------------------------

def _loaded(obj, attr: str) -> bool:
    return attr not in inspect(obj).unloaded


def campaign_to_dict(campaign: Campaign, *, persona=None, content=None, ab_tests=None) -> dict:
    """snake_case dict of a campaign with nested `generation_settings`, `persona_id`,
    `persona_name`, and `content` / `ab_tests` lists when given (or already loaded)."""
    from .content import ab_test_to_dict, content_to_dict

    if persona is None and _loaded(campaign, "persona"):
        persona = campaign.persona
    out = {
        "id": campaign.id,
        "user_id": campaign.user_id,
        "persona_id": campaign.persona_id,
        "persona_name": persona.name if persona is not None else None,
        "name": campaign.name,
        "description": campaign.description or "",
        "objective": campaign.objective,
        "status": campaign.status,
        "budget": campaign.budget if campaign.budget is not None else Decimal("0"),
        "currency": campaign.currency,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "tone": campaign.tone or "",
        "keywords": campaign.keywords or "",
        "generation_settings": {
            "content_types": list(campaign.content_types or []),
            "platforms": list(campaign.platforms or []),
            "creativity_level": campaign.creativity_level,
            "include_visuals": bool(campaign.include_visuals),
            "custom_instructions": campaign.custom_instructions or "",
        },
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }
    if content is None and _loaded(campaign, "content_items"):
        content = campaign.content_items
    if content is not None:
        out["content"] = [content_to_dict(item) for item in content]
    if ab_tests is None and _loaded(campaign, "ab_tests"):
        ab_tests = campaign.ab_tests
    if ab_tests is not None:
        out["ab_tests"] = [ab_test_to_dict(t) for t in ab_tests]
    return out


def campaign_brief(campaign: Campaign) -> dict:
    """The dict webapp.ai's Brief.campaign expects."""
    return {
        "name": campaign.name,
        "description": campaign.description or "",
        "objective": campaign.objective,
        "tone": campaign.tone or "",
        "keywords": split_keywords(campaign.keywords),
        "start_date": campaign.start_date.isoformat() if campaign.start_date else None,
        "end_date": campaign.end_date.isoformat() if campaign.end_date else None,
        "custom_instructions": campaign.custom_instructions or "",
        "include_visuals": bool(campaign.include_visuals),
        "creativity_level": campaign.creativity_level,
    }


def planned_pieces(campaign: Campaign) -> list[tuple[str, str]]:
    """(content_type, platform) pairs a full generation writes: each chosen content type × each
    chosen platform valid for it. With no types and no platforms, a default per objective; with
    types only, each type's usual platform; with platforms only, every type those platforms fit."""
    types = [t for t in (campaign.content_types or []) if t in CONTENT_TYPES]
    platforms = [p for p in (campaign.platforms or []) if p in PLATFORMS]
    if not types and not platforms:
        return list(DEFAULT_PIECES.get(campaign.objective, DEFAULT_PIECES["awareness"]))
    if not platforms:
        return [(t, DEFAULT_PLATFORM[t]) for t in types]
    if not types:
        types = [t for t in CONTENT_TYPES if any(is_valid_platform(t, p) for p in platforms)]
    return [(t, p) for t in types for p in platforms if is_valid_platform(t, p)]
