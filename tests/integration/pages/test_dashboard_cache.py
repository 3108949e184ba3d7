"""The dashboard's figures are cached (services/stats_cache.py), yet every write that changes one
shows at the next render: through the HTML pages, through the API, through the system status
setter a finishing job calls, and through another app instance on the same database."""
from __future__ import annotations

import re

import pytest

from webapp.extensions import db
from webapp.services.access import Actor
from webapp.services.campaigns import create_campaign
from webapp.services.content import create_content
from webapp.services.jobs.campaign_status import set_status_by_system


def figures(client) -> dict[str, str]:
    """The key-number cards of the dashboard: {label: value text}; {} for the welcome state."""
    html = client.get("/").get_data(as_text=True)
    if 'aria-label="Key numbers"' not in html:
        return {}
    start = html.index('aria-label="Key numbers"')
    cards = html[start:html.index("</section>", start)]
    value = r'<(?:div class="value[^"]*"|ul class="money-list")>(.*?)</(?:div|ul)>'
    found = re.findall(r'<div class="label">([^<]+)</div>\s*' + value, cards, re.S)
    return {label.strip(): re.sub(r"<[^>]+>", " ", value).strip() for label, value in found}


@pytest.fixture
def dash(owner, owner_client, api):
    """(browser client, API client) of the same owner, the dashboard rendered once (cached)."""
    assert figures(owner_client) == {}
    return owner_client, api


def test_api_writes_show_at_once(dash):
    browser, api = dash
    campaign = api.post("/api/campaigns", json={"name": "Spring", "budget": "1000", "currency": "EUR"}).get_json()
    assert figures(browser)["Campaigns"] == "1"
    assert "€1,000" in figures(browser)["Budget"]

    assert api.put(f"/api/campaigns/{campaign['id']}", json={"budget": "2500"}).status_code == 200
    assert "€2,500" in figures(browser)["Budget"]
    assert api.put(f"/api/campaigns/{campaign['id']}", json={"status": "active"}).status_code == 200
    assert figures(browser)["Active now"] == "1"

    item = api.post(f"/api/campaigns/{campaign['id']}/content",
                    json={"contentType": "social_post", "platform": "linkedin", "body": "Hello"}).get_json()
    assert figures(browser)["Content pieces"] == "1"
    assert api.delete(f"/api/campaigns/{campaign['id']}/content/{item['id']}").status_code == 204
    assert figures(browser)["Content pieces"] == "0"

    assert api.delete(f"/api/campaigns/{campaign['id']}").status_code == 204
    assert figures(browser) == {}  # no campaigns: the welcome state again


def test_html_writes_show_at_once(dash):
    browser, _ = dash
    r = browser.post("/campaigns/new", data={"name": "Autumn", "objective": "conversion", "status": "draft",
                                             "currency": "USD", "budget": "300", "creativity_level": "5"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
    campaign_id = int(re.search(r"/campaigns/(\d+)", r.headers["Location"]).group(1))
    assert figures(browser)["Campaigns"] == "1"

    assert browser.post(f"/campaigns/{campaign_id}/status", data={"status": "active"}).status_code in (302, 303)
    assert figures(browser)["Active now"] == "1"

    r = browser.post(f"/campaigns/{campaign_id}/content",
                     data={"content_type": "social_post", "platform": "linkedin", "body": "Hello there"})
    assert r.status_code in (302, 303)
    assert figures(browser)["Content pieces"] == "1"

    assert browser.post(f"/campaigns/{campaign_id}/delete").status_code in (302, 303)
    assert figures(browser) == {}


def test_a_finishing_job_status_change_shows_at_once(app, owner, dash):
    """A job restores its campaign's status with a bulk UPDATE (jobs.campaign_status), not a flush."""
    browser, api = dash
    campaign = api.post("/api/campaigns", json={"name": "Job run", "status": "active"}).get_json()
    assert figures(browser)["Active now"] == "1"
    with app.app_context():
        set_status_by_system(campaign["id"], "completed")
        db.session.commit()
    assert figures(browser)["Active now"] == "0"


def test_a_write_by_another_app_instance_shows_at_once(app, app_factory, factory, login):
    """Two app instances on one database (as two gunicorn workers, or the web and the Huey worker):
    each has its own cache, and the version row tells the reader's cache it is stale."""
    other = app_factory(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])  # before any write
    user = factory.user()
    browser = login(user)
    assert figures(browser) == {}
    actor = Actor(user.id, user.current_team_id, "owner")
    with other.app_context():
        campaign = create_campaign(actor, {"name": "From elsewhere"})
        db.session.commit()
        campaign_id = campaign.id
    assert figures(browser)["Campaigns"] == "1"
    with other.app_context():
        create_content(actor, campaign_id, {"content_type": "email", "platform": "email", "body": "Hi",
                                            "subject_line": "Hello"})
        db.session.commit()
    assert figures(browser)["Content pieces"] == "1"
