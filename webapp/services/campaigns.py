"""Campaigns: the seed's Campaign schema, its rules, team-scoped CRUD, and the briefs jobs need."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db
from ..models import ACTIVE_JOB_STATUSES, CAMPAIGN_STATUSES, OBJECTIVES, Campaign, Job, Persona
from .access import Actor, get_scoped, require_role, row_id
from .campaign_rules import (  # noqa: F401  (the rules are part of this service's interface)
    ALLOWED_TRANSITIONS,
    DEFAULT_PIECES,
    DEFAULT_PLATFORM,
    DEFAULTS,
    FIELDS,
    MANUAL_STATUSES,
    MAX_BUDGET,
    SETTINGS_FIELDS,
    SYSTEM_STATUSES,
    check_campaign,
    manual_status_choices,
    planned_pieces,
    split_keywords,
    transition_problem,
)
from .errors import Conflict, NotFound, ValidationFailed, raise_for
from .jobs.campaign_status import refuse_status_change_while_generating
from .pagination import BadQuery, Page, paginate
from .personas import refuse_if_archived

SORTS = {
    "name": (func.lower(Campaign.name),),
    "created_at": (Campaign.created_at,),
    "updated_at": (Campaign.updated_at,),
    "start_date": (Campaign.start_date,),
    "budget": (Campaign.budget,),
}
SORT_CHOICES = tuple(s for key in SORTS for s in (key, "-" + key))

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
    return refuse_if_archived(persona)


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


def get_campaign(actor: Actor, campaign_id, *, ab_tests: bool = True) -> Campaign:
    """The team's campaign with persona, content items and (unless ab_tests=False, for pages that
    show none) A/B tests loaded (2-3 queries, any size). NotFound for missing ids and other teams'
    ids alike."""
    key = row_id(campaign_id)
    if key is None:
        raise NotFound("Campaign not found")
    campaign = db.session.scalar(
        select(Campaign)
        .where(Campaign.id == key, Campaign.team_id == actor.team_id)
        .options(joinedload(Campaign.persona), selectinload(Campaign.content_items),
                 *([selectinload(Campaign.ab_tests)] if ab_tests else []))
        .execution_options(populate_existing=True)
    )
    if campaign is None:
        raise NotFound("Campaign not found")
    return campaign


def get_campaign_row(actor: Actor, campaign_id) -> Campaign:
    """The team's campaign alone (one query, nothing eager); NotFound otherwise."""
    return get_scoped(Campaign, campaign_id, actor, what="Campaign")


# --- writing ----------------------------------------------------------------------------------

def create_campaign(actor: Actor, data: dict) -> Campaign:
    """Create a campaign from typed, flat snake_case data (CampaignForm.to_data; generation settings
    are top-level keys). Raises Forbidden (viewer) or ValidationFailed with field errors."""
    require_role(actor, "editor")
    merged = {**DEFAULTS, **{key: data[key] for key in FIELDS if key in data}}
    errors = check_campaign(merged)
    if "status" not in errors and merged["status"] in SYSTEM_STATUSES:
        errors["status"] = f"A new campaign starts as one of {', '.join(MANUAL_STATUSES)}."
    raise_for(errors)
    persona = _check_persona(actor, merged["persona_id"], current=None)
    campaign = Campaign(team_id=actor.team_id, user_id=actor.user_id, **merged)
    campaign.persona = persona  # loaded, so the answer can name it without another query
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(actor: Actor, campaign_id, data: dict) -> Campaign:
    """Partial update: only keys present in `data` change, and the merged campaign must satisfy
    every rule. Status changes follow ALLOWED_TRANSITIONS (ValidationFailed on fields.status), and
    none is made while a job generates the campaign (Conflict with the job's id)."""
    require_role(actor, "editor")
    campaign = get_campaign(actor, campaign_id)
    clean = {key: data[key] for key in FIELDS if key in data}
    refuse_status_change_while_generating(campaign, clean.get("status"))
    merged = {**{key: getattr(campaign, key) for key in FIELDS}, **clean}
    errors = check_campaign(merged)
    if "status" in clean and "status" not in errors:
        problem = transition_problem(campaign.status, clean["status"])
        if problem:
            errors["status"] = problem
    raise_for(errors)
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
            job_id=running,  # the API edge spells it jobId, like every field
        )
    # Bulk deletes: the rows cascade in the database, and the lazy="raise" collections stay unloaded.
    from ..models import ABTest, ContentItem

    db.session.execute(ABTest.__table__.delete().where(ABTest.campaign_id == campaign.id))
    db.session.execute(ContentItem.__table__.delete().where(ContentItem.campaign_id == campaign.id))
    db.session.execute(Campaign.__table__.delete().where(Campaign.id == campaign.id))
    db.session.expunge(campaign)
    db.session.flush()


# --- views of a campaign ----------------------------------------------------------------------

def _loaded(obj, attr: str) -> bool:
    return attr not in inspect(obj).unloaded


def _settings_dict(campaign: Campaign) -> dict:
    return {
        "content_types": list(campaign.content_types or []),
        "platforms": list(campaign.platforms or []),
        "creativity_level": campaign.creativity_level,
        "include_visuals": bool(campaign.include_visuals),
        "custom_instructions": campaign.custom_instructions or "",
    }


def _related(campaign: Campaign, attr: str, given, convert) -> list[dict] | None:
    """A related list as dicts: the one given, else the loaded one, else None (not loaded)."""
    if given is None and _loaded(campaign, attr):
        given = getattr(campaign, attr)
    return None if given is None else [convert(row) for row in given]


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
        "generation_settings": _settings_dict(campaign),
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }
    related = {"content": _related(campaign, "content_items", content, content_to_dict),
               "ab_tests": _related(campaign, "ab_tests", ab_tests, ab_test_to_dict)}
    out.update((key, rows) for key, rows in related.items() if rows is not None)
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
