"""generate-* within HERALD_SYNC_GENERATION_TIMEOUT (201), past it (202 + a job that finishes the
piece once), over HERALD_SYNC_GENERATION_LIMIT (503 + Retry-After), and an unreachable AI server (503),
against the real openai client and the loopback server."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.helpers.generation_setup import items_of, make_campaign, make_persona


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_config(openai_server):
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test", "HERALD_MODEL": "test-model",
            "HERALD_AI_BACKOFF_BASE": 0.01, "HERALD_AI_MAX_RETRIES": 1, "HERALD_AI_CRITIQUE": False}


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


def _finished(api, status_url: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(status_url).get_json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {status_url} did not finish")


def test_within_the_timeout_the_pieces_come_back_201(api, campaign_id):
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 201, r.get_json()
    [item] = r.get_json()["items"]
    assert item["metadata"]["jobId"]  # written under a job row, so a hand-over could not duplicate it


@pytest.mark.app_config(HERALD_SYNC_GENERATION_TIMEOUT=0.3)
def test_a_slow_model_gets_202_and_the_job_finishes_the_piece_once(app, api, campaign_id, openai_server):
    openai_server.script("slow:delay=1.5")
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["job"]["status"] == "running"
    assert body["statusUrl"] == f"/api/jobs/content-generation/{body['job']['id']}"
    assert items_of(app, campaign_id) == []  # not yet written
    job = _finished(api, body["statusUrl"])
    assert job["status"] == "succeeded", job
    items = items_of(app, campaign_id)
    assert len(items) == 1 and items[0].job_id == body["job"]["id"]
    assert len(openai_server.completions) == 1  # written once, not again by anyone else


@pytest.mark.app_config(HERALD_SYNC_GENERATION_TIMEOUT=0.2, HERALD_SYNC_GENERATION_LIMIT=1)
def test_over_the_limit_is_503_with_retry_after(app, api, campaign_id, openai_server):
    openai_server.script("slow:delay=1.5")
    first = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert first.status_code == 202  # still in flight in this process
    second = api.post("/api/content/generate-social", json={"campaignId": campaign_id})
    assert second.status_code == 503, second.get_json()
    assert second.get_json()["error"]["code"] == "generation_busy"
    assert int(second.headers["Retry-After"]) > 0
    assert _finished(api, first.get_json()["statusUrl"])["status"] == "succeeded"
    assert len(items_of(app, campaign_id)) == 1  # the refused call wrote nothing
    third = api.post("/api/content/generate-social", json={"campaignId": campaign_id})
    assert third.status_code in (201, 202), third.get_json()  # the slot is free again
    if third.status_code == 202:
        assert _finished(api, third.get_json()["statusUrl"])["status"] == "succeeded"


@pytest.mark.app_config(OPENAI_BASE_URL=f"http://127.0.0.1:{_closed_port()}/v1")
def test_unreachable_ai_server_is_503_with_retry_after(app, api, campaign_id):
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 503, r.get_json()
    assert r.get_json()["error"]["code"] == "ai_unavailable"
    assert int(r.headers["Retry-After"]) > 0
    assert items_of(app, campaign_id) == []


HX = {"HX-Request": "true"}


@pytest.mark.app_config(HERALD_SYNC_GENERATION_TIMEOUT=0.3)
def test_the_write_button_says_the_piece_is_still_being_written(app, api, login, owner, campaign_id, openai_server):
    openai_server.script("slow:delay=1.5")
    r = login(owner).post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"}, headers=HX)
    assert r.status_code == 202
    assert r.headers["HX-Retarget"] == "#ai-messages"
    assert "Still writing" in r.get_data(as_text=True)
    deadline = time.monotonic() + 30
    while not items_of(app, campaign_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(items_of(app, campaign_id)) == 1
    while any(t.name.startswith("sync-") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)  # let the job row be finished before the app is torn down


@pytest.mark.app_config(HERALD_SYNC_GENERATION_TIMEOUT=0.2, HERALD_SYNC_GENERATION_LIMIT=1)
def test_the_write_button_over_the_limit_is_a_clear_503(app, api, login, owner, campaign_id, openai_server):
    openai_server.script("slow:delay=1.5")
    first = api.post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert first.status_code == 202
    r = login(owner).post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"}, headers=HX)
    assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
    assert "already writing" in r.get_data(as_text=True)
    assert _finished(api, first.get_json()["statusUrl"])["status"] == "succeeded"
