"""The browser side of live progress: HTML fragments over /ws/campaigns/<id> and /ws/jobs, and the
campaign page without JavaScript."""
from __future__ import annotations

import re

from tests.helpers.fixtures_jobs import make_campaign
from webapp.extensions import db
from webapp.models import Job

from .conftest import THREE


def test_browser_socket_streams_html_fragments_and_replays(app, owner, worker, ws_connect, login, openai_server):
    openai_server.script(*["hostile:token_delay=0.003"] * 6)  # every answer (and any repair) is hostile
    cid = make_campaign(app, owner, content_types=["social_post"], platforms=["linkedin", "twitter"])
    page = login(owner).get(f"/campaigns/{cid}")
    html = page.get_data(as_text=True)
    assert 'hx-ws:connect="/ws/campaigns/' in html and "Generate campaign" in html
    cursor = int(re.search(r'id="ws-cursor-campaign-\d+" class="ws-cursor" data-seq="(\d+)"', html).group(1))

    sock = ws_connect(f"/ws/campaigns/{cid}?after={cursor}", user=owner)
    r = login(owner).post(f"/campaigns/{cid}/generate", headers={"HX-Request": "true"})
    assert r.status_code == 202 and 'id="job-panel"' in r.get_data(as_text=True)
    # Until the job's end fragment (its panel and the head's badge; a late progress bar may say
    # "succeeded" a message earlier).
    got = sock.until(lambda m: 'data-status="succeeded"' in m and 'id="campaign-status"' in m)
    assert all('hx-swap-oob' in m for m in got)
    # A message reflecting stored events carries the replay cursor; one made only of live token
    # deltas has none (deltas are not replayed one by one).
    live_only = r'<span id="[^"]+-text" hx-swap-oob="beforeend">.*?</span>|<span id="[^"]+-state"[^>]*>[^<]*</span>'
    stored = [m for m in got if re.sub(live_only, "", m, flags=re.S).strip()]
    assert all('id="ws-cursor-campaign-' in m for m in stored)
    seqs = [int(re.search(r'data-seq="(\d+)"', m).group(1)) for m in stored]
    assert seqs == sorted(seqs)
    deltas = [m for m in got if 'hx-swap-oob="beforeend"' in m]
    assert deltas, "token deltas reach the page"
    joined = "".join(got)
    assert "<script>alert(1)</script>" not in joined and "&lt;script&gt;" in joined  # LLM text escaped
    assert re.search(r'id="content-\d+"', joined)  # the final scored card
    # A piece's scored card arrives as soon as it is written, not only with the job's final panel.
    assert re.search(r'<article id="piece-[^"]+" class="job-piece state-done" hx-swap-oob="true"', joined)
    # The head's status badge follows the job: "generating" while it runs, then the status before.
    badges = re.findall(r'<span id="campaign-status" hx-swap-oob="true"><span class="badge badge-(\w+)', joined)
    assert badges[0] == "generating" and badges[-1] == "draft"

    # Reconnect from an early cursor: the page is brought up to date from the stored rows.
    again = ws_connect(f"/ws/campaigns/{cid}?after={seqs[0]}", user=owner)
    snapshot = again.recv(timeout=5)
    assert 'id="job-panel"' in snapshot and 'data-status="succeeded"' in snapshot
    assert f'data-seq="{seqs[-1]}"' in snapshot or int(re.search(r'data-seq="(\d+)"', snapshot).group(1)) >= seqs[-1]
    # Up to date: nothing to replay.
    quiet = ws_connect(f"/ws/campaigns/{cid}?after={seqs[-1] + 100}", user=owner)
    assert quiet.recv(timeout=0.5) is None


def test_jobs_socket_updates_indicator_and_toasts(app, owner, worker, ws_connect, login, openai_server):
    openai_server.script("ok:delay=0.5")  # slow enough to see the indicator busy
    cid = make_campaign(app, owner, content_types=["email"], platforms=["email"])
    html = login(owner).get("/jobs").get_data(as_text=True)
    assert 'id="jobs-indicator"' in html and "No jobs yet" in html
    cursor = re.search(r'id="ws-cursor-jobs" class="ws-cursor" data-seq="(\d+)"', html).group(1)
    sock = ws_connect(f"/ws/jobs?after={cursor}", user=owner)
    login(owner).post(f"/campaigns/{cid}/generate")
    got = sock.until(lambda m: "toast" in m)
    assert any('id="jobs-indicator"' in m and "busy" in m for m in got), got
    assert "Generation finished: 1 pieces written." in got[-1]
    assert "Whole campaign" in login(owner).get("/jobs").get_data(as_text=True)


def test_campaign_page_without_javascript_shows_the_job_state(app, owner, login, openai_server):
    cid = make_campaign(app, owner, **THREE)
    client = login(owner)
    r = client.post(f"/campaigns/{cid}/generate")
    assert r.status_code == 303
    html = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert 'data-status="queued"' in html and "0 of 3 pieces" in html and ">Cancel</button>" in html
    job_id = re.search(r'data-job-id="([0-9a-f-]+)"', html).group(1)
    r = client.post(f"/jobs/content-generation/{job_id}/cancel")
    assert r.status_code == 303
    html = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert 'data-status="cancelled"' in html and "Generate again" in html


def test_generate_button_conflict_and_viewer(app, owner, factory, login):
    cid = make_campaign(app, owner)
    client = login(owner)
    assert client.post(f"/campaigns/{cid}/generate", headers={"HX-Request": "true"}).status_code == 202
    r = client.post(f"/campaigns/{cid}/generate", headers={"HX-Request": "true"})
    assert r.status_code == 409 and "already being generated" in r.get_data(as_text=True)
    viewer = factory.user(team=factory.team_of(owner), role="viewer")
    html = login(viewer).get(f"/campaigns/{cid}").get_data(as_text=True)
    assert ">Cancel</button>" not in html and "Generate campaign" not in html
    # A campaign with no job, so that nothing but the role can refuse (cid answers 409 to anyone).
    idle = make_campaign(app, owner, name="Idle")
    as_viewer = login(viewer)
    r = as_viewer.post(f"/campaigns/{idle}/generate", headers={"HX-Request": "true"})
    assert r.status_code == 403
    # Without JavaScript a refusal, like a start, redirects back: the flash and the job table tell them apart.
    r = as_viewer.post(f"/campaigns/{idle}/generate")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/campaigns/{idle}#job-progress")
    page = as_viewer.get(r.headers["Location"]).get_data(as_text=True)
    assert "cannot do this" in page and "Generation started" not in page
    with app.app_context():
        assert db.session.query(Job).filter_by(campaign_id=idle).count() == 0


def test_a_queued_job_says_when_no_worker_is_running(app, owner, login):
    from webapp.services import jobs

    cid = make_campaign(app, owner, **THREE)
    client = login(owner)
    r = client.post(f"/campaigns/{cid}/generate", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 202 and "No background worker has checked in" in body  # no worker in this test
    # The head's badge is swapped along with the panel, before any socket event.
    assert '<span id="campaign-status" hx-swap-oob="true"><span class="badge badge-generating' in body
    assert "No background worker has checked in" in client.get(f"/campaigns/{cid}").get_data(as_text=True)
    with app.app_context():
        jobs.mark_worker_seen()  # as a consumer does at start-up, every minute and per task
    assert "No background worker" not in client.get(f"/campaigns/{cid}").get_data(as_text=True)
