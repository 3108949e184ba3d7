"""A job does not change what a campaign is: "generating" only while the job runs, then the status
the campaign had before, whether the job succeeded, failed or was cancelled (the job carries the
outcome). While it runs, a person cannot change the status (409 with the job's id)."""
from __future__ import annotations

import pytest

from tests.helpers.fixtures_jobs import make_campaign, wait_for_job
from webapp.extensions import db
from webapp.models import Campaign


def _status(app, campaign_id):
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


@pytest.mark.parametrize("before", ["draft", "active"])
def test_a_succeeded_job_leaves_the_campaign_as_it_was(app, owner, api, worker, before):
    cid = make_campaign(app, owner, status=before, content_types=["email"], platforms=["email"])
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    assert wait_for_job(app, job["id"])["status"] == "succeeded"
    assert _status(app, cid) == before
    assert api.get(f"/api/campaigns/{cid}").get_json()["status"] == before


def test_a_failed_job_carries_the_failure_not_the_campaign(app, owner, api, worker, openai_server):
    openai_server.script("401")  # a permanent error: the job fails at once
    cid = make_campaign(app, owner, status="active", content_types=["email"], platforms=["email"])
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    assert wait_for_job(app, job["id"])["status"] == "failed"
    assert _status(app, cid) == "active"


def test_a_cancelled_job_puts_the_status_back(app, owner, api):
    cid = make_campaign(app, owner, status="active")
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()  # no worker: it stays queued
    assert _status(app, cid) == "generating"
    assert api.delete(f"/api/jobs/content-generation/{job['id']}/cancel").status_code == 200
    assert _status(app, cid) == "active"


@pytest.mark.parametrize("new_status", ["draft", "active", "completed"])
def test_a_status_change_while_generating_is_409_with_the_job_id(app, owner, api, new_status):
    cid = make_campaign(app, owner)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()  # no worker: it stays queued
    r = api.put(f"/api/campaigns/{cid}", json={"status": new_status})
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "conflict" and error["jobId"] == job["id"]
    assert _status(app, cid) == "generating"
    # Other edits are still fine while the job waits.
    assert api.put(f"/api/campaigns/{cid}", json={"description": "Updated brief."}).status_code == 200


def test_the_reaper_settles_a_campaign_to_its_status_before(app, owner, api):
    from webapp.models import Job
    from webapp.services import jobs

    cid = make_campaign(app, owner, status="active")
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    with app.app_context():  # the job ended but its campaign was left "generating" (a crash in between)
        db.session.get(Job, job["id"]).status = "failed"
        db.session.commit()
    assert _status(app, cid) == "generating"
    with app.app_context():
        report = jobs.reap()  # what a worker does at start-up and every minute
    assert cid in report["settled_campaigns"]
    assert _status(app, cid) == "active"
