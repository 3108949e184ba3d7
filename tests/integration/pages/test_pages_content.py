"""The campaign page over HTTP: content grouped by platform, add / inline edit / delete without leaving
the page (HTMX partials), character limits, escaping."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from webapp.extensions import db
from webapp.models import ContentItem

from .conftest import HOSTILE, HTMX, add_campaign, add_content, add_persona

# --- the campaign page and its content ------------------------------------------------------------

def test_campaign_page_groups_content_by_platform(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    campaign_id = add_campaign(app, owner, persona_id=persona_id, budget=Decimal("2500"), currency="EUR",
                               start_date=date(2026, 4, 1), keywords="alpha, beta")
    add_content(app, owner, campaign_id, body="Post one")
    add_content(app, owner, campaign_id, content_type="email", platform="email", subject_line="Big news",
                preheader="A preview line", body="Dear reader", call_to_action="Book a demo")
    add_content(app, owner, campaign_id, content_type="ad_copy", platform="google_ads", body="",
                headlines=["Fast reports", "Less spreadsheet"], descriptions=["Reports in minutes."])
    html = owner_client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="group-linkedin"' in html and 'id="group-email"' in html and 'id="group-google_ads"' in html
    assert html.index('id="group-email"') < html.index('id="group-linkedin"') < html.index('id="group-google_ads"')
    assert "Big news" in html and "A preview line" in html and "Book a demo" in html
    assert "Fast reports | Less spreadsheet" in html
    assert "€2,500" in html and "Ops Olivia" in html and "<li>alpha</li>" in html
    assert 'id="job-progress"' in html


def test_htmx_show_returns_content_partial(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    html = owner_client.get(f"/campaigns/{campaign_id}", headers=HTMX).get_data(as_text=True)
    assert "<html" not in html and html.strip().startswith('<section id="campaign-content"')


def test_add_content_with_htmx_returns_section_with_new_card(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    response = owner_client.post(f"/campaigns/{campaign_id}/content", headers=HTMX, data={
        "content_type": "social_post", "platform": "twitter", "body": "Short and sweet", "hashtags": "#ops reports",
        "call_to_action": "", "status": "draft", "visual_url": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="campaign-content"' in html
    with app.app_context():
        item = db.session.query(ContentItem).one()
        assert item.hashtags == ["ops", "reports"] and item.generated_by == "manual"
    assert f'id="content-{item.id}"' in html and "Short and sweet" in html and "#ops #reports" in html


def test_add_content_without_js_redirects(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    response = owner_client.post(f"/campaigns/{campaign_id}/content", data={
        "content_type": "email", "platform": "email", "subject_line": "Hi", "body": "Body", "status": "draft"})
    assert response.status_code == 302 and f"/campaigns/{campaign_id}#content-" in response.headers["Location"]


def test_add_content_errors_rerender_with_typed_values(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    response = owner_client.post(f"/campaigns/{campaign_id}/content", headers=HTMX, data={
        "content_type": "email", "platform": "email", "subject_line": "S" * 300, "body": "Typed body stays",
        "status": "draft"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 255" in html and "Typed body stays" in html
    response = owner_client.post(f"/campaigns/{campaign_id}/content", headers=HTMX, data={
        "content_type": "email", "platform": "twitter", "body": "x", "status": "draft"})
    assert response.status_code == 422 and "email content can go on email" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ContentItem).count() == 0


def test_format_form_has_platform_fields_and_counters(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    tweet = owner_client.get(f"/campaigns/{campaign_id}/content/form?format=social_post:twitter",
                             headers=HTMX).get_data(as_text=True)
    assert 'name="body"' in tweet and 'data-limit="280"' in tweet and 'name="subject_line"' not in tweet
    assert 'name="platform" value="twitter"' in tweet
    email = owner_client.get(f"/campaigns/{campaign_id}/content/form?format=email:email",
                             headers=HTMX).get_data(as_text=True)
    assert 'name="subject_line"' in email and 'data-limit="60"' in email and 'name="preheader"' in email
    ads = owner_client.get(f"/campaigns/{campaign_id}/content/form?format=ad_copy:google_ads",
                           headers=HTMX).get_data(as_text=True)
    assert 'name="headlines"' in ads and "up to 30 characters" in ads and 'name="body"' not in ads


def test_inline_edit_round_trip(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    item_id = add_content(app, owner, campaign_id, hashtags=["keepme"], variant_group="grp-1")
    editor = owner_client.get(f"/campaigns/{campaign_id}/content/{item_id}/edit", headers=HTMX).get_data(as_text=True)
    assert "<html" not in editor and f'id="content-{item_id}"' in editor and "Hello LinkedIn" in editor
    assert 'data-limit="3000"' in editor and "autofocus" in editor
    response = owner_client.post(f"/campaigns/{campaign_id}/content/{item_id}/edit", headers=HTMX, data={
        "body": "Edited body", "hashtags": "keepme more", "call_to_action": "Go", "status": "approved",
        "visual_url": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Edited body" in html and "badge-approved" in html
    with app.app_context():
        item = db.session.get(ContentItem, item_id)
        assert item.body == "Edited body" and item.status == "approved"
        assert item.variant_group == "grp-1"  # not on the form, so untouched
    card = owner_client.get(f"/campaigns/{campaign_id}/content/{item_id}", headers=HTMX).get_data(as_text=True)
    assert card.strip().startswith("<article") and "Edited body" in card


def test_inline_edit_errors_keep_typed_text(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    item_id = add_content(app, owner, campaign_id)
    response = owner_client.post(f"/campaigns/{campaign_id}/content/{item_id}/edit", headers=HTMX, data={
        "body": "Typed here", "call_to_action": "C" * 300, "status": "draft"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Typed here" in html and "at most 255" in html
    with app.app_context():
        assert db.session.get(ContentItem, item_id).body == "Hello LinkedIn"


def test_delete_content_with_htmx_removes_card(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    item_id = add_content(app, owner, campaign_id)
    response = owner_client.post(f"/campaigns/{campaign_id}/content/{item_id}/delete", headers=HTMX)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    with app.app_context():
        assert db.session.get(ContentItem, item_id) is None


def test_hostile_text_is_escaped_everywhere(app, owner_client, owner):
    persona_id = add_persona(app, owner, name=HOSTILE)
    campaign_id = add_campaign(app, owner, name=HOSTILE[:120], description=HOSTILE, keywords=HOSTILE,
                               tone="<b>x</b>", persona_id=persona_id)
    add_content(app, owner, campaign_id, body=HOSTILE, call_to_action="<i>go</i>", hashtags=["ok"])
    for path in ("/campaigns", f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/edit", "/"):
        html = owner_client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html, path
        assert '<div hx-get="/x">' not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_htmx_post_needs_the_csrf_header(app, owner, login):
    user = owner
    campaign_id = add_campaign(app, user)
    client = login(user)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    data = {"content_type": "email", "platform": "email", "subject_line": "Hi", "body": "x", "status": "draft"}
    refused = client.post(f"/campaigns/{campaign_id}/content", headers=HTMX, data=data)
    assert refused.status_code == 400
    accepted = client.post(f"/campaigns/{campaign_id}/content", headers={**HTMX, "X-CSRFToken": token}, data=data)
    assert accepted.status_code == 200
    with app.app_context():
        assert db.session.query(ContentItem).count() == 1
        db.session.remove()
        db.engine.dispose()
