"""The AI parts of the campaign page: banner, generate buttons, card actions, escaping of LLM text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import Factory, login_client
from tests.helpers.generation_setup import items_of, make_campaign, make_item, make_persona
from tests.helpers.openai_server import HOSTILE

HX = {"HX-Request": "true"}


class _Live(HTMLParser):
    """Collects live <script> elements and hx-* attributes of the parsed page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.hx: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "hx-partial", "template"):
            self.scripts.append({"tag": tag, **attrs})
        for name, value in attrs.items():
            if name.startswith(("hx-", "data-hx-")):
                self.hx.append((tag, name, value or ""))
            if name.startswith("on"):
                self.hx.append((tag, name, value or ""))


def live(html: str) -> _Live:
    parser = _Live()
    parser.feed(html)
    return parser


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


def test_page_shows_offline_banner_and_generate_buttons(app, login, owner, campaign_id):
    page = login(owner).get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "built-in offline writer" in page
    assert "Tokens this month: 0 of 2,000,000" in page
    assert f'hx-post="/campaigns/{campaign_id}/ai/generate"' in page
    assert "Write Email" in page and "Write Google search ad" in page


def test_generate_button_returns_the_new_card(app, login, owner, campaign_id):
    c = login(owner)
    r = c.post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "social_post", "platform": "linkedin"},
               headers=HX)
    assert r.status_code == 201
    html = r.get_data(as_text=True)
    [item] = items_of(app, campaign_id)
    assert f'id="content-{item.id}"' in html
    assert "Wrote 1 LinkedIn post." in html and 'hx-swap-oob="true"' in html
    assert f"{item.quality_score}</span>/100" in html  # score shown with its breakdown
    assert '<ul class="breakdown"' in html and "Keywords" in html
    assert "Make variations" in html and "Regenerate" in html and "Approve" in html
    assert f'data-copy="#content-{item.id}-plain"' in html
    # The campaign page shows it too after a reload.
    assert f'id="content-{item.id}"' in c.get(f"/campaigns/{campaign_id}").get_data(as_text=True)


def test_other_format_select_and_count(app, login, owner, campaign_id):
    r = login(owner).post(f"/campaigns/{campaign_id}/ai/generate",
                          data={"format_pair": "ad_copy:meta_ads", "count": "2", "tone": "warm"}, headers=HX)
    assert r.status_code == 201
    assert [(i.content_type, i.platform) for i in items_of(app, campaign_id)] == [("ad_copy", "meta_ads")] * 2


def test_invalid_platform_shows_message_not_card(app, login, owner, campaign_id):
    r = login(owner).post(f"/campaigns/{campaign_id}/ai/generate",
                          data={"content_type": "email", "platform": "twitter"}, headers=HX)
    assert r.status_code == 422
    assert r.headers["HX-Retarget"] == "#ai-messages"
    assert "cannot target platform" in r.get_data(as_text=True)
    assert items_of(app, campaign_id) == []


def test_plain_post_redirects_with_flash(app, login, owner, campaign_id):
    r = login(owner).post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/campaigns/{campaign_id}")
    assert len(items_of(app, campaign_id)) == 1


def test_visual_brief_shown_when_campaign_wants_visuals(app, login, owner):
    cid = make_campaign(app, owner, make_persona(app, owner), include_visuals=True)
    html = login(owner).post(f"/campaigns/{cid}/ai/generate", data={"content_type": "social_post",
                                                                    "platform": "instagram"},
                             headers=HX).get_data(as_text=True)
    [item] = items_of(app, cid)
    assert item.visual_brief and item.visual_brief["aspect_ratio"] in ("4:5", "1:1", "1.91:1")
    assert "Visual brief" in html and "Alt text:" in html


def test_approve_regenerate_and_variations(app, login, owner, campaign_id):
    c = login(owner)
    c.post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"}, headers=HX)
    [item] = items_of(app, campaign_id)
    base = f"/campaigns/{campaign_id}/content/{item.id}"

    r = c.post(f"{base}/approve", headers=HX)
    assert r.status_code == 200 and "Unapprove" in r.get_data(as_text=True)
    assert items_of(app, campaign_id)[0].status == "approved"

    r = c.post(f"{base}/ai/regenerate", headers=HX)
    assert r.status_code == 200
    [again] = items_of(app, campaign_id)
    assert again.id == item.id and again.status == "draft"
    assert again.body != item.body or again.subject_line != item.subject_line

    r = c.post(f"{base}/ai/variations", data={"count": "2"}, headers=HX)
    assert r.status_code == 201
    rows = items_of(app, campaign_id)
    assert len(rows) == 3 and len({i.variant_group for i in rows}) == 1 and rows[0].variant_group


