"""Campaign pages over HTTP: list (search, filters, sort, pages, HTMX partials), create/edit forms,
the campaign page with its content (add / inline edit / delete), roles, team scoping, escaping."""
from __future__ import annotations

import re

from webapp.extensions import db
from webapp.models import Campaign, ContentItem

from .conftest import HTMX, add_campaign, add_content, add_persona


def valid_form(**overrides) -> dict:
    form = {"name": "Autumn push", "description": "Sell more", "objective": "conversion", "status": "draft",
            "budget": "1500", "currency": "EUR", "start_date": "2026-03-01", "end_date": "2026-03-31",
            "tone": "warm", "keywords": "reports, automation", "content_types": ["email", "social_post"],
            "platforms": ["email", "linkedin"], "creativity_level": "7", "include_visuals": "y",
            "custom_instructions": "No jargon", "persona_id": ""}
    form.update(overrides)
    return form




# --- access ---------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    for path in ("/campaigns", "/campaigns/new", "/campaigns/1", "/campaigns/1/edit"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path


def test_other_teams_campaign_pages_are_404(app, factory, login, owner):
    campaign_id = add_campaign(app, owner)
    item_id = add_content(app, owner, campaign_id)
    stranger = login(factory.user())
    for path in (f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/edit",
                 f"/campaigns/{campaign_id}/content/{item_id}/edit", f"/campaigns/{campaign_id}/content/{item_id}",
                 f"/campaigns/{campaign_id}/content/form"):
        assert stranger.get(path, headers=HTMX).status_code == 404, path
    base = f"/campaigns/{campaign_id}"
    for path in (f"{base}/edit", f"{base}/status", f"{base}/delete", f"{base}/content",
                 f"{base}/content/{item_id}/edit", f"{base}/content/{item_id}/delete"):
        assert stranger.post(path, data={"name": "x", "status": "active", "body": "x"}).status_code == 404, path
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).name == "Spring launch"
        assert db.session.get(ContentItem, item_id) is not None


def test_viewer_sees_no_buttons_and_cannot_post(app, factory, login, owner):
    campaign_id = add_campaign(app, owner)
    item_id = add_content(app, owner, campaign_id)
    viewer = login(factory.user(team=factory.team_of(owner), role="viewer"))
    page = viewer.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Hello LinkedIn" in page
    assert f"/campaigns/{campaign_id}/edit" not in page
    assert "Add content by hand" not in page
    assert f"/content/{item_id}/delete" not in page
    assert "/status" not in page
    listing = viewer.get("/campaigns").get_data(as_text=True)
    assert "New campaign" not in listing
    assert viewer.get("/campaigns/new").status_code == 403
    assert viewer.post("/campaigns/new", data=valid_form()).status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/edit", data=valid_form()).status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/status", data={"status": "active"}).status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/delete").status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/content",
                       data={"content_type": "email", "platform": "email", "body": "x"}).status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/content/{item_id}/edit", data={"body": "x"}).status_code == 403
    assert viewer.post(f"/campaigns/{campaign_id}/content/{item_id}/delete", headers=HTMX).status_code == 403
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"
        assert db.session.get(ContentItem, item_id).body == "Hello LinkedIn"
        assert db.session.query(Campaign).count() == 1


# --- list -----------------------------------------------------------------------------------------

