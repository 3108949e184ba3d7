"""Personas: who a campaign speaks to. Team-scoped CRUD, archive instead of delete when in use."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import PLATFORMS, Campaign, Persona
from .access import Actor, get_scoped, require_role
from .errors import Conflict, ValidationFailed, raise_for
from .field_limits import PERSONA
from .pagination import Page, paginate

FIELDS = (*PERSONA, "preferred_channels")


def check_persona(data: dict) -> dict[str, str]:
    """Field errors for a full, typed persona dict (pure; the form and the service both call it)."""
    errors = {key: problem for key, rule in PERSONA.items() if (problem := rule.too_long(data.get(key)))}
    if "name" not in errors and not (data.get("name") or "").strip():
        errors["name"] = "Name is required."
    unknown = [c for c in data.get("preferred_channels") or [] if c not in PLATFORMS]
    if unknown:
        errors["preferred_channels"] = f"Unknown channel {unknown[0]!r}; choose from {', '.join(PLATFORMS)}."
    return errors


def _validate(merged: dict) -> None:
    raise_for(check_persona(merged))


def list_personas(actor: Actor, *, include_archived: bool = False) -> list[Persona]:
    """All personas of the actor's team, by name (archived ones only when asked)."""
    stmt = select(Persona).where(Persona.team_id == actor.team_id)
    if not include_archived:
        stmt = stmt.where(Persona.archived_at.is_(None))
    return list(db.session.scalars(stmt.order_by(func.lower(Persona.name), Persona.id)))


def search_personas(actor: Actor, *, q: str | None = None, include_archived: bool = False,
                    page=1, per_page=20) -> Page:
    """A page of the team's personas, optionally matching `q` in name or role."""
    stmt = select(Persona).where(Persona.team_id == actor.team_id)
    if not include_archived:
        stmt = stmt.where(Persona.archived_at.is_(None))
    if q and q.strip():
        pattern = "%" + _escape_like(q.strip()) + "%"
        stmt = stmt.where(or_(Persona.name.ilike(pattern, escape="\\"), Persona.role.ilike(pattern, escape="\\")))
    return paginate(stmt.order_by(func.lower(Persona.name), Persona.id), page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_persona(actor: Actor, persona_id) -> Persona:
    """The team's persona, or NotFound (missing and other teams' ids alike)."""
    return get_scoped(Persona, persona_id, actor, what="Persona")


def refuse_if_archived(persona: Persona) -> Persona:
    """The one rule for aiming at a persona (a campaign's persona, a generation's override): an
    archived one is refused with ValidationFailed on persona_id. Returns the persona."""
    if persona.archived_at is not None:
        raise ValidationFailed("That persona is archived; restore it first to target it.",
                               {"persona_id": "This persona is archived."})
    return persona


def create_persona(actor: Actor, data: dict) -> Persona:
    """Create a persona from typed snake_case data (PersonaForm.to_data).
    Raises Forbidden (viewer) or ValidationFailed."""
    require_role(actor, "editor")
    clean = {key: data[key] for key in FIELDS if key in data}
    _validate(clean)
    persona = Persona(team_id=actor.team_id, **clean)
    db.session.add(persona)
    db.session.flush()
    return persona


def update_persona(actor: Actor, persona_id, data: dict) -> Persona:
    """Change only the keys present in `data`; the result must still be a valid persona."""
    require_role(actor, "editor")
    persona = get_persona(actor, persona_id)
    clean = {key: data[key] for key in FIELDS if key in data}
    merged = {**persona_to_dict(persona), **clean}
    _validate(merged)
    for key, value in clean.items():
        setattr(persona, key, value)
    db.session.flush()
    return persona


def campaigns_using(actor: Actor, persona_id: int) -> int:
    """How many of the team's campaigns target this persona."""
    return db.session.scalar(
        select(func.count()).select_from(Campaign)
        .where(Campaign.team_id == actor.team_id, Campaign.persona_id == persona_id)
    ) or 0


def persona_usage(actor: Actor) -> dict[int, int]:
    """persona id → number of campaigns using it, for the whole team in one GROUP BY query."""
    rows = db.session.execute(
        select(Campaign.persona_id, func.count()).where(
            Campaign.team_id == actor.team_id, Campaign.persona_id.is_not(None)
        ).group_by(Campaign.persona_id)
    )
    return {pid: n for pid, n in rows}


def delete_persona(actor: Actor, persona_id) -> None:
    """Delete a persona. Conflict while any campaign targets it (archive it instead)."""
    require_role(actor, "editor")
    persona = get_persona(actor, persona_id)
    used = campaigns_using(actor, persona.id)
    if used:
        noun = "campaign uses" if used == 1 else "campaigns use"
        raise Conflict(
            f"{used} {noun} this persona, so it cannot be deleted. Archive it instead: archived personas "
            "stay on their campaigns but are not offered for new ones.",
            {"id": f"Used by {used} {noun.split()[0]}."},
            campaigns=used,
        )
    db.session.delete(persona)
    db.session.flush()


def set_archived(actor: Actor, persona_id, archived: bool) -> Persona:
    """Archive (hide from new campaigns) or restore a persona; idempotent."""
    require_role(actor, "editor")
    persona = get_persona(actor, persona_id)
    if archived and persona.archived_at is None:
        persona.archived_at = datetime.now(UTC)
    elif not archived:
        persona.archived_at = None
    db.session.flush()
    return persona


def archive_persona(actor: Actor, persona_id) -> Persona:
    """Archive a persona (see set_archived)."""
    return set_archived(actor, persona_id, True)


def unarchive_persona(actor: Actor, persona_id) -> Persona:
    """Restore an archived persona (see set_archived)."""
    return set_archived(actor, persona_id, False)


def persona_brief(persona: Persona) -> dict:
    """The dict webapp.ai's Brief.persona expects: the persona's fields, text empty rather than None."""
    out = {key: getattr(persona, key) or "" for key in PERSONA}
    out["preferred_channels"] = list(persona.preferred_channels or [])
    return out


def persona_to_dict(persona: Persona) -> dict:
    """snake_case, JSON-ready (datetimes stay datetimes; the wire module formats them)."""
    return {
        "id": persona.id,
        **persona_brief(persona),
        "archived": persona.archived_at is not None,
        "archived_at": persona.archived_at,
        "created_at": persona.created_at,
        "updated_at": persona.updated_at,
    }
