"""Monthly token budget: refused before any call (API, page, job service), per-team override,
usage recorded from every call, and capped prompt inputs."""
from __future__ import annotations

import json

import pytest

from tests.conftest import ApiClient, Factory, login_client
from tests.helpers.generation_setup import add_usage, items_of, make_campaign, make_persona, set_budget, usage_rows
from webapp.extensions import db


@pytest.fixture
def app_config(openai_server):
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test", "HERALD_MODEL": "test-model",
            "HERALD_MONTHLY_TOKEN_BUDGET": 5000, "HERALD_AI_CRITIQUE": False}


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


def test_config_budget_applies_and_usage_counts_toward_it(app, api, owner, campaign_id, openai_server):
    r = api.post("/api/content/generate-social", json={"campaignId": campaign_id})
    assert r.status_code == 201
    spent = r.get_json()["usage"]["total"]
    assert spent > 0 and r.get_json()["usage"]["budget"] == 5000
    add_usage(app, owner.current_team_id, 5000 - spent)  # exactly at the budget now
    calls = len(openai_server.requests)
    r = api.post("/api/content/generate-social", json={"campaignId": campaign_id})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "budget_exceeded"
    assert r.get_json()["error"]["budget"] == 5000
    assert len(openai_server.requests) == calls
    assert len(items_of(app, campaign_id)) == 1


def test_team_budget_overrides_config(app, api, owner, campaign_id):
    add_usage(app, owner.current_team_id, 6000)  # over the config budget…
    set_budget(app, owner.current_team_id, 100_000)  # …but the team has its own
    assert api.post("/api/content/generate-email", json={"campaignId": campaign_id}).status_code == 201
    set_budget(app, owner.current_team_id, 10)
    assert api.post("/api/content/generate-email", json={"campaignId": campaign_id}).status_code == 429


def test_no_limit_when_budget_is_zero(app_factory, openai_server):
    app = app_factory(OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="t", HERALD_MONTHLY_TOKEN_BUDGET=0,
                      HERALD_AI_CRITIQUE=False)
    owner = Factory(app).user()
    add_usage(app, owner.current_team_id, 10**9)
    api = ApiClient(app, Factory(app).token(owner))
    r = api.post("/api/content/generate-social", json={"campaignId": make_campaign(app, owner)})
    assert r.status_code == 201 and r.get_json()["usage"]["budget"] is None


def test_budget_stops_a_batch_between_pieces(app, api, owner, campaign_id, openai_server):
    set_budget(app, owner.current_team_id, 1)  # the first piece may start (0 used), then it is spent
    r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id})
    assert r.status_code == 429
    assert len(items_of(app, campaign_id)) == 1  # the piece written before the refusal is kept
    assert "1 piece(s) written before the budget ran out were saved" in r.get_json()["error"]["message"]
    assert len(openai_server.completions) == 1


def test_page_shows_the_budget_message(app, owner, campaign_id, openai_server):
    set_budget(app, owner.current_team_id, 100)
    add_usage(app, owner.current_team_id, 100)
    r = login_client(app, owner).post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"},
                                      headers={"HX-Request": "true"})
    assert r.status_code == 429
    assert r.headers["HX-Retarget"] == "#ai-messages"
    assert "100 of its 100 tokens" in r.get_data(as_text=True)
    assert openai_server.requests == []


def test_job_service_checks_the_budget_first(app, owner, campaign_id, openai_server):
    from webapp.services.errors import BudgetExceeded
    from webapp.services.generation import generate_piece

    add_usage(app, owner.current_team_id, 5000)
    with app.app_context(), pytest.raises(BudgetExceeded):
        generate_piece(team_id=owner.current_team_id, user_id=None, campaign_id=campaign_id,
                       content_type="email", platform="email", job_id="j", step_key="email:email",
                       config=app.config)
    assert openai_server.requests == []


def test_usage_is_per_team_and_per_job(app, owner, campaign_id, openai_server):
    from webapp.services.generation import generate_piece

    other = Factory(app).user()
    with app.app_context():
        generate_piece(team_id=owner.current_team_id, user_id=owner.id, campaign_id=campaign_id,
                       content_type="social_post", platform="linkedin", job_id="job-9", step_key="a",
                       on_text=lambda _t: None, config=app.config)
        db.session.commit()
    [row] = usage_rows(app, owner.current_team_id)
    assert (row.job_id, row.user_id, row.model) == ("job-9", owner.id, "test-model")
    assert row.prompt_tokens == openai_server.usage_sent[0]["prompt_tokens"]
    assert row.completion_tokens == openai_server.usage_sent[0]["completion_tokens"]
    assert usage_rows(app, other.current_team_id) == []


def test_prompt_inputs_are_capped(app, api, owner, openai_server):
    from webapp.services.usage import TEXT_CAPS

    persona = make_persona(app, owner, goals="grow " * 700)  # 3,500 characters
    cid = make_campaign(app, owner, persona, description="word " * 900,
                        keywords=", ".join(f"k{i}" for i in range(60)))
    assert api.post("/api/content/generate-social", json={"campaignId": cid}).status_code == 201
    prompt = openai_server.completions[0]["messages"][1]["content"]
    data = json.loads(prompt.split("<data>")[1].split("</data>")[0])
    goals = data["persona"]["goals"]
    assert 900 < len(goals) <= TEXT_CAPS["goals"] == 1000 and goals.endswith("grow")  # cut between words
    assert len(data["campaign"]["description"]) <= TEXT_CAPS["description"]
    assert data["campaign"]["keywords"] == [f"k{i}" for i in range(20)]  # at most 20 keywords
