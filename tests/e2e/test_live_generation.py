"""In a real browser: press Generate, watch the progress bar move and the text grow in the cards
without reloading, then see the final state (a real Huey consumer, the loopback OpenAI server)."""
from __future__ import annotations

import re
import time

import pytest

from tests.helpers.fixtures_jobs import jobs_config, make_campaign

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_config(tmp_path, openai_server):
    """CSRF on, jobs on the selected backend, writing through the loopback OpenAI server."""
    return jobs_config(tmp_path, WTF_CSRF_ENABLED=True, OPENAI_BASE_URL=openai_server.base_url,
                       OPENAI_API_KEY="sk-test", HERALD_AI_CRITIQUE=False)


def test_generate_streams_into_the_page(app, factory, worker, live_server, page, openai_server):
    # Slow streaming (150 ms a chunk of 7 characters) so the text can be seen growing.
    openai_server.script(*["ok:delay=0.2:token_delay=0.15"] * 6)
    user = factory.user("writer@example.com", "a long enough pass phrase")
    cid = make_campaign(app, user, content_types=["social_post"], platforms=["linkedin", "twitter"])

    frames, sockets = [], []  # for the failure message

    def watch(ws):
        sockets.append(ws.url)
        ws.on("framereceived", lambda f: frames.append(len(str(f))))

    page.on("websocket", watch)
    page.goto(f"{live_server.url}/login")
    page.locator("#email").fill("writer@example.com")
    page.locator("#password").fill("a long enough pass phrase")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}/campaigns/{cid}")
    url = page.url
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads


    page.get_by_role("button", name="Generate campaign").click()

    # Watch the page (no reload) until the job is done: the first piece's text and the progress bar.
    # One snapshot at a time, read inside the page (the pieces are being swapped while we look).
    snapshot = """() => {
        const bar = document.querySelector('#job-progress-bar');
        const text = document.querySelector(".job-piece p[id$='-text']");
        const progress = bar && bar.querySelector('progress');
        return [bar ? bar.dataset.status : null, text ? text.textContent.length : null,
                progress ? progress.getAttribute('value') : null];
    }"""
    bar = page.locator("#job-progress-bar")
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, length, value = page.evaluate(snapshot)
        seen.append((status, length, value))
        if status in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    lengths = [n for _, n, _ in seen if n]
    values = [v for _, _, v in seen if v is not None]
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Job

        jobs = [(j.status, j.progress_done, j.error) for j in db.session.query(Job).all()]
    why = f"{seen[-8:]}; {len(frames)} websocket frames; sockets {sockets}; jobs {jobs}"
    assert seen[-1][0] == "succeeded", why
    assert len(set(lengths)) >= 3, f"the text should grow while it is written: {why}"
    assert lengths == sorted(lengths), why
    assert values[0] in ("0", "1") and values[-1] == "2", why  # the bar moved
    assert "Finished" in bar.inner_text()
    assert page.locator(".job-piece.state-done").count() == 2
    assert page.locator(".job-piece .content-card").count() == 2  # the final, scored cards
    assert page.url == url and page.evaluate("window.__sameDocument") is True  # no reload
    assert page.console_errors == []
