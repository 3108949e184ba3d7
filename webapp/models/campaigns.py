"""Campaigns, their content items and A/B tests (the seed's Campaign schema, normalised)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow

OBJECTIVES = ("awareness", "consideration", "conversion")
CAMPAIGN_STATUSES = ("draft", "active", "generating", "completed", "failed")
CONTENT_TYPES = ("email", "social_post", "ad_copy")
PLATFORMS = ("email", "linkedin", "twitter", "facebook", "instagram", "google_ads", "meta_ads")
CONTENT_STATUSES = ("draft", "approved", "archived")
AB_TEST_TYPES = ("subject_line", "body", "cta", "headline")
AB_TEST_STATUSES = ("draft", "running", "completed")


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_team_updated", "team_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    persona_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("personas.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(String(20), default="awareness")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    start_date: Mapped[Optional[date]] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
    tone: Mapped[str] = mapped_column(String(60), default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    # Generation settings (the seed's generationSettings object).
    content_types: Mapped[list] = mapped_column(JSON, default=list)
    platforms: Mapped[list] = mapped_column(JSON, default=list)
    creativity_level: Mapped[int] = mapped_column(Integer, default=5)
    include_visuals: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_instructions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    persona = relationship("Persona", lazy="raise")
    content_items: Mapped[list[ContentItem]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True, lazy="raise",
        order_by="ContentItem.id",
    )
    ab_tests: Mapped[list[ABTest]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True, lazy="raise",
        order_by="ABTest.id",
    )


class ContentItem(db.Model):
    __tablename__ = "content_items"
    __table_args__ = (
        # A job step writes its output under a unique key, so a re-run never duplicates.
        UniqueConstraint("job_id", "step_key", name="uq_content_job_step"),
        Index("ix_content_campaign_platform", "campaign_id", "platform"),
        Index("ix_content_team_updated", "team_id", "updated_at", "id"),  # the dashboard's latest changes
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    subject_line: Mapped[str] = mapped_column(String(255), default="")
    preheader: Mapped[str] = mapped_column(String(255), default="")
    headlines: Mapped[list] = mapped_column(JSON, default=list)
    descriptions: Mapped[list] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    call_to_action: Mapped[str] = mapped_column(String(255), default="")
    hashtags: Mapped[list] = mapped_column(JSON, default=list)
    visual_url: Mapped[str] = mapped_column(String(2048), default="")
    visual_brief: Mapped[Optional[dict]] = mapped_column(JSON)
    quality_score: Mapped[Optional[int]] = mapped_column(Integer)
    score_breakdown: Mapped[Optional[dict]] = mapped_column(JSON)
    violations: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    generated_by: Mapped[str] = mapped_column(String(10), default="manual")
    model: Mapped[str] = mapped_column(String(120), default="")
    job_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    step_key: Mapped[Optional[str]] = mapped_column(String(120))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    generated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    variant_group: Mapped[Optional[str]] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="content_items", lazy="raise")


class ABTest(db.Model):
    __tablename__ = "ab_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    test_type: Mapped[str] = mapped_column(String(20), default="subject_line")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    variant_a_id: Mapped[Optional[int]] = mapped_column(ForeignKey("content_items.id", ondelete="SET NULL"))
    variant_b_id: Mapped[Optional[int]] = mapped_column(ForeignKey("content_items.id", ondelete="SET NULL"))
    start_date: Mapped[Optional[date]] = mapped_column(Date)
    # {"a": {"sent", "opens", "clicks", "conversions"}, "b": {...}}
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    winner: Mapped[Optional[str]] = mapped_column(String(1))
    confidence: Mapped[Optional[float]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="ab_tests", lazy="raise")
