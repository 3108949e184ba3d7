"""Content items and A/B tests over HTTP: the format's required fields, the fields it does not have
and the approval gate are rules the API and the pages obey alike; A/B bodies go through their form."""
from __future__ import annotations

import pytest

from tests.helpers.api_errors import error_fields
from tests.helpers.generation_setup import items_of, make_campaign, make_item, make_persona

HX = {"HX-Request": "true"}


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


# --- an empty content item, and approving one --------------------------------------------------

@pytest.mark.parametrize("body, missing", [
    ({"contentType": "email", "platform": "email"}, {"subjectLine", "contentBody"}),
    ({"contentType": "email", "platform": "email", "subjectLine": "Hi"}, {"contentBody"}),
    ({"contentType": "social_post", "platform": "linkedin", "contentBody": "   "}, {"contentBody"}),
    ({"contentType": "ad_copy", "platform": "google_ads"}, {"headlines"}),
    ({"contentType": "ad_copy", "platform": "meta_ads", "headlines": ["Save"]}, {"contentBody"}),
])
def test_a_content_item_needs_its_formats_required_fields(app, api, campaign_id, body, missing):
    fields = error_fields(api.post(f"/api/campaigns/{campaign_id}/content", json=body))
    assert set(fields) == missing
    assert items_of(app, campaign_id) == []


def test_the_page_refuses_an_empty_content_item_too(app, login, owner, campaign_id):
    c = login(owner)
    r = c.post(f"/campaigns/{campaign_id}/content", data={"content_type": "email", "platform": "email"}, headers=HX)
    assert r.status_code == 422 and "is required for this format" in r.get_data(as_text=True)
    assert items_of(app, campaign_id) == []


def test_a_format_has_only_its_own_fields_on_the_api_too(app, api, campaign_id):
    fields = error_fields(api.post(f"/api/campaigns/{campaign_id}/content", json={
        "contentType": "email", "platform": "email", "subjectLine": "Hi", "contentBody": "Hello.",
        "hashtags": ["spring"]}))
    assert list(fields) == ["hashtags"] and "has no hashtags" in fields["hashtags"]
    # Sending a field back empty, as a client does with what it read, is fine.
    r = api.post(f"/api/campaigns/{campaign_id}/content", json={
        "contentType": "email", "platform": "email", "subjectLine": "Hi", "contentBody": "Hello.", "hashtags": []})
    assert r.status_code == 201, r.get_json()
    r = api.put(f"/api/campaigns/{campaign_id}/content/{r.get_json()['id']}", json={"headlines": ["No"]})
    assert "headlines" in error_fields(r)


def test_an_empty_or_over_limit_piece_cannot_be_approved(app, api, owner, campaign_id):
    item_id = make_item(app, owner, campaign_id, platform="twitter", body="x" * 300)
    url = f"/api/campaigns/{campaign_id}/content/{item_id}"
    fields = error_fields(api.put(url, json={"status": "approved"}))
    assert "Fix this before approving" in fields["status"] and "280" in fields["status"]
    assert api.get(url).get_json()["status"] == "draft"
    # Blanking the body is refused outright; fixing it makes the piece approvable.
    assert "contentBody" in error_fields(api.put(url, json={"contentBody": ""}))
    r = api.put(url, json={"contentBody": "Short and sweet.", "status": "approved"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved"


def test_the_cards_approve_button_obeys_the_same_gate(app, login, owner, campaign_id):
    item_id = make_item(app, owner, campaign_id, platform="twitter", body="x" * 300)
    c = login(owner)
    r = c.post(f"/campaigns/{campaign_id}/content/{item_id}/approve", headers=HX)
    assert r.status_code == 422 and "Fix this before approving" in r.get_data(as_text=True)
    assert items_of(app, campaign_id)[0].status == "draft"


# --- A/B tests ----------------------------------------------------------------------------------

def test_ab_test_bodies_are_converted_by_their_form(api, app, owner, campaign_id):
    a, b = make_item(app, owner, campaign_id), make_item(app, owner, campaign_id)
    url = f"/api/campaigns/{campaign_id}/ab-tests"
    r = api.post(url, json={"testName": "Hooks", "variantAId": a, "variantBId": float(b), "confidence": 1,
                            "results": {"a": {"opens": 3.0}}, "startDate": "2025-03-01T00:00:00.000Z"})
    assert r.status_code == 201, r.get_json()
    test = r.get_json()
    assert test["variantBId"] == b and test["results"] == {"a": {"opens": 3}} and test["startDate"] == "2025-03-01"
    assert error_fields(api.post(url, json={"testName": ""})) == {"testName": "Name is required."}
    assert "results" in error_fields(api.post(url, json={"name": "x", "results": []}))
    r = api.put(f"{url}/{test['id']}", json={"winner": "b"})
    assert r.status_code == 200 and r.get_json()["name"] == "Hooks" and r.get_json()["winner"] == "b"
