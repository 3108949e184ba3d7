"""The dashboard's figures (campaign_stats), cached per process and checked against a version kept
in the database, so every process — web workers, the Huey worker, another app instance — sees
the same truth.

Every flush that adds, changes or deletes a campaign or content item bumps its team's row in
stats_versions in the same transaction; a bulk UPDATE/DELETE/INSERT on those tables through the
session bumps every team. A team gets its row when created (the migration adds the others'); one
without a row is never cached. A reader takes the version first, then the figures, so figures are
never filed under a version older than they are."""
from __future__ import annotations

import copy
import threading

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Campaign, ContentItem, StatsVersion, Team

MAX_TEAMS = 1024  # cached teams per process; the oldest entry goes first
_WATCHED = (Campaign, ContentItem)
_WATCHED_TABLES = {Campaign.__table__, ContentItem.__table__}
_lock = threading.Lock()


def _cache() -> dict[int, tuple[int, dict]]:
    # One cache per app: two apps in a process (tests, the bench) have different databases whose
    # team ids and versions may coincide.
    return current_app.extensions.setdefault("herald_stats_cache", {})


def version(team_id: int) -> int | None:
    """The team's figures version, None when the team has none yet (then nothing is cached)."""
    return db.session.scalar(select(StatsVersion.version).where(StatsVersion.team_id == team_id))


def cached(team_id: int, at_version: int | None) -> dict | None:
    if at_version is None:
        return None
    hit = _cache().get(team_id)
    return copy.deepcopy(hit[1]) if hit and hit[0] == at_version else None


def store(team_id: int, at_version: int | None, figures: dict) -> None:
    if at_version is None:
        return
    cache = _cache()
    with _lock:
        cache.pop(team_id, None)
        cache[team_id] = (at_version, copy.deepcopy(figures))
        while len(cache) > MAX_TEAMS:
            cache.pop(next(iter(cache)))


def _bump(connection, team_ids: set[int]) -> None:
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for team_id in sorted(team_ids):  # a fixed order: two writers never wait on each other's rows
        stmt = insert(StatsVersion).values(team_id=team_id, version=1)
        connection.execute(stmt.on_conflict_do_update(
            index_elements=[StatsVersion.team_id], set_={"version": StatsVersion.version + 1}))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    teams = {obj.id for obj in session.new if isinstance(obj, Team)}  # every team starts with a version
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, _WATCHED):
            teams.add(obj.team_id)
    for obj in session.dirty:
        if isinstance(obj, _WATCHED) and session.is_modified(obj, include_collections=False):
            teams.add(obj.team_id)
    teams.discard(None)
    if teams:
        _bump(session.connection(), teams)


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state) -> None:
    # Bulk statements name no objects: every team's figures count as changed.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table in _WATCHED_TABLES:
        state.session.connection().execute(update(StatsVersion).values(version=StatsVersion.version + 1))
