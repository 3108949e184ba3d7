"""Who is acting, in which team, with which role — and the team-scoped loader."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from ..extensions import db
from .errors import Forbidden, NotFound

T = TypeVar("T")

ROLE_RANK = {"viewer": 0, "editor": 1, "owner": 2}
# Row ids are INTEGER columns (int4 on PostgreSQL): a number outside this range names no row, and must
# not reach the driver (SQLite raises OverflowError, PostgreSQL "integer out of range").
MAX_ROW_ID = 2**31 - 1


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


def row_id(value) -> int | None:
    """`value` (an int or a numeric string) as a row id, or None when it cannot name a row: not a whole
    number, a boolean, or outside 1..MAX_ROW_ID. Callers turn None into their NotFound or field error."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value) if not isinstance(value, str) else int(value.strip())
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(value, float) and value != number:
        return None
    return number if 1 <= number <= MAX_ROW_ID else None


def get_scoped(model: type[T], object_id, actor: Actor, *, what: str | None = None) -> T:
    """Load `model` by id within the actor's team. Raises NotFound for a missing id or another
    team's id alike, so ids of other teams leak nothing."""
    key = row_id(object_id) if model.__table__.c.id.type.python_type is int else str(object_id)
    if key is None:
        raise NotFound(f"{what or model.__name__} not found")
    obj = db.session.scalar(select(model).where(model.id == key, model.team_id == actor.team_id))
    if obj is None:
        raise NotFound(f"{what or model.__name__} not found")
    return obj
