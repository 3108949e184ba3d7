"""An archived persona is refused as a generation's persona override (422 on personaId, the same
message as for a campaign's persona), on every route that takes one; nothing is written."""
from __future__ import annotations

import pytest

from tests.helpers.generation_setup import items_of, make_campaign, make_item, make_persona

CAMPAIGN_RULE = "That persona is archived; restore it first to target it."


@pytest.fixture
def owner(factory):
    return factory.user()


@pytest.fixture
def api(api_client, factory, owner):
    return api_client(factory.token(owner))


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


@pytest.fixture
def archived(app, owner, api):
    persona_id = make_persona(app, owner, name="Retired buyer")
    assert api.post(f"/api/personas/{persona_id}/archive").status_code == 200
    return persona_id


def _refused(r):
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["message"] == CAMPAIGN_RULE and "personaId" in error["fields"]


def test_the_campaign_rule_is_the_same_rule(api, campaign_id, archived):
    _refused(api.put(f"/api/campaigns/{campaign_id}", json={"personaId": archived}))


@pytest.mark.parametrize("path", ["/api/content/generate-email", "/api/content/generate-social",
                                  "/api/content/generate-ad-copy", "/api/content/batch-generate"])
def test_generate_refuses_an_archived_override(app, api, campaign_id, archived, path):
    _refused(api.post(path, json={"campaignId": campaign_id, "personaId": archived}))
    assert items_of(app, campaign_id) == []


def test_variations_refuse_an_archived_override(app, api, owner, campaign_id, archived):
    source = make_item(app, owner, campaign_id)
    _refused(api.post("/api/content/generate-variations", json={"contentId": source, "personaId": archived}))
    assert [i.id for i in items_of(app, campaign_id)] == [source]


def test_a_single_piece_job_refuses_an_archived_override(app, api, campaign_id, archived):
    r = api.post(f"/api/jobs/campaigns/{campaign_id}/generate-single",
                 json={"contentType": "email", "platform": "email", "personaId": archived})
    assert r.status_code == 422 and "personaId" in r.get_json()["error"]["fields"]
    assert api.get("/api/jobs/user/recent").get_json()["items"] == []


def test_a_live_override_is_still_used(app, api, owner, campaign_id):
    other = make_persona(app, owner, name="Current buyer")
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id, "personaId": other})
    assert r.status_code == 201, r.get_json()
