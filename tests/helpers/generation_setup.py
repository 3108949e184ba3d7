"""Plain helpers for the generation tests: personas, campaigns and items made through the real
services (no fixtures here; each test file composes them)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.services.access import Actor

PERSONA = {
    "name": "Dana the Data Lead", "role": "Head of Analytics at a mid-size retailer",
    "demographics": "35-45, Berlin", "goals": "Ship weekly reports without overtime",
    "pain_points": "Manual spreadsheet reporting eats Fridays", "objections": "Worried about migration effort",
    "preferred_channels": ["linkedin", "email"], "voice_notes": "Direct, no hype, numbers first",
}
CAMPAIGN = {
    "name": "Spring Dashboards", "description": "Automated dashboards for analytics teams.",
    "objective": "conversion", "tone": "confident", "keywords": "dashboards, reporting",
    "content_types": ["email", "social_post", "ad_copy"], "platforms": ["email", "linkedin", "google_ads"],
    "creativity_level": 6,
}


def actor_of(user, role: str = "owner") -> Actor:
    return Actor(user_id=user.id, team_id=user.current_team_id, role=role)


def make_persona(app, user, **overrides) -> int:
    from webapp.services.personas import create_persona

    with app.app_context():
        persona = create_persona(actor_of(user), {**PERSONA, **overrides})
        db.session.commit()
        return persona.id


def make_campaign(app, user, persona_id: int | None = None, **overrides) -> int:
    from webapp.services.campaigns import create_campaign

    with app.app_context():
        campaign = create_campaign(actor_of(user), {**CAMPAIGN, "persona_id": persona_id, **overrides})
        db.session.commit()
        return campaign.id


def make_item(app, user, campaign_id: int, **fields) -> int:
    from webapp.services.content import create_content

    data = {"content_type": "social_post", "platform": "linkedin", "body": "Hello analysts.", **fields}
    with app.app_context():
        item = create_content(actor_of(user), campaign_id, data)
        db.session.commit()
        return item.id


def set_budget(app, team_id: int, budget: int | None) -> None:
    from webapp.models import Team

    with app.app_context():
        db.session.get(Team, team_id).monthly_token_budget = budget
        db.session.commit()


def add_usage(app, team_id: int, tokens: int) -> None:
    from webapp.models import TokenUsage

    with app.app_context():
        db.session.add(TokenUsage(team_id=team_id, model="earlier", prompt_tokens=tokens, completion_tokens=0))
        db.session.commit()


def items_of(app, campaign_id: int) -> list:
    from sqlalchemy import select

    from webapp.models import ContentItem

    with app.app_context():
        rows = db.session.scalars(select(ContentItem).where(ContentItem.campaign_id == campaign_id)
                                  .order_by(ContentItem.id)).all()
        for r in rows:
            db.session.expunge(r)
        return list(rows)


def usage_rows(app, team_id: int) -> list:
    from sqlalchemy import select

    from webapp.models import TokenUsage

    with app.app_context():
        rows = db.session.scalars(select(TokenUsage).where(TokenUsage.team_id == team_id)
                                  .order_by(TokenUsage.id)).all()
        for r in rows:
            db.session.expunge(r)
        return list(rows)
