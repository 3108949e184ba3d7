"""Generation requests over HTTP: every one goes through its form (batch, single-piece job,
variations); an async batch queues what it was sent; limits come from one table; error extras are
camelCase on the wire."""
from __future__ import annotations

import pytest

from tests.helpers.api_errors import error_fields
from tests.helpers.generation_setup import (
    add_usage,
    items_of,
    make_campaign,
    make_item,
    make_persona,
    set_budget,
)
from webapp.extensions import db
from webapp.models import Job
from webapp.services.field_limits import CAMPAIGN, TONE

HX = {"HX-Request": "true"}


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


# --- batch-generate with "async": true ----------------------------------------------------------

def test_async_batch_queues_the_items_persona_and_tone_it_was_sent(app, api, owner, campaign_id):
    other_persona = make_persona(app, owner, name="Pat the Planner")
    r = api.post("/api/content/batch-generate", json={
        "campaignId": campaign_id, "async": True, "personaId": other_persona, "tone": " playful ",
        "items": [{"contentType": "social_post", "platform": "twitter"}, {"contentType": "email"}]})
    assert r.status_code == 202, r.get_json()
    job = r.get_json()["job"]
    assert [(p["contentType"], p["platform"]) for p in job["pieces"]] == [("social_post", "twitter"),
                                                                          ("email", "email")]
    with app.app_context():
        pieces = db.session.get(Job, job["id"]).params["pieces"]
    assert {(p["persona_id"], p["tone"]) for p in pieces} == {(other_persona, "playful")}


def test_async_batch_queues_content_types_by_platforms(app, api, campaign_id):
    r = api.post("/api/content/batch-generate", json={
        "campaignId": campaign_id, "async": True, "contentTypes": ["social_post"],
        "platforms": ["linkedin", "facebook", "email"]})
    assert r.status_code == 202, r.get_json()
    pairs = [(p["contentType"], p["platform"]) for p in r.get_json()["job"]["pieces"]]
    assert pairs == [("social_post", "linkedin"), ("social_post", "facebook")]


def test_async_batch_refuses_what_the_synchronous_one_refuses(app, api, campaign_id):
    assert "items.0" in error_fields(api.post("/api/content/batch-generate", json={
        "campaignId": campaign_id, "async": True, "items": [{"contentType": "email", "platform": "twitter"}]}))
    r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id, "async": True, "personaId": 999999})
    assert r.status_code == 404
    assert "async" in error_fields(api.post("/api/content/batch-generate", json={"campaignId": campaign_id,
                                                                            "async": "yes"}))
    with app.app_context():
        assert db.session.query(Job).count() == 0


# --- every write has its form -------------------------------------------------------------------

def test_generate_single_is_checked_by_its_form(api, campaign_id):
    url = f"/api/jobs/campaigns/{campaign_id}/generate-single"
    assert set(error_fields(api.post(url, json={}))) == {"contentType", "platform"}
    assert error_fields(api.post(url, json={"contentType": "email", "platform": "email", "tone": 5})) == {
        "tone": "Must be text."}
    assert "tone" in error_fields(api.post(url, json={"contentType": "email", "platform": "email",
                                                 "tone": "t" * (TONE.max + 1)}))
    assert "personaId" in error_fields(api.post(url, json={"contentType": "email", "platform": "email",
                                                      "personaId": True}))


def test_the_cards_variations_count_is_checked_by_a_form(app, login, owner, campaign_id):
    item_id = make_item(app, owner, campaign_id)
    c = login(owner)
    r = c.post(f"/campaigns/{campaign_id}/content/{item_id}/ai/variations", data={"count": "9"}, headers=HX)
    assert r.status_code == 422 and "Between 1 and 5" in r.get_data(as_text=True)
    assert len(items_of(app, campaign_id)) == 1


# --- limits from one table, extras in camelCase -------------------------------------------------

def test_limits_come_from_one_table(app, client, login, owner, campaign_id):
    doc = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert doc["CampaignInput"]["properties"]["tone"]["maxLength"] == CAMPAIGN["tone"].max == TONE.max
    assert doc["GenerateSingle"]["properties"]["tone"]["maxLength"] == TONE.max
    assert doc["BatchGenerateRequest"]["properties"]["tone"]["maxLength"] == TONE.max
    c = login(owner)
    assert f'maxlength="{TONE.max}"' in c.get("/campaigns/new").get_data(as_text=True)
    assert f'name="tone" maxlength="{TONE.max}"' in c.get(f"/campaigns/{campaign_id}").get_data(as_text=True)


def test_delete_while_generating_names_the_job_in_camel_case(app, api, campaign_id):
    job = api.post(f"/api/jobs/campaigns/{campaign_id}/generate").get_json()
    r = api.delete(f"/api/campaigns/{campaign_id}")
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["jobId"] == job["id"] and "job_id" not in error


@pytest.fixture
def model_config(openai_server):
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test", "HERALD_AI_CRITIQUE": False}


# Budgets gate model calls only (the offline writer spends no tokens), so this needs a model.
def test_a_spent_budget_answers_its_extras_in_camel_case(app_factory, model_config):
    from tests.conftest import ApiClient, Factory

    app = app_factory(**model_config)
    owner = Factory(app).user()
    api = ApiClient(app, Factory(app).token(owner))
    campaign_id = make_campaign(app, owner)
    set_budget(app, owner.current_team_id, 10)
    add_usage(app, owner.current_team_id, 10)
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["resetsAt"].endswith("Z") and "T" in error["resetsAt"] and "resets_at" not in error
    assert error["budget"] == 10 and error["used"] == 10
