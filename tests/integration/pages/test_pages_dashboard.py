"""The dashboard over HTTP: login required, first-steps empty state, stats cards, charts as JSON
in data attributes (no inline script), recent campaigns and activity, escaping, team scoping."""
from __future__ import annotations

import html as htmllib
import json
import re
from decimal import Decimal

from webapp.extensions import db
from webapp.services import campaigns, content, personas
from webapp.services.access import Actor

from .conftest import HOSTILE


def seed(app, user, *, name="Spring launch", status="draft", **data) -> int:
    actor = Actor(user.id, user.current_team_id, "owner")
    with app.app_context():
        campaign = campaigns.create_campaign(actor, {"name": name, "status": status, **data})
        content.create_content(actor, campaign.id, {"content_type": "social_post", "platform": "linkedin",
                                                    "body": "Hello"})
        db.session.commit()
        return campaign.id


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_new_team_gets_first_steps(app, factory, login):
    user = factory.user()
    html = login(user).get("/").get_data(as_text=True)
    assert "Welcome to Herald" in html and "Create a persona" in html and "Create a campaign" in html
    assert "/personas/new" in html
    with app.app_context():
        personas.create_persona(Actor(user.id, user.current_team_id, "owner"), {"name": "Olivia"})
        db.session.commit()
    html = login(user).get("/").get_data(as_text=True)
    assert 'class="done"' in html and "View personas" in html


def test_viewer_empty_state_has_no_create_buttons(factory, login):
    owner = factory.user()
    viewer = login(factory.user(team=factory.team_of(owner), role="viewer"))
    html = viewer.get("/").get_data(as_text=True)
    assert "Welcome to Herald" in html and "/campaigns/new" not in html and "viewer" in html


def test_stats_chart_and_recent_lists(app, factory, login):
    user = factory.user()
    seed(app, user, name="Alpha", status="active", budget=Decimal("1000"), currency="EUR")
    seed(app, user, name="Beta", status="draft", budget=Decimal("250"), currency="USD")
    html = login(user).get("/").get_data(as_text=True)
    start = html.index('aria-label="Key numbers"')
    cards = html[start:html.index("</section>", start)]
    assert re.search(r'Campaigns</div>\s*<div class="value">2<', cards)
    assert re.search(r'Active now</div>\s*<div class="value">1<', cards)
    assert re.search(r'Content pieces</div>\s*<div class="value">2<', cards)
    assert "€1,000" in cards and "$250" in cards
    charts = [json.loads(htmllib.unescape(m)) for m in re.findall(r'data-chart="([^"]+)"', html)]
    assert charts[0]["type"] == "doughnut"
    by_status = zip(charts[0]["data"]["labels"], charts[0]["data"]["datasets"][0]["data"], strict=True)
    assert dict(by_status) == {"Draft": 1, "Active": 1}
    assert charts[1]["data"]["labels"] == ["LinkedIn"] and charts[1]["data"]["datasets"][0]["data"] == [2]
    assert "chart-4.6.1.umd.min.js" in html and "<script>" not in html
    assert "Alpha" in html and "Beta" in html and "Recent activity" in html


def test_other_teams_data_is_not_counted(app, factory, login):
    user, stranger = factory.user(), factory.user()
    seed(app, stranger, name="Secret plan")
    html = login(user).get("/").get_data(as_text=True)
    assert "Secret plan" not in html and "Welcome to Herald" in html


def test_hostile_names_are_escaped(app, factory, login):
    user = factory.user()
    seed(app, user, name=HOSTILE)
    html = login(user).get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in html and '<div hx-get="/x">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
