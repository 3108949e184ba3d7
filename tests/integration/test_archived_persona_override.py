"""An archived persona is refused as a generation's persona override (422 on personaId, the same
message as for a campaign's persona), on every route that takes one; nothing is written."""
from __future__ import annotations

import pytest

from tests.helpers.generation_setup import items_of, make_campaign, make_item, make_persona

CAMPAIGN_RULE = "That persona is archived; restore it first to target it."


class Team:
    """An owner with an API client, a campaign (with a live persona) and an archived persona."""

    def __init__(self, app, factory, api_client) -> None:
        self.owner = factory.user()
        self.api = api_client(factory.token(self.owner))
        self.campaign_id = make_campaign(app, self.owner, make_persona(app, self.owner))
        self.archived = make_persona(app, self.owner, name="Retired buyer")
        assert self.api.post(f"/api/personas/{self.archived}/archive").status_code == 200


@pytest.fixture
def t(app, factory, api_client):
    """A team with a campaign and an archived persona."""
    return Team(app, factory, api_client)


def _refused(r):
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["message"] == CAMPAIGN_RULE and "personaId" in error["fields"]


def test_the_campaign_rule_is_the_same_rule(t):
    _refused(t.api.put(f"/api/campaigns/{t.campaign_id}", json={"personaId": t.archived}))


@pytest.mark.parametrize("path", ["/api/content/generate-email", "/api/content/generate-social",
                                  "/api/content/generate-ad-copy", "/api/content/batch-generate"])
def test_generate_refuses_an_archived_override(app, t, path):
    _refused(t.api.post(path, json={"campaignId": t.campaign_id, "personaId": t.archived}))
    assert items_of(app, t.campaign_id) == []


def test_variations_refuse_an_archived_override(app, t):
    source = make_item(app, t.owner, t.campaign_id)
    _refused(t.api.post("/api/content/generate-variations", json={"contentId": source, "personaId": t.archived}))
    assert [i.id for i in items_of(app, t.campaign_id)] == [source]


def test_a_single_piece_job_refuses_an_archived_override(t):
    r = t.api.post(f"/api/jobs/campaigns/{t.campaign_id}/generate-single",
                   json={"contentType": "email", "platform": "email", "personaId": t.archived})
    assert r.status_code == 422 and "personaId" in r.get_json()["error"]["fields"]
    assert t.api.get("/api/jobs/user/recent").get_json()["items"] == []


def test_a_live_override_is_still_used(app, t):
    other = make_persona(app, t.owner, name="Current buyer")
    r = t.api.post("/api/content/generate-email", json={"campaignId": t.campaign_id, "personaId": other})
    assert r.status_code == 201, r.get_json()
