"""Bodies the OpenAPI document called valid but the server refused: the document now says what the
server enforces (the confirmation's rule, the visual URL's pattern, the job's platform and content
type as enums), and a client that follows it is accepted. Through HTTP, document and server alike."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tests.conftest import ApiClient, Factory, make_app
from webapp.api.openapi import build_document
from webapp.extensions import db
from webapp.services.choices import CONTENT_TYPES, PLATFORMS
from webapp.services.passwords import MIN_LENGTH


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("agrees"))
    factory = Factory(app)
    user = factory.user(email="owner@example.com")
    api = ApiClient(app, factory.token(user))
    campaign = api.post("/api/campaigns", json={"name": "Spring launch"}).get_json()
    with app.app_context():
        schemas = build_document(app)["components"]["schemas"]
    yield SimpleNamespace(app=app, api=api, campaign=campaign, schemas=schemas)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _register(world, email: str, **extra):
    return world.app.test_client().post("/api/auth/register",
                                        json={"email": email, "password": "a long new secret", **extra})


def test_register_takes_no_confirmation_or_an_equal_one(world):
    assert _register(world, "omits@example.com").status_code == 201
    assert _register(world, "equal@example.com", passwordConfirm="a long new secret").status_code == 201


def test_a_confirmation_that_differs_is_a_field_error_as_documented(world):
    r = _register(world, "differs@example.com", passwordConfirm="another long secret")
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"passwordConfirm": "The passwords do not match."}
    confirm = world.schemas["RegisterBody"]["properties"]["passwordConfirm"]
    # "" (and anything shorter than a password may be) is outside the document now; a different
    # password of the right length is described.
    assert confirm["minLength"] == MIN_LENGTH and "must equal password" in confirm["description"]
    assert "passwordConfirm" not in world.schemas["RegisterBody"]["required"]
    r = _register(world, "empty@example.com", passwordConfirm="")
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"passwordConfirm"}


URLS = ["https://example.com/a.png", "HTTP://Example.com", "/assets/1.png", "/", "  /padded  ", "",
        "http://[", "0000", "//evil.example", "/\\evil.example", "javascript:alert(1)", "http://", "http:///x",
        "ftp://example.com", "data:text/html,x", "example.com/a.png"]


def test_the_visual_url_pattern_is_the_servers_rule(world):
    pattern = world.schemas["ContentItemInput"]["properties"]["visualUrl"]["pattern"]
    assert world.schemas["ContentItemUpdate"]["properties"]["visualUrl"]["pattern"] == pattern
    url = f"/api/campaigns/{world.campaign['id']}/content"
    for visual_url in URLS:
        r = world.api.post(url, json={"contentType": "email", "platform": "email", "subjectLine": "S",
                                      "contentBody": "B", "visualUrl": visual_url})
        documented = re.search(pattern, visual_url) is not None
        assert r.status_code == (201 if documented else 422), (visual_url, r.status_code, r.get_json())
        if not documented:
            assert set(r.get_json()["error"]["fields"]) == {"visualUrl"}
    assert re.search(pattern, "0000") is None  # the probe's value: refused by both now


def test_generate_single_takes_the_choices_the_document_lists(world):
    schema = world.schemas["GenerateSingle"]["properties"]
    assert schema["platform"]["enum"] == list(PLATFORMS)
    assert schema["contentType"]["enum"] == list(CONTENT_TYPES)
    url = f"/api/jobs/campaigns/{world.campaign['id']}/generate-single"
    r = world.api.post(url, json={"contentType": "email", "platform": "0"})
    assert r.status_code == 422 and "platform" in r.get_json()["error"]["fields"]
    assert "0" not in schema["platform"]["enum"]
