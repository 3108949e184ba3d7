"""The version of a team's dashboard figures: bumped in the transaction of every write to its
campaigns or content (services/stats_cache.py), so any process can tell a cached figure is stale."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class StatsVersion(db.Model):
    __tablename__ = "stats_versions"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
