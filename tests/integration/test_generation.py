"""Generation against the REAL openai client and the loopback server: saved items, prompts built
from the persona, retries, errors, streaming usage, idempotency and the no-transaction rule."""
from __future__ import annotations

import time

import pytest

from tests.conftest import ApiClient, Factory
from tests.helpers.generation_setup import (
    PERSONA,
    actor_of,
    items_of,
    make_campaign,
    make_persona,
    usage_rows,
)
from webapp.extensions import db


@pytest.fixture
def app_config(openai_server):
    """The writer is the openai client pointed at the loopback server."""
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test", "HERALD_MODEL": "test-model",
            "HERALD_AI_BACKOFF_BASE": 0.01, "HERALD_AI_MAX_RETRIES": 2}


@pytest.fixture
def persona_id(app, owner):
    return make_persona(app, owner)


@pytest.fixture
def campaign_id(app, owner, persona_id):
    return make_campaign(app, owner, persona_id)


def _sent(server) -> int:
    return sum(u["prompt_tokens"] + u["completion_tokens"] for u in server.usage_sent)


def test_generate_email_saves_model_tokens_and_usage(app, api, owner, campaign_id, openai_server):
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 201, r.get_json()
    [item] = r.get_json()["items"]
    meta = item["metadata"]
    assert meta["generatedBy"] == "ai" and meta["model"] == "test-model"
    assert meta["promptTokens"] > 0 and meta["completionTokens"] > 0
    assert item["subjectLine"] == "Your reports, done before lunch"
    # write + critique: two completions, and every token the server reported is accounted for
    assert len(openai_server.completions) == 2
    assert meta["promptTokens"] + meta["completionTokens"] == _sent(openai_server)
    assert item["scoreBreakdown"]["critique"]["max"] == 10
    assert item["scoreBreakdown"]["critique"]["suggestions"]
    rows = usage_rows(app, owner.current_team_id)
    assert sum(r.prompt_tokens + r.completion_tokens for r in rows) == _sent(openai_server)
    assert all(r.user_id == owner.id and r.model == "test-model" for r in rows)
    assert r.get_json()["usage"]["total"] == _sent(openai_server)


def test_persona_fields_reach_the_prompt(api, campaign_id, openai_server):
    assert api.post("/api/content/generate-social", json={"campaignId": campaign_id}).status_code == 201
    prompt = "\n".join(m["content"] for m in openai_server.completions[0]["messages"])
    for key in ("role", "goals", "pain_points", "objections", "voice_notes"):
        assert PERSONA[key] in prompt, key
    assert "Spring Dashboards" in prompt and "dashboards" in prompt


def test_persona_override_and_tone(app, api, owner, campaign_id, openai_server):
    other = make_persona(app, owner, name="Omar the Ops Manager", pain_points="Night shifts of manual data entry")
    r = api.post("/api/content/generate-social",
                 json={"campaignId": campaign_id, "personaId": other, "tone": "playful"})
    assert r.status_code == 201
    prompt = openai_server.completions[0]["messages"][1]["content"]
    assert "Night shifts of manual data entry" in prompt and PERSONA["pain_points"] not in prompt
    assert '"tone": "playful"' in prompt


def test_creativity_maps_to_temperature(app, api, owner, openai_server):
    cid = make_campaign(app, owner, creativity_level=10)
    api.post("/api/content/generate-social", json={"campaignId": cid})
    assert openai_server.completions[0]["temperature"] == 1.2


def test_budget_refusal_happens_before_any_request(app, api, owner, campaign_id, openai_server):
    from tests.helpers.generation_setup import add_usage, set_budget

    set_budget(app, owner.current_team_id, 1000)
    add_usage(app, owner.current_team_id, 1000)
    before = len(openai_server.requests)
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 429
    err = r.get_json()["error"]
    assert err["code"] == "budget_exceeded"
    assert "1,000 of its 1,000 tokens" in err["message"] and "resets" in err["message"]
    assert len(openai_server.requests) == before  # nothing reached the server
    assert items_of(app, campaign_id) == []


