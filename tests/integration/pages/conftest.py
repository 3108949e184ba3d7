"""What the page tests share: hostile text, the HTMX header and data made through the real services
(`owner` and `owner_client` come from the root conftest)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.services import campaigns, content, personas
from webapp.services.access import Actor

HOSTILE = '<script>alert(1)</script><div hx-get="/x">'
HTMX = {"HX-Request": "true"}


def actor_of(user) -> Actor:
    """The user acting as the owner of their current team."""
    return Actor(user.id, user.current_team_id, "owner")


def add_persona(app, user, **data) -> int:
    with app.app_context():
        persona = personas.create_persona(actor_of(user), {"name": "Ops Olivia", **data})
        db.session.commit()
        return persona.id


def add_campaign(app, user, **data) -> int:
    with app.app_context():
        campaign = campaigns.create_campaign(actor_of(user), {"name": "Spring launch", **data})
        db.session.commit()
        return campaign.id


def add_content(app, user, campaign_id, **data) -> int:
    with app.app_context():
        item = content.create_content(actor_of(user), campaign_id, {
            "content_type": "social_post", "platform": "linkedin", "body": "Hello LinkedIn", **data})
        db.session.commit()
        return item.id

