"""In a real browser: press Generate, watch the progress bar move and the text grow in the cards
without reloading, then see the final state (a real Huey consumer, the loopback OpenAI server)."""
from __future__ import annotations

import re
import time

import pytest

from tests.conftest import make_app
from tests.helpers.fixtures_jobs import flush_redis, jobs_config, make_campaign

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(tmp_path, openai_server):
    """CSRF on, jobs on the selected backend, writing through the loopback OpenAI server."""
    app = make_app(tmp_path, **jobs_config(tmp_path, WTF_CSRF_ENABLED=True, OPENAI_BASE_URL=openai_server.base_url,
                                           OPENAI_API_KEY="sk-test", HERALD_AI_CRITIQUE=False))
    yield app
    flush_redis(app)


def test_generate_streams_into_the_page(app, factory, worker, live_server, page, openai_server):
    # Slow streaming (150 ms a chunk of 7 characters) so the text can be seen growing.
    openai_server.script(*["ok:delay=0.2:token_delay=0.15"] * 6)
    user = factory.user("writer@example.com", "a long enough pass phrase")
    cid = make_campaign(app, user, content_types=["social_post"], platforms=["linkedin", "twitter"])

    page.goto(f"{live_server.url}/login")
    page.locator("#email").fill("writer@example.com")
    page.locator("#password").fill("a long enough pass phrase")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}/campaigns/{cid}")
    url = page.url
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads


    page.get_by_role("button", name="Generate campaign").click()
    page.locator(".job-piece [id$='-state']", has_text="writing…").first.wait_for()  # the socket says so
    streaming = page.locator(".job-piece p[id$='-text']").first  # the text of the first piece
    lengths = []
    for _ in range(10):
        lengths.append(len(streaming.inner_text()) if streaming.count() else -1)
        time.sleep(0.15)
    growing = [n for n in lengths if n > 0]
    assert len(set(growing)) >= 3, f"the text should grow while it is written: {lengths}"

    bar = page.locator("#job-progress-bar")
    page.locator("#job-progress-bar[data-status='succeeded']").wait_for(timeout=20_000)
    assert page.locator("#job-progress-bar progress").get_attribute("value") == "2"
    assert "Finished" in bar.inner_text()
    assert page.locator(".job-piece.state-done").count() == 2
    assert page.locator(".job-piece .content-card").count() == 2  # the final, scored cards
    assert page.url == url and page.evaluate("window.__sameDocument") is True  # no reload
    assert page.console_errors == []