def test_retry_after_429_is_honoured(api, campaign_id, openai_server):
    openai_server.script("429:retry-after=0.3")
    start = time.monotonic()
    r = api.post("/api/content/generate-social", json={"campaignId": campaign_id})
    assert r.status_code == 201
    posts = [q for q in openai_server.requests if q["method"] == "POST"]
    assert len(posts) == 3  # 429, retry, critique
    assert posts[1]["at"] - posts[0]["at"] >= 0.3
    assert time.monotonic() - start >= 0.3


def test_invalid_key_is_502_and_not_retried(app, api, campaign_id, openai_server):
    openai_server.script("401")
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 502
    err = r.get_json()["error"]
    assert err["code"] == "ai_provider_error" and "API key" in err["message"]
    assert len(openai_server.completions) == 1
    assert items_of(app, campaign_id) == []


def test_exhausted_retries_are_503_with_retry_after(app, api, campaign_id, openai_server):
    openai_server.script("503", "503", "503:retry-after=7")
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "7"
    assert r.get_json()["error"]["code"] == "ai_unavailable"
    assert len(openai_server.completions) == 3  # first try + HERALD_AI_MAX_RETRIES=2
    assert items_of(app, campaign_id) == []


def test_batch_failure_keeps_what_was_written(app, api, campaign_id, openai_server):
    # piece 1: write + critique ok; piece 2: key refused
    openai_server.script("ok", "ok", "401")
    r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id})
    assert r.status_code == 502
    assert "1 piece(s) written before the failure were saved" in r.get_json()["error"]["message"]
    assert len(items_of(app, campaign_id)) == 1


def test_over_limit_output_is_repaired_or_flagged(app, api, campaign_id, openai_server):
    openai_server.script("overlimit", "overlimit", "overlimit")
    r = api.post("/api/content/generate-social", json={"campaignId": campaign_id, "platform": "twitter"})
    assert r.status_code == 201
    [item] = r.get_json()["items"]
    assert item["violations"] and "280" in item["violations"][0]
    assert item["status"] == "draft"
    assert item["scoreBreakdown"]["limits"]["score"] == 0


def test_critique_can_be_turned_off(app_factory, openai_server):
    app = app_factory(OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="test", HERALD_AI_CRITIQUE=False)
    owner = Factory(app).user()
    cid = make_campaign(app, owner)
    r = ApiClient(app, Factory(app).token(owner)).post("/api/content/generate-email", json={"campaignId": cid})
    assert r.status_code == 201
    assert len(openai_server.completions) == 1
    assert r.get_json()["items"][0]["scoreBreakdown"]["critique"]["max"] == 0


def test_an_unusable_critique_still_counts_its_tokens(app, api, owner, campaign_id, openai_server):
    openai_server.script("ok", "text=Looks good to me, ship it.")  # the critic answers, but not in JSON
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 201, r.get_json()
    [item] = r.get_json()["items"]
    assert len(openai_server.completions) == 2
    assert item["scoreBreakdown"]["critique"]["max"] == 0  # scored without a critique...
    meta = item["metadata"]
    assert meta["promptTokens"] + meta["completionTokens"] == _sent(openai_server)  # ...but billed for it
    assert sum(r.prompt_tokens + r.completion_tokens for r in usage_rows(app, owner.current_team_id)) == \
        _sent(openai_server)


# --- the service as the job runner calls it -----------------------------------------------------


def _piece(app, owner, campaign_id, **kw):
    from webapp.services.generation import generate_piece

    with app.app_context():
        item = generate_piece(team_id=owner.current_team_id, user_id=owner.id, campaign_id=campaign_id,
                              config=app.config, **{"content_type": "social_post", "platform": "linkedin", **kw})
        db.session.commit()
        return item.id, item.prompt_tokens + item.completion_tokens


