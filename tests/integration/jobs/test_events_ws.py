"""Live progress over real websockets, with a real Huey consumer and the loopback OpenAI server."""
from __future__ import annotations

import json
import time

from tests.helpers.fixtures_jobs import make_campaign, wait_for_job
from webapp.extensions import db
from webapp.models import Campaign, ContentItem, JobEvent

from .conftest import THREE


def _names(events):
    return [e["event"] for e in events]


def test_progress_arrives_in_order_with_streamed_text(app, owner, token, api, worker, ws_connect, openai_server):
    openai_server.script(*["ok:token_delay=0.003"] * 3)
    cid = make_campaign(app, owner, **THREE)
    sock = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    events = sock.until(lambda m: m["event"] == "campaign:generation:completed", as_json=True)

    # Stored events carry their global seq, in order; token deltas are live-only (seq null).
    stored = [e for e in events if e["event"] != "content:generation:delta"]
    seqs = [e["seq"] for e in stored]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e["seq"] is None for e in events if e["event"] == "content:generation:delta")
    assert all(e["data"]["jobId"] == job["id"] for e in events)
    assert events[0]["event"] == "campaign:generation:started"
    progress = [e["data"]["progress"]["done"] for e in events if e["event"] == "campaign:generation:progress"]
    assert progress == [1, 2, 3]
    started = {e["data"]["stepKey"] for e in events if e["event"] == "content:generation:started"}
    completed = [e for e in events if e["event"] == "content:generation:completed"]
    assert started == {c["data"]["stepKey"] for c in completed} == {"social_post:linkedin", "social_post:twitter",
                                                                   "social_post:facebook"}
    streamed = "".join(e["data"]["text"] for e in events if e["event"] == "content:generation:delta"
                       and e["data"]["stepKey"] == "social_post:linkedin")
    with app.app_context():
        item = db.session.get(ContentItem, next(c["data"]["itemId"] for c in completed
                                                if c["data"]["stepKey"] == "social_post:linkedin"))
        assert item.body and item.body in streamed  # the text reached the socket while being written
    # Per piece, started precedes its completion, and every delta comes before the completion.
    for key in started:
        order = [e["event"] for e in events if e["data"].get("stepKey") == key]
        assert order.index("content:generation:started") < order.index("content:generation:completed")
        assert order[-1] == "content:generation:completed"
    assert events[-1]["data"]["status"] == "succeeded"


def test_replay_after_reconnect_from_a_seq(app, owner, token, api, worker, ws_connect, openai_server):
    openai_server.script(*["ok:delay=0.15"] * 3)
    cid = make_campaign(app, owner, **THREE)
    first = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    seen = first.until(lambda m: m["event"] == "content:generation:completed", as_json=True)
    first.close()
    last = seen[-1]["seq"]
    wait_for_job(app, job["id"])
    # The job's last events (completed, then the notification) are stored just after its status.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.query(JobEvent).filter_by(job_id=job["id"], event="notification").count():
                break
        time.sleep(0.02)

    again = ws_connect(f"/ws/api/events?campaign={cid}&after={last}", token=token)
    replayed = again.replayed
    assert all(e["seq"] > last for e in replayed)
    with app.app_context():
        stored = [(e.id, e.event) for e in db.session.query(JobEvent).filter(JobEvent.id > last).order_by(JobEvent.id)]
    assert [(e["seq"], e["event"]) for e in replayed] == stored
    assert "campaign:generation:completed" in _names(replayed)
    assert _names(replayed).count("content:generation:completed") == 2