def test_viewer_sees_no_generate_buttons_and_is_refused(app, login, factory, owner, campaign_id):
    item_id = make_item(app, owner, campaign_id)
    viewer = factory.user(team=factory.team_of(owner), role="viewer")
    c = login(viewer)
    page = c.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "/ai/generate" not in page and "Regenerate" not in page
    assert "Copy" in page  # copying is not a change
    r = c.post(f"/campaigns/{campaign_id}/ai/generate", data={"content_type": "email"}, headers=HX)
    assert r.status_code == 403
    r = c.post(f"/campaigns/{campaign_id}/content/{item_id}/approve", headers=HX)
    assert r.status_code == 403 and r.headers["HX-Retarget"] == f"#content-{item_id}-ai-msg"
    assert items_of(app, campaign_id)[0].status == "draft"


def test_other_teams_campaign_is_404(app, login, factory, owner):
    stranger = factory.user()
    theirs = make_campaign(app, stranger)
    r = login(owner).post(f"/campaigns/{theirs}/ai/generate", data={"content_type": "email"}, headers=HX)
    assert r.status_code == 404
    r = login(owner).post(f"/campaigns/{theirs}/ai/generate", data={"content_type": "poem"}, headers=HX)
    assert r.status_code == 404  # the campaign is answered before what is wrong with the form
    assert items_of(app, theirs) == []


def test_ai_status_partial_offline(login, owner):
    r = login(owner).get("/ai/status", headers=HX)
    assert r.status_code == 200


# --- with a model: the loopback server ----------------------------------------------------------


@pytest.fixture
def model_app(app_factory, openai_server):
    return app_factory(OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="sk-test-secret-key",
                       HERALD_MODEL="test-model", HERALD_AI_BACKOFF_BASE=0.01)


def test_hostile_model_output_is_inert_on_the_page(model_app, openai_server):
    f = Factory(model_app)
    owner = f.user()
    cid = make_campaign(model_app, owner, make_persona(model_app, owner))
    c = login_client(model_app, owner)
    openai_server.script("hostile")
    r = c.post(f"/campaigns/{cid}/ai/generate", data={"content_type": "social_post", "platform": "linkedin"},
               headers=HX)
    assert r.status_code == 201, r.get_data(as_text=True)
    [item] = items_of(model_app, cid)
    assert HOSTILE in item.body  # stored as written…

    for html in (r.get_data(as_text=True), c.get(f"/campaigns/{cid}").get_data(as_text=True)):
        parsed = live(html)
        # …but rendered as text: no script without src, and no hx- attribute pointing at "/x".
        assert all(s.get("src") for s in parsed.scripts if s["tag"] == "script"), parsed.scripts
        assert not any(value == "/x" or name == "hx-trigger" and value == "load" and tag == "div"
                       for tag, name, value in parsed.hx), parsed.hx
        assert not any(name.startswith("on") for _, name, _ in parsed.hx)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert not re.search(r"<script>alert", html)


def test_page_names_the_model_and_checks_the_server(model_app, openai_server):
    owner = Factory(model_app).user()
    cid = make_campaign(model_app, owner)
    c = login_client(model_app, owner)
    page = c.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "Writing with <strong>test-model</strong>" in page
    status = c.get("/ai/status", headers=HX).get_data(as_text=True)
    assert "answers" in status and "sk-test-secret-key" not in status and "sk-test-secret-key" not in page
    host = openai_server.base_url.split("//")[1].split("/")[0]
    assert f"Server {host} answers." in status  # the writer's host, named on the page


def test_invalid_key_message_on_the_page(model_app, openai_server):
    owner = Factory(model_app).user()
    cid = make_campaign(model_app, owner)
    openai_server.script("401")
    r = login_client(model_app, owner).post(f"/campaigns/{cid}/ai/generate", data={"content_type": "email"},
                                            headers=HX)
    assert r.status_code == 502
    assert "refused the API key" in r.get_data(as_text=True)
    assert items_of(model_app, cid) == []
