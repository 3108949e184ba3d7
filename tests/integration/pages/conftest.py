"""What the page tests share: hostile text, the HTMX header, data made through the real services, and
a logged-in owner."""
from __future__ import annotations

import pytest

from webapp.extensions import db
from webapp.services import campaigns, content, personas
from webapp.services.access import Actor

HOSTILE = '<script>alert(1)</script><div hx-get="/x">'
HTMX = {"HX-Request": "true"}


def owner(user) -> Actor:
    return Actor(user.id, user.current_team_id, "owner")


def add_persona(app, user, **data) -> int:
    with app.app_context():
        persona = personas.create_persona(owner(user), {"name": "Ops Olivia", **data})
        db.session.commit()
        return persona.id


def add_campaign(app, user, **data) -> int:
    with app.app_context():
        campaign = campaigns.create_campaign(owner(user), {"name": "Spring launch", **data})
        db.session.commit()
        return campaign.id


def add_content(app, user, campaign_id, **data) -> int:
    with app.app_context():
        item = content.create_content(owner(user), campaign_id, {
            "content_type": "social_post", "platform": "linkedin", "body": "Hello LinkedIn", **data})
        db.session.commit()
        return item.id


@pytest.fixture
def owner_user(factory):
    """A user owning their own team."""
    return factory.user()


@pytest.fixture
def client_of(owner_user, login):
    """A client logged in as owner_user."""
    return login(owner_user)
