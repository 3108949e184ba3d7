"""Audit log: who changed what in a team. Any service may call `record`; it flushes, never commits."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import AuditLog
from .access import Actor, require_role


def record(actor_or_none: Actor | None, action: str, target_type: str = "", target_id=None,
           details: dict | None = None, *, team_id: int | None = None, user_id: int | None = None) -> AuditLog:
    """Append one audit entry. The actor gives the team and user; `team_id`/`user_id` override them
    for actions without an actor (CLI, registration, accepting an invite)."""
    entry = AuditLog(
        team_id=team_id if team_id is not None else (actor_or_none.team_id if actor_or_none else None),
        user_id=user_id if user_id is not None else (actor_or_none.user_id if actor_or_none else None),
        action=action[:60],
        target_type=(target_type or "")[:40],
        target_id="" if target_id is None else str(target_id)[:40],
        details=dict(details or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def recent_entries(actor: Actor, limit: int = 20) -> list[AuditLog]:
    """The team's latest audit entries, newest first (owners only: it names members and actions)."""
    require_role(actor, "owner")
    limit = max(1, min(int(limit), 200))
    stmt = (select(AuditLog).where(AuditLog.team_id == actor.team_id)
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))
