"""The OpenAPI document is the contract: schemathesis generates requests for every operation from
`GET /api/openapi.json` — data that fits the schemas and data that breaks them — sends them to the app
as an owner with a Bearer API token, and holds each answer to the document: no 5xx, only documented
status codes, and bodies that match their response schemas. Seeded and bounded, so a run is repeatable
and quick; a new route is covered as soon as the document lists it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import schemathesis
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests.conftest import ApiClient, Factory, base_config, make_app
from tests.helpers.api_world import one_of_each
from webapp import create_app
from webapp.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SEED = 20261201
# Examples per operation and phase. Raise it locally (HERALD_CONTRACT_EXAMPLES=200) for a deeper probe.
MAX_EXAMPLES = int(os.environ.get("HERALD_CONTRACT_EXAMPLES", "25"))


def _config(mode: str = "all") -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "cache": {"enabled": False},  # no state kept between runs: the seed alone decides the cases
        # Unknown query parameters are ignored, as the document allows: none are invented.
        "generation": {"mode": mode, "max-examples": MAX_EXAMPLES, "database": "none",
                       "allow-extra-parameters": False},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    })


@pytest.fixture(scope="module")
def owner_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("contract"))
    factory = Factory(app)
    user = factory.user(email="owner@example.com")
    world = SimpleNamespace(app=app, factory=factory, user=user, token=factory.token(user, name="contract"))
    # Something to find behind the ids schemathesis tries (1, 2, …), so reads and writes get past 404.
    api = ApiClient(app, world.token)
    one_of_each(api)
    yield world
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _document() -> dict:
    # The document as GET /api/openapi.json serves it, read at collection time from an app of its own
    # (no database is touched: the document is built from the routes). Every case is then sent to the
    # module's app, which has the data.
    app = create_app(base_config(Path(tempfile.mkdtemp(prefix="herald-contract-doc-"))))
    return app.test_client().get("/api/openapi.json").get_json()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config())


def _token_is_live(world) -> bool:
    from webapp.auth import hash_token
    from webapp.models import ApiToken

    with world.app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(world.token)))
        db.session.remove()
        return token is not None and token.revoked_at is None


def _call(case, owner_app, checks):
    response = case.call_and_validate(app=owner_app.app, headers={"Authorization": f"Bearer {owner_app.token}"},
                                      checks=checks)
    if case.method.upper() == "DELETE" and case.path == "/api/auth/tokens/{token_id}" and response.status_code == 204:
        # The generated id may be the test's own token: keep calling as the owner, with a new one.
        if not _token_is_live(owner_app):
            owner_app.token = owner_app.factory.token(owner_app.user, name="contract")
    return response


@schema.parametrize()
def test_every_operation_keeps_the_contract(case, owner_app):
    _call(case, owner_app, CHECKS)


# --- data the document forbids is refused ------------------------------------------------------------
negative = schemathesis.openapi.from_dict(DOCUMENT, config=_config("negative"))


@negative.parametrize()
def test_data_the_document_forbids_is_refused(case, owner_app):
    _call(case, owner_app, [not_a_server_error, negative_data_rejection])


def _filled(value, ids: dict):
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


# Values the forms once read as "not sent" although the document says the field is not nullable (null
# for a choice or a list, "" for a date): each is a 422 naming the field now, with the field's message.
ONE_OF_STATUS = "Must be one of draft, active, completed."
NOT_NULLABLE = [
    ("POST", "/api/campaigns", {"name": "N", "status": None}, {"status": ONE_OF_STATUS}),
    ("POST", "/api/campaigns", {"name": "N", "endDate": ""},
     {"endDate": "Use a date like 2025-03-31, or null for none."}),
    ("PUT", "/api/campaigns/{campaign_id}", {"status": None, "startDate": ""},
     {"status": ONE_OF_STATUS, "startDate": "Use a date like 2025-03-31, or null for none."}),
    ("PUT", "/api/campaigns/{campaign_id}", {"objective": None, "currency": None, "budget": None},
     {"objective": "Must be one of awareness, consideration, conversion.",
      "currency": "Must be one of USD, EUR, GBP … (181 in all).", "budget": "Must be a number."}),
    ("PUT", "/api/campaigns/{campaign_id}", {"generationSettings": None},
     {"generationSettings": "Must be an object."}),
    ("PUT", "/api/campaigns/{campaign_id}", {"generationSettings": {"platforms": None, "includeVisuals": None}},
     {"generationSettings.platforms": "Must be a list of names.",
      "generationSettings.includeVisuals": "Must be true or false."}),
    ("POST", "/api/campaigns/{campaign_id}/content",
     {"contentType": "email", "platform": "email", "subjectLine": "S", "contentBody": "B", "status": None,
      "hashtags": None},
     {"status": "Must be one of draft, approved, archived.", "hashtags": "Must be a list of text."}),
    ("PUT", "/api/campaigns/{campaign_id}/content/{item_id}", {"contentType": None, "headlines": None},
     {"contentType": "Must be one of email, social_post, ad_copy.", "headlines": "Must be a list of text."}),
    ("POST", "/api/content/batch-generate", {"campaignId": "{campaign_id}", "platforms": None,
                                             "contentTypes": None, "items": None},
     {"platforms": "Must be a list of names.", "contentTypes": "Must be a list of names.",
      "items": "Send a list of objects."}),
    ("POST", "/api/content/generate-email", {"campaignId": "{campaign_id}", "platform": None, "count": None},
     {"platform": "Must be one of email, linkedin, twitter, facebook, instagram, google_ads, meta_ads.",
      "count": "Must be a number."}),
    ("POST", "/api/content/generate-social", {"campaignId": None}, {"campaignId": "Must be a number."}),
    ("POST", "/api/personas", {"name": "N", "preferredChannels": None},
     {"preferredChannels": "Must be a list of names."}),
    ("PUT", "/api/personas/{persona_id}", {"preferredChannels": None},
     {"preferredChannels": "Must be a list of names."}),
]


def _fresh_ids(owner_app) -> tuple[ApiClient, dict]:
    api = ApiClient(owner_app.app, owner_app.token)
    # Rows of its own: the generated cases may have deleted the module's.
    persona = api.post("/api/personas", json={"name": "Null persona"}).get_json()
    campaign = api.post("/api/campaigns", json={"name": "Null campaign", "personaId": persona["id"],
                                                "endDate": "2030-01-31"}).get_json()
    item = api.post(f"/api/campaigns/{campaign['id']}/content",
                    json={"contentType": "email", "platform": "email", "subjectLine": "Null",
                          "contentBody": "Null"}).get_json()
    return api, {"persona_id": persona["id"], "campaign_id": campaign["id"], "item_id": item["id"]}


def test_null_and_empty_dates_the_document_forbids_are_field_errors(owner_app):
    api, ids = _fresh_ids(owner_app)
    for method, path, body, fields in NOT_NULLABLE:
        r = api.open(method, path.format(**ids), json=_filled(body, ids))
        assert r.status_code == 422, (method, path, body, r.status_code, r.get_data(as_text=True)[:300])
        assert r.get_json()["error"]["fields"] == fields, (method, path, body)
    campaign = api.get(f"/api/campaigns/{ids['campaign_id']}").get_json()
    assert (campaign["status"], campaign["endDate"]) == ("draft", "2030-01-31")


def test_null_clears_what_the_document_says_is_nullable(owner_app):
    api, ids = _fresh_ids(owner_app)
    url = f"/api/campaigns/{ids['campaign_id']}"
    r = api.put(url, json={"endDate": None, "personaId": None, "description": None, "keywords": None,
                           "generationSettings": {"customInstructions": None}})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["endDate"], body["personaId"], body["description"]) == (None, None, "")
    assert body["generationSettings"]["customInstructions"] == ""
    r = api.post("/api/campaigns", json={"name": "Dates later", "startDate": None, "endDate": None,
                                         "personaId": None})
    assert r.status_code == 201 and r.get_json()["startDate"] is None, r.get_json()
    # A generation override of null is "no override": the request reaches the writer's checks.
    r = api.post("/api/content/generate-variations", json={"contentId": ids["item_id"], "campaignId": None,
                                                           "personaId": None, "tone": None, "count": 1})
    assert r.status_code == 201, r.get_json()
    doc = DOCUMENT["components"]["schemas"]
    assert "null" in doc["CampaignUpdate"]["properties"]["endDate"]["type"]
    assert "null" in doc["VariationsRequest"]["properties"]["campaignId"]["type"]
    assert "null" in doc["EmailGenerateRequest"]["properties"]["personaId"]["type"]
    assert "null" not in repr(doc["CampaignUpdate"]["properties"]["status"])


def _schema(ref_or_schema: dict) -> dict:
    if "$ref" in ref_or_schema:
        return DOCUMENT["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[1]]
    return ref_or_schema


def _nullable(schema: dict) -> bool:
    schema = _schema(schema)
    kinds = schema.get("type")
    return (kinds == "null" or (isinstance(kinds, list) and "null" in kinds)
            or any(_nullable(s) for s in schema.get("oneOf", []) + schema.get("anyOf", [])))


def _body_fields():
    """(method, path, wire name, its schema) for every input field the document lists, the keys of
    nested objects (generationSettings.platforms) included."""
    for path, ops in DOCUMENT["paths"].items():
        for method, op in ops.items():
            if "requestBody" not in op:
                continue
            props = _schema(op["requestBody"]["content"]["application/json"]["schema"]).get("properties", {})
            for name, sub in props.items():
                yield method, path, name, sub
                for key, inner in _schema(sub).get("properties", {}).items():
                    yield method, path, f"{name}.{key}", inner


TYPE_ERRORS = ("Must be ", "Use a date like", "Send a ")


def test_null_is_refused_exactly_where_the_document_forbids_it(owner_app):
    api, ids = _fresh_ids(owner_app)
    cid = ids["campaign_id"]
    other = api.post(f"/api/campaigns/{cid}/content", json={"contentType": "email", "platform": "email",
                                                           "subjectLine": "B", "contentBody": "B"}).get_json()
    test = api.post(f"/api/campaigns/{cid}/ab-tests", json={"name": "Null test", "variantAId": ids["item_id"],
                                                            "variantBId": other["id"]}).get_json()
    ids["test_id"] = test["id"]
    anonymous = owner_app.app.test_client()
    for method, path, name, schema in _body_fields():
        top, _, key = name.partition(".")
        body = {top: {key: None}} if key else {top: None}
        public = path in ("/api/auth/login", "/api/auth/register")
        client, headers = (anonymous, {}) if public else (api.client, api.headers)
        r = client.open(path.format(**ids), method=method.upper(), json=body, headers=headers)
        assert r.status_code < 500, (method, path, name)
        fields = r.get_json()["error"]["fields"] if r.status_code >= 400 else {}
        said = fields.get(name) or fields.get(top) or ""
        if _nullable(schema):
            # null is read as empty or none: a rule may still refuse that (an email needs a subject
            # line), but never as a value of the wrong type.
            assert not said.startswith(TYPE_ERRORS), (method, path, name, said)
        else:
            assert r.status_code == 422 and said, (method, path, name, r.status_code, fields)


def test_an_empty_date_input_on_the_page_still_means_no_date(owner_app):
    from tests.conftest import login_client

    browser = login_client(owner_app.app, owner_app.user)
    r = browser.post("/campaigns/new", data={"name": "Page dates", "objective": "awareness", "status": "draft",
                                             "currency": "USD", "start_date": "", "end_date": ""})
    assert r.status_code == 302, r.status_code


def test_public_operations_ignore_a_stale_token(owner_app):
    # A client that sends its old (revoked) token along to log in again is not answered 401: the
    # document promises login, register and the document itself to anyone.
    client = owner_app.app.test_client()
    headers = {"Authorization": "Bearer revoked-or-never-issued"}
    assert client.get("/api/openapi.json", headers=headers).status_code == 200
    r = client.post("/api/auth/login", json={"email": "owner@example.com", "password": "correct horse battery"},
                    headers=headers)
    assert r.status_code == 200, r.get_json()
    r = client.post("/api/auth/register", json={"email": "new@example.com", "password": "a long new secret"},
                    headers=headers)
    assert r.status_code == 201, r.get_json()
    # Protected operations still refuse it.
    assert client.get("/api/auth/me", headers=headers).status_code == 401
