"""The OpenAPI document is the contract: schemathesis generates requests for every operation from
`GET /api/openapi.json` — data that fits the schemas and data that breaks them — sends them to the app
as an owner with a Bearer API token, and holds each answer to the document: no 5xx, only documented
status codes, and bodies that match their response schemas. Seeded and bounded, so a run is repeatable
and quick; a new route is covered as soon as the document lists it."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.config import SchemathesisConfig

from tests.conftest import ApiClient, Factory, base_config, make_app
from webapp import create_app
from webapp.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SEED = 20261201
# Examples per operation and phase. Raise it locally (HERALD_CONTRACT_EXAMPLES=200) for a deeper probe.
MAX_EXAMPLES = int(os.environ.get("HERALD_CONTRACT_EXAMPLES", "25"))

def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "cache": {"enabled": False},  # no state kept between runs: the seed alone decides the cases
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
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
                      json={"contentType": "email", "platform": "email", "subjectLine": s}).get_json()
             for s in ("A", "B")]
    api.post(f"/api/campaigns/{campaign['id']}/ab-tests",
             json={"name": "Subject", "variantAId": items[0]["id"], "variantBId": items[1]["id"]})
    yield world
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def make_app_for_document():
    import tempfile
    from pathlib import Path

    return create_app(base_config(Path(tempfile.mkdtemp(prefix="herald-contract-doc-"))))


def _document() -> dict:
    # The document as GET /api/openapi.json serves it, read at collection time from an app of its own
    # (no database is touched: the document is built from the routes). Every case is then sent to the
    # module's app, which has the data.
    app = make_app_for_document()
    return app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document(), config=_config())


def _token_is_live(world) -> bool:
    from webapp.auth import hash_token
    from webapp.models import ApiToken

    with world.app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(world.token)))
        db.session.remove()
        return token is not None and token.revoked_at is None


@schema.parametrize()
def test_every_operation_keeps_the_contract(case, owner_app):
    response = case.call_and_validate(app=owner_app.app, headers={"Authorization": f"Bearer {owner_app.token}"},
                                      checks=CHECKS)
    if case.method.upper() == "DELETE" and case.path == "/api/auth/tokens/{token_id}" and response.status_code == 204:
        # The generated id may be the test's own token: keep calling as the owner, with a new one.
        if not _token_is_live(owner_app):
            owner_app.token = owner_app.factory.token(owner_app.user, name="contract")


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