def test_another_teams_socket_hears_nothing(app, owner, token, api, worker, ws_connect, factory, openai_server):
    cid = make_campaign(app, owner, **THREE)
    stranger = factory.user()
    stranger_token = factory.token(stranger)
    refused = ws_connect(f"/ws/api/events?campaign={cid}", token=stranger_token, wait_ready=False)
    assert refused.close_status() == 1008
    eavesdropper = ws_connect("/ws/api/events?after=0", token=stranger_token)
    browser = ws_connect(f"/ws/campaigns/{cid}?after=0", user=stranger)
    assert browser.close_status() == 1008
    mine = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    api.post(f"/api/jobs/campaigns/{cid}/generate")
    mine.until(lambda m: m["event"] == "campaign:generation:completed", as_json=True)
    assert eavesdropper.recv(timeout=0.5) is None
    assert [json.loads(m)["event"] for m in eavesdropper.messages] == ["ready"]


def test_bad_tokens_and_anonymous_browsers_are_refused(app, ws_connect, owner):
    assert ws_connect("/ws/api/events", token="nope", wait_ready=False).close_status() == 1008
    assert ws_connect("/ws/api/events", wait_ready=False).close_status() == 1008
    assert ws_connect("/ws/jobs").close_status() == 1008
    cid = make_campaign(app, owner)
    assert ws_connect(f"/ws/campaigns/{cid}").close_status() == 1008
    # A logged-in browser's cookie sent from another site's page is refused (cross-site websocket hijacking).
    assert ws_connect(f"/ws/campaigns/{cid}", user=owner, origin="http://evil.example").close_status() == 1008


def test_a_failed_job_says_why(app, owner, token, api, worker, ws_connect, openai_server):
    openai_server.script("401")
    cid = make_campaign(app, owner, content_types=["email"], platforms=["email"])
    sock = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    events = sock.until(lambda m: m["event"] == "campaign:generation:failed", as_json=True)
    failed = events[-1]["data"]
    assert failed["status"] == "failed" and "email for email" in failed["error"]
    assert "key" in failed["error"].lower() or "401" in failed["error"]
    body = api.get(f"/api/jobs/content-generation/{job['id']}").get_json()
    assert body["error"] == failed["error"] and body["attempt"] == 1  # permanent: no retry
    with app.app_context():
        assert db.session.get(Campaign, cid).status == "draft"  # the job carries the failure


def test_transient_errors_are_retried_with_backoff(app, owner, api, worker, openai_server):
    openai_server.script("503", "ok")
    cid = make_campaign(app, owner, content_types=["email"], platforms=["email"])
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    done = wait_for_job(app, job["id"])
    assert done["status"] == "succeeded" and done["attempt"] == 2
    with app.app_context():
        assert db.session.query(ContentItem).filter_by(campaign_id=cid).count() == 1


def test_transient_errors_give_up_after_max_attempts(app, owner, api, worker, openai_server):
    openai_server.script("503", "503", "503")
    cid = make_campaign(app, owner, content_types=["email"], platforms=["email"])
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    done = wait_for_job(app, job["id"])
    assert done["status"] == "failed" and done["attempt"] == 3 and "gave up after 3 attempts" in done["error"]


def test_cancel_stops_between_pieces_and_keeps_what_was_written(app, owner, token, api, worker, ws_connect,
                                                                  openai_server):
    app.config["HERALD_AI_CONCURRENCY"] = 1
    openai_server.script(*["ok:delay=0.3"] * 3)
    cid = make_campaign(app, owner, status="active", **THREE)
    sock = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    job = api.post(f"/api/jobs/campaigns/{cid}/generate").get_json()
    sock.until(lambda m: m["event"] == "content:generation:completed", as_json=True)
    r = api.delete(f"/api/jobs/content-generation/{job['id']}/cancel")
    assert r.status_code == 200 and r.get_json()["cancelRequested"] is True
    events = sock.until(lambda m: m["event"] == "campaign:generation:cancelled", as_json=True)
    done = wait_for_job(app, job["id"])
    assert done["status"] == "cancelled"
    with app.app_context():
        kept = db.session.query(ContentItem).filter_by(campaign_id=cid).count()
        assert 1 <= kept < 3 and done["result"]["written"] == kept
        assert db.session.get(Campaign, cid).status == "active"
    assert events[-1]["data"]["status"] == "cancelled"
