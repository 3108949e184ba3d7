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
    persona = api.post("/api/personas", json={"name": "CFO Carla"}).get_json()
    campaign = api.post("/api/campaigns", json={
        "name": "Spring launch", "personaId": persona["id"],
        "generationSettings": {"contentTypes": ["email"], "platforms": ["email"]}}).get_json()
    items = [api.post(f"/api/campaigns/{campaign['id']}/content",
                      json={"contentType": "email", "platform": "email", "subjectLine": s,
                            "contentBody": f"Body {s}"}).get_json()
             for s in ("A", "B")]
    api.post(f"/api/campaigns/{campaign['id']}/ab-tests",
             json={"name": "Subject", "variantAId": items[0]["id"], "variantBId": items[1]["id"]})
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
# Known and named: writes that still accept a value the document forbids, because the forms read null
# (and "" for a date) as "not sent". The one form base (issue 9 §1) settles each: refuse the value, or
# the document allows it. Only these operations sit out the run below, each with the exact request
# that shows the gap; test_known_contract_gaps_still_reproduce fails as soon as one is closed, so the
# entry is dropped and the operation is checked again.
PENDING_NEGATIVE: dict[str, tuple[str, str, dict]] = {
    "api.create_campaign.post": ("POST", "/api/campaigns", {"name": "N", "status": None, "endDate": ""}),
    "api.update_campaign.put": ("PUT", "/api/campaigns/{campaign_id}", {"status": None, "endDate": ""}),
    "api.create_content.post": ("POST", "/api/campaigns/{campaign_id}/content",
                                {"contentType": "email", "platform": "email", "subjectLine": "S", "contentBody": "B",
                                 "status": None, "hashtags": None}),
    "api.update_content.put": ("PUT", "/api/campaigns/{campaign_id}/content/{item_id}",
                               {"status": None, "hashtags": None}),
    "api.batch_generate.post": ("POST", "/api/content/batch-generate", {"campaignId": "{campaign_id}",
                                                                         "platforms": None}),
    "api.generate_email.post": ("POST", "/api/content/generate-email", {"campaignId": "{campaign_id}",
                                                                         "platform": None}),
    "api.generate_social.post": ("POST", "/api/content/generate-social", {"campaignId": "{campaign_id}",
                                                                           "platform": None}),
    "api.generate_ad_copy.post": ("POST", "/api/content/generate-ad-copy", {"campaignId": "{campaign_id}",
                                                                             "platform": None}),
    "api.generate_variations.post": ("POST", "/api/content/generate-variations",
                                     {"contentId": "{item_id}", "campaignId": None}),
    "api.create_persona.post": ("POST", "/api/personas", {"name": "N", "preferredChannels": None}),
    "api.update_persona.put": ("PUT", "/api/personas/{persona_id}", {"preferredChannels": None}),
}
negative = schemathesis.openapi.from_dict(DOCUMENT, config=_config("negative")).exclude(
    operation_id=list(PENDING_NEGATIVE))


@negative.parametrize()
def test_data_the_document_forbids_is_refused(case, owner_app):
    _call(case, owner_app, [not_a_server_error, negative_data_rejection])


def _filled(value, ids: dict):
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def test_known_contract_gaps_still_reproduce(owner_app):
    ops = {op["operationId"] for ops in DOCUMENT["paths"].values() for op in ops.values()}
    api = ApiClient(owner_app.app, owner_app.token)
    # Rows of its own: the generated cases may have deleted the module's.
    persona = api.post("/api/personas", json={"name": "Gap persona"}).get_json()
    campaign = api.post("/api/campaigns", json={"name": "Gap campaign"}).get_json()
    item = api.post(f"/api/campaigns/{campaign['id']}/content",
                    json={"contentType": "email", "platform": "email", "subjectLine": "Gap",
                          "contentBody": "Gap"}).get_json()
    ids = {"persona_id": persona["id"], "campaign_id": campaign["id"], "item_id": item["id"]}
    for operation_id, (method, path, body) in PENDING_NEGATIVE.items():
        assert operation_id in ops, f"{operation_id} is no operation any more: drop it from PENDING_NEGATIVE"
        url = path.format(**ids)
        r = api.open(method, url, json=_filled(body, ids))
        assert r.status_code < 300, (
            f"{method} {url} {body} is refused now ({r.status_code}): drop {operation_id} from PENDING_NEGATIVE")


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
