"""Who is acting, in which team, with which role — and the team-scoped loader."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from ..extensions import db
from .errors import Forbidden, NotFound

T = TypeVar("T")

ROLE_RANK = {"viewer": 0, "editor": 1, "owner": 2}


@dataclass(frozen=True)
class Actor:
    """The user acting, the team they act in, and their role there."""

    user_id: int
    team_id: int
    role: str

    @property
    def can_edit(self) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK["editor"]

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def require_role(actor: Actor, role: str) -> None:
    """Raise Forbidden unless the actor's role is at least `role`."""
    if ROLE_RANK.get(actor.role, -1) < ROLE_RANK[role]:
        raise Forbidden(f"Your role ({actor.role}) cannot do this; it needs {role} or owner.")


def get_scoped(model: type[T], object_id, actor: Actor, *, what: str | None = None) -> T:
    """Load `model` by id within the actor's team. Raises NotFound for a missing id or another
    team's id alike, so ids of other teams leak nothing."""
    try:
        key = int(object_id) if model.__table__.c.id.type.python_type is int else str(object_id)
    except (TypeError, ValueError):
        raise NotFound(f"{what or model.__name__} not found") from None
    obj = db.session.scalar(select(model).where(model.id == key, model.team_id == actor.team_id))
    if obj is None:
        raise NotFound(f"{what or model.__name__} not found")
    return obj