def test_list_renders_page_with_filters_and_results(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    add_campaign(app, owner, name="Spring launch", persona_id=persona_id)
    response = owner_client.get("/campaigns")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html and 'id="campaign-results"' in html
    assert 'hx-push-url="true"' in html and "input changed delay:300ms" in html
    assert "Spring launch" in html and "Ops Olivia" in html


def test_empty_list_guides_to_first_campaign(owner_client):
    html = owner_client.get("/campaigns").get_data(as_text=True)
    assert "No campaigns yet" in html and "Create your first campaign" in html


def test_htmx_search_returns_only_the_results_partial(app, owner_client, owner):
    add_campaign(app, owner, name="Spring launch")
    add_campaign(app, owner, name="Winter sale", keywords="discount, snow")
    response = owner_client.get("/campaigns?q=snow", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert html.strip().startswith('<section id="campaign-results"')
    assert "Winter sale" in html and "Spring launch" not in html
    assert "1 campaign" in html
    # The pushed URL drops the form's empty and default values.
    full = owner_client.get("/campaigns?q=snow&status=&objective=&persona=&sort=-updated_at", headers=HTMX)
    assert full.headers["HX-Push-Url"] == "/campaigns?q=snow"


def test_filters_and_bookmarkable_full_render(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    add_campaign(app, owner, name="Alpha", status="active", objective="awareness", persona_id=persona_id)
    add_campaign(app, owner, name="Beta", status="draft", objective="awareness", persona_id=persona_id)
    add_campaign(app, owner, name="Gamma", status="active", objective="conversion")
    query = f"status=active&objective=awareness&persona={persona_id}&q=al"
    html = owner_client.get(f"/campaigns?{query}").get_data(as_text=True)
    results = html[html.index('id="campaign-results"'):]
    assert "Alpha" in results and "Beta" not in results and "Gamma" not in results
    # The full page shows the same state in its controls.
    assert 'name="q" value="al"' in html
    assert '<option value="active" selected>' in html
    assert '<option value="awareness" selected>' in html
    assert f'<option value="{persona_id}" selected>' in html


def test_sort_and_pagination_partials(app, owner_client, owner):
    for i in range(23):
        add_campaign(app, owner, name=f"Campaign {i:02d}", keywords="bulk")
    first = owner_client.get("/campaigns?sort=name&q=bulk", headers=HTMX).get_data(as_text=True)
    names = re.findall(r"Campaign (\d\d)</a>", first)
    assert names == [f"{i:02d}" for i in range(20)]
    assert "page 1 of 2" in first
    # Page links keep the query and target the results partial.
    link = re.search(r'<a href="([^"]+)" hx-get="([^"]+)" hx-target="#campaign-results"[^>]*rel="next"', first)
    assert link and "page=2" in link.group(1) and "q=bulk" in link.group(1) and "sort=name" in link.group(1)
    second_response = owner_client.get(link.group(1).replace("&amp;", "&"), headers=HTMX)
    assert second_response.headers["HX-Push-Url"] == "/campaigns?q=bulk&sort=name&page=2"
    second = second_response.get_data(as_text=True)
    assert re.findall(r"Campaign (\d\d)</a>", second) == ["20", "21", "22"]
    reverse = owner_client.get("/campaigns?sort=-name&q=bulk", headers=HTMX).get_data(as_text=True)
    assert re.findall(r"Campaign (\d\d)</a>", reverse)[0] == "22"


def test_no_match_and_bad_filter(app, owner_client, owner):
    add_campaign(app, owner)
    html = owner_client.get("/campaigns?q=zzz", headers=HTMX).get_data(as_text=True)
    assert "No campaigns match" in html and "zzz" in html
    response = owner_client.get("/campaigns?status=bogus")
    assert response.status_code == 400
    assert "Unknown status" in response.get_data(as_text=True)
    assert owner_client.get("/campaigns?page=0").status_code == 400


def test_history_restore_gets_the_full_page(owner_client):
    html = owner_client.get("/campaigns", headers={**HTMX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)
    assert "<html" in html


# --- create / edit --------------------------------------------------------------------------------

def test_new_form_has_every_field(app, owner_client, owner):
    add_persona(app, owner, name="Fred Founder")
    html = owner_client.get("/campaigns/new").get_data(as_text=True)
    for name in ("name", "description", "persona_id", "objective", "budget", "currency", "start_date", "end_date",
                 "tone", "keywords", "custom_instructions", "include_visuals", "csrf_token"):
        assert f'name="{name}"' in html, name
    assert html.count('type="checkbox" name="content_types"') == 3
    assert html.count('type="checkbox" name="platforms"') == 7
    assert 'type="range"' in html and 'data-range-output="creativity_level-value"' in html
    assert "Fred Founder" in html


def test_create_campaign_redirects_to_its_page(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    response = owner_client.post("/campaigns/new", data=valid_form(persona_id=str(persona_id)))
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.query(Campaign).one()
        assert campaign.name == "Autumn push" and campaign.persona_id == persona_id
        assert campaign.content_types == ["email", "social_post"] and campaign.creativity_level == 7
        assert campaign.include_visuals is True and str(campaign.budget) == "1500.00"
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Autumn push" in page and "Campaign created." in page and "Ops Olivia" in page


INVALID = [
    ({"name": ""}, "name", "Name is required"),
    ({"end_date": "2026-02-01"}, "end_date", "end date must be on or after"),
    ({"creativity_level": "11"}, "creativity_level", "1 to 10"),
    ({"creativity_level": "lots"}, "creativity_level", "integer"),
    ({"budget": "-5"}, "budget", "negative"),
    ({"start_date": "not-a-date"}, "start_date", "date"),
    ({"content_types": ["email"], "platforms": ["twitter"]}, "platforms", "does not fit"),
    ({"objective": "world-domination"}, "objective", "Objective must be one of"),
    ({"currency": "XYZ"}, "currency", "ISO 4217"),
    ({"name": "x" * 121}, "name", "at most 120"),
]


def test_invalid_campaign_rerenders_with_errors_and_typed_values(app, owner_client):
    for overrides, field, message in INVALID:
        response = owner_client.post("/campaigns/new",
                                     data=valid_form(description="Typed <b>text</b> kept", **overrides))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, overrides
        assert message.lower() in html.lower(), overrides
        assert f'id="{field}-error"' in html or f'id="{field}"' in html, overrides
        assert 'aria-invalid="true"' in html, overrides
        assert "Typed &lt;b&gt;text&lt;/b&gt; kept" in html, overrides
        assert 'value="warm"' in html, overrides  # tone kept as typed
    with app.app_context():
        assert db.session.query(Campaign).count() == 0


def test_persona_of_another_team_is_refused(app, factory, owner_client):
    stranger = factory.user()
    foreign = add_persona(app, stranger, name="Not yours")
    response = owner_client.post("/campaigns/new", data=valid_form(persona_id=str(foreign)))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Campaign).count() == 0


def test_edit_form_prefilled_and_saves(app, owner_client, owner):
    campaign_id = add_campaign(app, owner, tone="bold", platforms=["linkedin"], content_types=["social_post"])
    html = owner_client.get(f"/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert 'value="Spring launch"' in html and 'value="bold"' in html
    assert 'value="linkedin" checked' in html
    response = owner_client.post(f"/campaigns/{campaign_id}/edit", data=valid_form(name="Spring relaunch"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).name == "Spring relaunch"


def test_status_buttons_follow_transitions(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    html = owner_client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'name="status" value="active"' in html and 'name="status" value="completed"' not in html
    owner_client.post(f"/campaigns/{campaign_id}/status", data={"status": "active"})
    owner_client.post(f"/campaigns/{campaign_id}/status", data={"status": "completed"})
    html = owner_client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'name="status" value="draft"' not in html and "Reopen" in html
    response = owner_client.post(f"/campaigns/{campaign_id}/status", data={"status": "draft"}, follow_redirects=True)
    assert "cannot go to draft" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "completed"


def test_delete_campaign(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    add_content(app, owner, campaign_id)
    response = owner_client.post(f"/campaigns/{campaign_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/campaigns")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id) is None


def test_empty_campaign_points_to_generation_that_exists(app, owner_client, owner):
    campaign_id = add_campaign(app, owner)
    html = owner_client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "No content yet" in html
    assert "Generate the campaign and Herald drafts every planned piece" in html
    assert "when generation is set up" not in html  # generation is part of Herald, not a promise