def test_streaming_sends_text_and_records_usage(app, owner, campaign_id, openai_server):
    chunks: list[str] = []
    item_id, tokens = _piece(app, owner, campaign_id, on_text=chunks.append, job_id="job-1", step_key="s1")
    assert chunks and "Manual reporting eats your week" in "".join(chunks)
    assert openai_server.completions[0]["stream"] is True
    assert openai_server.completions[0]["stream_options"] == {"include_usage": True}
    rows = usage_rows(app, owner.current_team_id)
    assert sum(r.prompt_tokens + r.completion_tokens for r in rows) == _sent(openai_server) == tokens
    assert {r.job_id for r in rows} == {"job-1"}


def test_job_step_is_idempotent(app, owner, campaign_id, openai_server):
    first, _ = _piece(app, owner, campaign_id, job_id="job-2", step_key="social_post:linkedin")
    calls = len(openai_server.requests)
    again, _ = _piece(app, owner, campaign_id, job_id="job-2", step_key="social_post:linkedin")
    assert again == first
    assert len(openai_server.requests) == calls
    assert len(items_of(app, campaign_id)) == 1
    [item] = items_of(app, campaign_id)
    assert item.job_id == "job-2" and item.step_key == "social_post:linkedin"


def test_no_transaction_is_open_during_the_model_call(app, owner, campaign_id, openai_server):
    """While the server holds the request, another connection can write (SQLite: BEGIN IMMEDIATE)."""
    import threading

    from sqlalchemy import text

    openai_server.script("ok:delay=0.6")
    done = threading.Event()
    result = {}

    def other_writer():
        time.sleep(0.25)  # the model call is in flight now
        with app.app_context():
            start = time.monotonic()
            db.session.execute(text("UPDATE teams SET name = 'renamed' WHERE id = :id"),
                               {"id": owner.current_team_id})
            db.session.commit()
            result["waited"] = time.monotonic() - start
        done.set()

    t = threading.Thread(target=other_writer)
    t.start()
    _piece(app, owner, campaign_id)
    t.join(5)
    assert done.is_set()
    assert result["waited"] < 0.3  # not blocked behind the generating request


def test_generate_piece_raises_ai_errors_unchanged(app, owner, campaign_id, openai_server):
    from webapp.ai.types import PermanentAIError
    from webapp.services.generation import generate_piece

    openai_server.script("401")
    with app.app_context(), pytest.raises(PermanentAIError):
        generate_piece(team_id=owner.current_team_id, user_id=owner.id, campaign_id=campaign_id,
                       content_type="email", platform="email", config=app.config)


def test_rescore_after_manual_edit(app, owner, campaign_id, openai_server):
    from webapp.models import ContentItem
    from webapp.services.generation import rescore

    item_id, _ = _piece(app, owner, campaign_id)
    with app.app_context():
        item = db.session.get(ContentItem, item_id)
        before = item.quality_score
        item.body = "x" * 3100
        rescore(item)
        assert item.violations and "3000" in item.violations[0]
        assert item.quality_score < before
        assert item.score_breakdown["critique"]["max"] == 0  # the stale critique is dropped


def test_writer_is_cached_per_settings(app):
    from webapp.services.generation import writer_for

    a = writer_for(app.config)
    assert writer_for(dict(app.config)) is a
    assert writer_for({**app.config, "HERALD_MODEL": "other"}) is not a


def test_usage_this_month_ignores_last_month(app, owner):
    from datetime import UTC, datetime, timedelta

    from webapp.models import TokenUsage
    from webapp.services.generation import usage_this_month
    from webapp.services.usage import month_start

    with app.app_context():
        db.session.add(TokenUsage(team_id=owner.current_team_id, prompt_tokens=500, completion_tokens=0,
                                  created_at=month_start() - timedelta(seconds=1)))
        db.session.add(TokenUsage(team_id=owner.current_team_id, prompt_tokens=30, completion_tokens=12,
                                  created_at=datetime.now(UTC)))
        db.session.commit()
        u = usage_this_month(owner.current_team_id)
    assert (u["prompt_tokens"], u["completion_tokens"], u["total"]) == (30, 12, 42)
    assert u["budget"] == 2_000_000 and u["resets_at"] > datetime.now(UTC)


def test_actor_helper_roles(owner):
    assert actor_of(owner).role == "owner"
