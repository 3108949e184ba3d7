"""The jobs API at the seed's paths, with a real Huey consumer doing the work (offline writer)."""
from __future__ import annotations

import pytest

from tests.helpers.fixtures_jobs import jobs_config, make_campaign, wait_for_job
from webapp.extensions import db
from webapp.models import Campaign, ContentItem, Job


@pytest.fixture
def app_config(tmp_path):
    """Job settings for the selected backend, writing offline (no loopback server)."""
    return jobs_config(tmp_path)


def _campaign_status(app, campaign_id):
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


def test_generate_campaign_runs_every_planned_piece_once(app, owner, api, worker):
    cid = make_campaign(app, owner, content_types=["email", "social_post"], platforms=["email", "linkedin"])
    r = api.post(f"/api/jobs/campaigns/{cid}/generate")
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["queue"] == "content-generation" and job["kind"] == "campaign"
    assert job["progress"]["total"] == 2
    assert {p["stepKey"] for p in job["pieces"]} == {"email:email", "social_post:linkedin"}

    done = wait_for_job(app, job["id"])
    assert done["status"] == "succeeded", done
    r = api.get(f"/api/jobs/content-generation/{job['id']}")
    body = r.get_json()
    assert body["status"] == "succeeded" and body["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert len(body["result"]["contentIds"]) == 2
    with app.app_context():
        items = db.session.query(ContentItem).filter_by(campaign_id=cid).all()
        assert sorted(i.step_key for i in items) == ["email:email", "social_post:linkedin"]
        assert all(i.job_id == job["id"] and i.generated_by == "ai" for i in items)
    assert _campaign_status(app, cid) == "draft"  # a job leaves the campaign as it found it


def test_second_generation_while_one_is_queued_is_409_with_its_id(app, owner, api):
    cid = make_campaign(app, owner)
    first = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    assert _campaign_status(app, cid) == "generating"
    r = api.post(f"/api/jobs/campaigns/{cid}/generate")
    assert r.status_code == 409
    assert r.get_json()["error"]["jobId"] == first["id"]
    # A single piece is refused too while the whole campaign is being written.
    r = api.post(f"/api/jobs/campaigns/{cid}/generate-single", json={"contentType": "email", "platform": "email"})
    assert r.status_code == 409 and r.get_json()["error"]["jobId"] == first["id"]


def test_job_is_enqueued_only_after_commit(app, owner):
    """A start whose transaction rolls back leaves nothing in the broker."""
    from tasks import huey
    from tests.helpers.fixtures_jobs import actor_of
    from webapp.services import jobs

    cid = make_campaign(app, owner)
    with app.app_context():
        jobs.start_campaign_generation(actor_of(owner, app), cid)
        assert huey.pending_count() == 0  # flushed, not committed: not enqueued yet
        db.session.rollback()
    assert huey.pending_count() == 0
    with app.app_context():
        job = jobs.start_campaign_generation(actor_of(owner, app), cid)
        db.session.commit()
        assert [t.args[0] for t in huey.pending()] == [job.id]


def test_unknown_queue_and_other_teams_jobs_are_404(app, owner, api, factory, api_client):
    cid = make_campaign(app, owner)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    assert api.get(f"/api/jobs/no-such-queue/{job['id']}").status_code == 404
    assert api.get(f"/api/jobs/email-sending/{job['id']}").status_code == 404
    stranger = api_client(factory.token(factory.user()))
    assert stranger.get(f"/api/jobs/content-generation/{job['id']}").status_code == 404
    assert stranger.delete(f"/api/jobs/content-generation/{job['id']}/cancel").status_code == 404
    assert stranger.post(f"/api/jobs/campaigns/{cid}/generate").status_code == 404
    assert stranger.get("/api/jobs/user/recent").get_json()["items"] == []


def test_viewer_cannot_start_or_cancel(app, owner, api, factory, api_client):
    cid = make_campaign(app, owner)
    viewer = factory.user(team=factory.team_of(owner), role="viewer")
    as_viewer = api_client(factory.token(viewer))
    assert as_viewer.post(f"/api/jobs/campaigns/{cid}/generate").status_code == 403
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    assert as_viewer.get(f"/api/jobs/content-generation/{job['id']}").status_code == 200
    assert as_viewer.delete(f"/api/jobs/content-generation/{job['id']}/cancel").status_code == 403


def test_cancel_a_queued_job_restores_the_campaign(app, owner, api):
    cid = make_campaign(app, owner, status="active")
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    r = api.delete(f"/api/jobs/content-generation/{job['id']}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert _campaign_status(app, cid) == "active"
    assert api.delete(f"/api/jobs/content-generation/{job['id']}/cancel").status_code == 409
    # A new generation may start now.
    assert api.post(f"/api/jobs/campaigns/{cid}/generate").status_code == 202


@pytest.mark.parametrize("body, field", [
    ({"platform": "email"}, "contentType"),
    ({"contentType": "email"}, "platform"),
    ({"contentType": "email", "platform": ""}, "platform"),
    ({"contentType": "poem", "platform": "email"}, "contentType"),
    ({"contentType": "email", "platform": "twitter"}, "platform"),
    ({"contentType": ["email"], "platform": "email"}, "contentType"),
    ({"contentType": "email", "platform": "email", "tone": 5}, "tone"),
    ({"contentType": "email", "platform": "email", "tone": "x" * 61}, "tone"),
    ({"contentType": "email", "platform": "email", "personaId": "abc"}, "personaId"),
    ({"contentType": "email", "platform": "email", "personaId": 999999}, "personaId"),
])
def test_generate_single_refuses_bad_input(app, owner, api, body, field):
    cid = make_campaign(app, owner)
    r = api.post(f"/api/jobs/campaigns/{cid}/generate-single", json=body)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]


def test_generate_single_refuses_a_non_object_body(app, owner, api):
    cid = make_campaign(app, owner)
    assert api.post(f"/api/jobs/campaigns/{cid}/generate-single", json=["email"]).status_code == 400


def test_generate_single_writes_one_piece_with_the_tone(app, owner, api, worker):
    cid = make_campaign(app, owner, status="active")
    r = api.post(f"/api/jobs/campaigns/{cid}/generate-single",
                 json={"contentType": "social_post", "platform": "twitter", "tone": "playful"})
    assert r.status_code == 202
    job = r.get_json()
    assert job["kind"] == "single" and job["progress"]["total"] == 1
    assert _campaign_status(app, cid) == "active"  # one piece does not lock the campaign
    assert wait_for_job(app, job["id"])["status"] == "succeeded"
    with app.app_context():
        items = db.session.query(ContentItem).filter_by(campaign_id=cid).all()
        assert [(i.content_type, i.platform) for i in items] == [("social_post", "twitter")]


def test_recent_lists_my_jobs_newest_first(app, owner, api):
    a = make_campaign(app, owner, name="A")
    b = make_campaign(app, owner, name="B")
    first = api.post(f"/api/jobs/campaigns/{a}/generate").get_json()
    second = api.post(f"/api/jobs/campaigns/{b}/generate").get_json()
    items = api.get("/api/jobs/user/recent").get_json()["items"]
    assert [j["id"] for j in items] == [second["id"], first["id"]]
    assert len(api.get("/api/jobs/user/recent?limit=1").get_json()["items"]) == 1
    for bad in ("abc", "0", "101", "1.5"):
        r = api.get(f"/api/jobs/user/recent?limit={bad}")
        assert r.status_code == 400 and "limit" in r.get_json()["error"]["fields"]
    assert api.get("/api/jobs/user/recent?limit=").status_code == 200  # empty means the default


def test_queue_status_reports_every_seed_queue_truthfully(app, owner, api):
    cid = make_campaign(app, owner)
    api.post(f"/api/jobs/campaigns/{cid}/generate")
    queues = {q["name"]: q for q in api.get("/api/jobs/queues/status").get_json()["queues"]}
    assert set(queues) == {"content-generation", "email-sending", "analytics-processing", "data-exports"}
    content = queues["content-generation"]
    assert content["pending"] == 1 and content["jobs"]["queued"] == 1 and content["acceptsWork"] is True
    assert queues["email-sending"]["acceptsWork"] is False and "No tasks" in queues["email-sending"]["note"]


def test_health_reports_broker_and_worker(app, owner, api):
    body = api.get("/api/jobs/health").get_json()
    assert body["broker"]["ok"] is True
    assert body["worker"]["alive"] is False and body["status"] == "degraded"
    from tasks import _reap

    _reap()  # what a worker does at start-up and every minute
    body = api.get("/api/jobs/health").get_json()
    assert body["worker"]["alive"] is True and body["status"] == "ok"


def test_api_requires_auth(client):
    assert client.get("/api/jobs/health").status_code == 401
    assert client.post("/api/jobs/campaigns/1/generate").status_code == 401
    assert client.post("/api/jobs/campaigns/1/generate", json={}).status_code == 401


def test_openapi_documents_the_job_paths(app, api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    for path, method in [("/api/jobs/health", "get"), ("/api/jobs/queues/status", "get"),
                         ("/api/jobs/{queue}/{job_id}", "get"), ("/api/jobs/campaigns/{campaign_id}/generate", "post"),
                         ("/api/jobs/campaigns/{campaign_id}/generate-single", "post"),
                         ("/api/jobs/user/recent", "get"), ("/api/jobs/{queue}/{job_id}/cancel", "delete")]:
        assert method in paths[path], path


def test_nothing_to_generate_is_422(app, owner, api):
    cid = make_campaign(app, owner)
    with app.app_context():
        db.session.get(Campaign, cid).platforms = ["email"]
        db.session.get(Campaign, cid).content_types = ["ad_copy"]
        db.session.commit()
    r = api.post(f"/api/jobs/campaigns/{cid}/generate")
    assert r.status_code == 422
    with app.app_context():
        assert db.session.query(Job).count() == 0


def test_queue_status_shows_only_the_callers_team(app, owner, api):
    from tests.conftest import ApiClient, Factory

    other = Factory(app).user()
    other_api = ApiClient(app, Factory(app).token(other))
    for _ in range(2):  # two waiting jobs of the other team
        other_cid = make_campaign(app, other)
        assert other_api.post(f"/api/jobs/campaigns/{other_cid}/generate").status_code == 202
    assert api.post(f"/api/jobs/campaigns/{make_campaign(app, owner)}/generate").status_code == 202

    mine = {q["name"]: q for q in api.get("/api/jobs/queues/status").get_json()["queues"]}["content-generation"]
    theirs = {q["name"]: q for q in other_api.get("/api/jobs/queues/status").get_json()["queues"]}["content-generation"]
    assert (mine["pending"], mine["jobs"]["queued"]) == (1, 1)
    assert (theirs["pending"], theirs["jobs"]["queued"]) == (2, 2)
    # The operator sees the whole broker on the command line.
    result = app.test_cli_runner().invoke(args=["queues"])
    assert result.exit_code == 0 and "content-generation\t3\t0" in result.output
