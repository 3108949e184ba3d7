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


def test_an_empty_string_is_no_number_and_no_choice_in_json(world):
    api, cid = world.api, world.campaign["id"]
    items = [api.post(f"/api/campaigns/{cid}/content", json={"contentType": "email", "platform": "email",
                                                             "subjectLine": s, "contentBody": "B"}).get_json()
             for s in ("A", "B")]
    test = api.post(f"/api/campaigns/{cid}/ab-tests", json={"name": "T", "variantAId": items[0]["id"],
                                                            "variantBId": items[1]["id"], "confidence": 0.5}).get_json()
    r = api.put(f"/api/campaigns/{cid}/ab-tests/{test['id']}", json={"variantAId": "", "confidence": ""})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"variantAId": "Must be a number.", "confidence": "Must be a number."}
    r = api.put(f"/api/campaigns/{cid}", json={"budget": "", "objective": "", "personaId": ""})
    assert r.get_json()["error"]["fields"] == {
        "budget": "Must be a number.", "objective": "Must be one of awareness, consideration, conversion.",
        "personaId": "Not a valid choice."}
    got = api.get(f"/api/campaigns/{cid}/ab-tests/{test['id']}").get_json()
    assert (got["variantAId"], got["confidence"]) == (items[0]["id"], 0.5)
    # "" is documented where it means none: an A/B test's winner, a content list as one text.
    r = api.put(f"/api/campaigns/{cid}/ab-tests/{test['id']}", json={"winner": ""})
    assert r.status_code == 200 and r.get_json()["winner"] is None
    assert "" in world.schemas["ABTestUpdate"]["properties"]["winner"]["enum"]
    r = api.put(f"/api/campaigns/{cid}/content/{items[0]['id']}", json={"headlines": ""})
    assert r.status_code == 200, r.get_json()
    assert "string" in [s["type"] for s in world.schemas["ContentItemUpdate"]["properties"]["headlines"]["oneOf"]]


def test_a_visual_brief_that_is_no_object_is_refused(world):
    cid = world.campaign["id"]
    item = world.api.post(f"/api/campaigns/{cid}/content", json={
        "contentType": "email", "platform": "email", "subjectLine": "S", "contentBody": "B",
        "visualBrief": {"description": "A chart"}}).get_json()
    for brief in ("", 0, [], "a chart"):
        r = world.api.put(f"/api/campaigns/{cid}/content/{item['id']}", json={"visualBrief": brief})
        assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"visualBrief"}, brief
    got = world.api.get(f"/api/campaigns/{cid}/content/{item['id']}").get_json()
    assert got["visualBrief"]["description"] == "A chart"
    for brief in (None, {}):  # no brief
        r = world.api.put(f"/api/campaigns/{cid}/content/{item['id']}", json={"visualBrief": brief})
        assert r.status_code == 200 and r.get_json()["visualBrief"] is None, brief


def test_test_name_and_name_must_agree_when_both_are_sent(world):
    url = f"/api/campaigns/{world.campaign['id']}/ab-tests"
    r = world.api.post(url, json={"name": "Subject", "testName": 0})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"testName"}
    r = world.api.post(url, json={"name": "Subject", "testName": "Subject"})
    assert r.status_code == 201 and r.get_json()["name"] == "Subject"
    r = world.api.post(url, json={"testName": ""})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"testName"}
