"""Bad input on every JSON endpoint, read from the OpenAPI document (so routes added later are covered):
malformed and wrong-typed bodies, huge strings and numbers, unknown enum values, nulls, oversized bodies,
missing/malformed/revoked tokens and wrong methods. Each must answer a 4xx in the one error shape, as
JSON, with nothing written. Also the regressions schemathesis found (huge ids, integral floats, NaN…)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import ApiClient, Factory, base_config, close_app, make_app
from webapp import create_app
from webapp.api.openapi import build_document
from webapp.extensions import db

HUGE_TEXT = "a" * 100_000
HUGE_NUMBER = 10**30
WRITE_METHODS = ("post", "put", "patch")
ALL_METHODS = ("get", "post", "put", "patch", "delete")


def _document() -> dict:
    # Collection time: only the routes are needed, no database.
    app = create_app(base_config(Path(tempfile.mkdtemp(prefix="herald-doc-"))))
    with app.app_context():
        return build_document(app)


DOC = _document()
SCHEMAS = DOC["components"]["schemas"]
BODY_OPS = [
    (path, method) for path, ops in DOC["paths"].items() for method, op in ops.items()
    if method in WRITE_METHODS and "requestBody" in op
]
PROTECTED_OPS = [
    (path, method) for path, ops in DOC["paths"].items() for method, op in ops.items()
    if method in ALL_METHODS and op.get("security") != []
]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _body_schema(path: str, method: str) -> dict:
    return _resolve(DOC["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])


def _types(schema: dict) -> set[str]:
    kind = schema.get("type", "object")
    return set(kind) if isinstance(kind, list) else {kind}


# --- a team with one of everything, shared by the module (tests only send refused writes) ---------

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("bad-input"))
    factory = Factory(app)
    user = factory.user()
    token = factory.token(user)
    api = ApiClient(app, token)
    persona = api.post("/api/personas", json={"name": "CFO Carla"}).get_json()
    campaign = api.post("/api/campaigns", json={
        "name": "Spring launch", "personaId": persona["id"],
        "generationSettings": {"contentTypes": ["email"], "platforms": ["email"]}}).get_json()
    item_a = api.post(f"/api/campaigns/{campaign['id']}/content",
                      json={"contentType": "email", "platform": "email", "subjectLine": "A",
                            "contentBody": "Hello."}).get_json()
    item_b = api.post(f"/api/campaigns/{campaign['id']}/content",
                      json={"contentType": "email", "platform": "email", "subjectLine": "B",
                            "contentBody": "Hello."}).get_json()
    test = api.post(f"/api/campaigns/{campaign['id']}/ab-tests", json={
        "name": "Subject", "variantAId": item_a["id"], "variantBId": item_b["id"]}).get_json()
    tokens = api.get("/api/auth/tokens").get_json()["items"]
    ids = {"persona_id": persona["id"], "campaign_id": campaign["id"], "item_id": item_a["id"],
           "test_id": test["id"], "token_id": tokens[0]["id"], "content_id": item_a["id"],
           "variant_a_id": item_a["id"], "variant_b_id": item_b["id"]}
    yield SimpleNamespace(app=app, api=api, ids=ids, factory=factory, user=user)
    close_app(app)


def _url(world, path: str) -> str:
    out = path
    for name, value in {**world.ids, "queue": "content-generation",
                        "job_id": "00000000-0000-0000-0000-000000000000"}.items():
        out = out.replace("{" + name + "}", str(value))
    assert "{" not in out, f"no test value for a path parameter in {path}"
    return out


def _snapshot(app) -> dict:
    """Every row of every table (the token's last-used stamp aside): a refused write changes none."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_used_at"]
            out[table.name] = sorted(map(repr, db.session.execute(select(*columns)).all()))
        db.session.remove()
        return out


def _assert_error(response, *statuses, context=""):
    """A 4xx (one of `statuses` when given) in the one error shape, as JSON."""
    assert response.status_code < 500, f"{context}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert 400 <= response.status_code < 500, f"{context}: accepted with {response.status_code}"
    if statuses:
        assert response.status_code in statuses, f"{context}: {response.status_code}"
    assert response.mimetype == "application/json", f"{context}: {response.mimetype}"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"], context
    assert isinstance(error["message"], str) and error["message"], context
    assert isinstance(error["fields"], dict), context
    return error


def _valid_value(name: str, schema: dict, ids: dict):
    schema = _resolve(schema)
    types = _types(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "integer" in types or "number" in types:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
        return ids.get(snake, schema.get("minimum", 1))
    if "string" in types:
        if schema.get("format") == "email":
            return "someone@example.com"
        if schema.get("format") == "date":
            return "2025-03-01"
        return "x" * max(1, schema.get("minLength", 1))
    if "boolean" in types:
        return False
    if "array" in types:
        return []
    return {}


def _base_body(schema: dict, ids: dict) -> dict:
    return {name: _valid_value(name, sub, ids) for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", [])}


def _mutations(schema: dict, ids: dict):
    """(label, body, field) for one bad value at a time on top of the required fields."""
    base = _base_body(schema, ids)
    for name, sub in schema.get("properties", {}).items():
        sub = _resolve(sub)
        types = _types(sub)
        if "string" in types:
            yield f"{name}=100k chars", {**base, name: HUGE_TEXT}, name
            if not types & {"integer", "number"}:
                yield f"{name}=number", {**base, name: 12345}, name
        if "enum" in sub or ("string" in types and "format" in sub and sub["format"] == "date"):
            yield f"{name}=unknown enum", {**base, name: "no-such-value"}, name
        if types & {"integer", "number"}:
            yield f"{name}=string", {**base, name: "not a number"}, name
            yield f"{name}=boolean", {**base, name: True}, name
            yield f"{name}=huge", {**base, name: HUGE_NUMBER}, None  # huge may also be a 404 for an id
        if "array" in types:
            yield f"{name}=object", {**base, name: {"a": 1}}, name
            items = _resolve(sub.get("items", {}))
            if "enum" in items:
                yield f"{name}=[unknown enum]", {**base, name: ["no-such-value"]}, name
        if "object" in types and "properties" in sub:
            yield f"{name}=list", {**base, name: [1, 2]}, name
        if name in schema.get("required", []):
            yield f"{name}=null", {**base, name: None}, name


def _refusals(label: str, field: str | None) -> tuple[int, ...]:
    """The status a bad value gets: a 422 naming the field, except a value that names no row. A huge
    number sent as an id is a 404 on the routes that look the row up first (generation) and a field
    error on the others; an invite secret that matches no invite is a 404."""
    if field is None:  # {name}=huge
        return (404, 422)
    if label == "invite=100k chars":
        return (404,)
    return (422,)


RAW_BODIES = [
    ("not JSON", b"{not json", "application/json"),
    ("form-encoded", b"name=x", "application/x-www-form-urlencoded"),
    ("no body", b"", "application/json"),
    ("JSON array", b"[1, 2]", "application/json"),
    ("JSON string", b'"hello"', "application/json"),
    ("JSON number", b"42", "application/json"),
    ("JSON null", b"null", "application/json"),
    ("NaN", b"NaN", "application/json"),
]


@pytest.mark.parametrize(("path", "method"), BODY_OPS, ids=[f"{m.upper()} {p}" for p, m in BODY_OPS])
def test_malformed_bodies_are_refused_in_the_error_shape(world, path, method):
    url = _url(world, path)
    before = _snapshot(world.app)
    for label, data, content_type in RAW_BODIES:
        response = world.api.open(method.upper(), url, data=data, content_type=content_type)
        _assert_error(response, 400, context=f"{method.upper()} {path} with {label}")
    assert _snapshot(world.app) == before


@pytest.mark.parametrize(("path", "method"), BODY_OPS, ids=[f"{m.upper()} {p}" for p, m in BODY_OPS])
def test_bad_field_values_are_refused_and_nothing_is_written(world, path, method):
    schema = _body_schema(path, method)
    url = _url(world, path)
    before = _snapshot(world.app)
    if schema.get("required"):
        _assert_error(world.api.open(method.upper(), url, json={}), 422, context=f"{path} with {{}}")
    tried = 0
    for label, body, field in _mutations(schema, world.ids):
        response = world.api.open(method.upper(), url, json=body)
        error = _assert_error(response, *_refusals(label, field), context=f"{method.upper()} {path} with {label}")
        if response.status_code == 422 and field:
            assert field in error["fields"] or any(k.startswith(field) for k in error["fields"]), (
                f"{method.upper()} {path} with {label}: the error does not name {field}: {error}")
        tried += 1
    assert tried, f"{path}: the body schema names no fields to try"
    assert _snapshot(world.app) == before, f"{method.upper()} {path}: a refused write changed rows"


@pytest.mark.parametrize(("path", "method"), BODY_OPS, ids=[f"{m.upper()} {p}" for p, m in BODY_OPS])
def test_a_2mb_body_is_refused_with_413(world, path, method):
    body = b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = world.api.open(method.upper(), _url(world, path), data=body, content_type="application/json")
    _assert_error(response, 413, context=f"{method.upper()} {path}")


@pytest.mark.parametrize(("path", "method"), PROTECTED_OPS, ids=[f"{m.upper()} {p}" for p, m in PROTECTED_OPS])
def test_no_malformed_or_revoked_token_is_401(world, path, method, tmp_path):
    url = _url(world, path)
    kwargs = {"json": {}} if method in WRITE_METHODS else {}
    before = _snapshot(world.app)
    anonymous = world.app.test_client()
    _assert_error(anonymous.open(url, method=method.upper(), **kwargs), 401, context=f"{method} {path} anonymous")
    for header in ("Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000):
        response = anonymous.open(url, method=method.upper(), headers={"Authorization": header}, **kwargs)
        _assert_error(response, 401, context=f"{method} {path} with {header[:20]!r}")
    assert _snapshot(world.app) == before


def test_a_revoked_token_is_401_everywhere(world):
    secret = world.factory.token(world.user, name="soon revoked")
    client = ApiClient(world.app, secret)
    token_id = next(t["id"] for t in client.get("/api/auth/tokens").get_json()["items"] if t["name"] == "soon revoked")
    assert client.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    for path, method in PROTECTED_OPS:
        kwargs = {"json": {}} if method in WRITE_METHODS else {}
        _assert_error(client.open(method.upper(), _url(world, path), **kwargs), 401, context=f"{method} {path}")


@pytest.mark.parametrize("path", sorted(DOC["paths"]))
def test_wrong_method_is_405_json_with_allow(world, path):
    allowed = {m.upper() for m in DOC["paths"][path]}
    wrong = next(m for m in ("PATCH", "PUT", "DELETE", "POST", "GET") if m not in allowed)
    response = world.api.open(wrong, _url(world, path), json={})
    _assert_error(response, 405, context=f"{wrong} {path}")
    assert allowed <= {m.strip() for m in response.headers.get("Allow", "").split(",")}, response.headers


def test_every_write_route_is_swept():
    # The sweep is generic; this guards against the document silently losing request bodies.
    assert len(BODY_OPS) >= 15
    assert {("/api/personas", "post"), ("/api/campaigns/{campaign_id}", "put"),
            ("/api/content/batch-generate", "post")} <= set(BODY_OPS)


# --- regressions found by schemathesis ------------------------------------------------------------

INT_PATHS = sorted({(path, method) for path, ops in DOC["paths"].items() for method in ops
                    if any(p["in"] == "path" and p["schema"].get("type") == "integer"
                           for p in ops[method]["parameters"])})


@pytest.mark.parametrize(("path", "method"), INT_PATHS, ids=[f"{m.upper()} {p}" for p, m in INT_PATHS])
def test_ids_past_the_integer_column_are_404_not_500(world, path, method):
    # 10**22 overflowed SQLite ("Python int too large") and would be "integer out of range" on PostgreSQL.
    before = _snapshot(world.app)
    names = [p["name"] for p in DOC["paths"][path][method]["parameters"]
             if p["in"] == "path" and p["schema"].get("type") == "integer"]
    kwargs = {"json": {}} if method in WRITE_METHODS else {}
    for name in names:
        for huge in (2**31, 10**22):
            url = _url(world, path.replace("{" + name + "}", str(huge)))
            response = world.api.open(method.upper(), url, **kwargs)
            # A view may check the (empty) body before it looks the id up: a 422 is no crash either.
            allowed = (404, 422) if "requestBody" in DOC["paths"][path][method] else (404,)
            _assert_error(response, *allowed, context=f"{method.upper()} {url}")
    assert _snapshot(world.app) == before


def test_huge_ids_in_bodies_are_field_errors(world):
    api, ids = world.api, world.ids
    r = api.post("/api/campaigns", json={"name": "Huge persona", "personaId": 10**22})
    assert _assert_error(r, 422)["fields"] == {"personaId": "Choose one of your team's personas."}
    r = api.put(f"/api/campaigns/{ids['campaign_id']}/ab-tests/{ids['test_id']}", json={"variantBId": 2**40})
    assert "variantBId" in _assert_error(r, 422)["fields"]
    assert api.get(f"/api/campaigns?personaId={10**22}").status_code == 400
    r = api.post("/api/content/generate-email", json={"campaignId": 10**22})
    _assert_error(r, 404)


def test_whole_numbers_sent_as_floats_are_accepted(world):
    # JSON Schema's integer includes 3.0, and JavaScript clients send what they computed. (A team of its
    # own in the module's app: a second app would truncate the shared PostgreSQL database.)
    api = ApiClient(world.app, world.factory.token(world.factory.user()))
    persona = api.post("/api/personas", json={"name": "Float Fiona"}).get_json()
    campaign = api.post("/api/campaigns", json={"name": "Floats", "personaId": float(persona["id"]),
                                                "generationSettings": {"creativityLevel": 7.0}})
    assert campaign.status_code == 201, campaign.get_json()
    assert campaign.get_json()["personaId"] == persona["id"]
    cid = campaign.get_json()["id"]
    r = api.post("/api/content/generate-email", json={"campaignId": float(cid), "count": 1.0})
    assert r.status_code == 201, r.get_json()
    item_ids = [i["id"] for i in api.get(f"/api/campaigns/{cid}/content").get_json()["items"]]
    r = api.post("/api/content/generate-variations", json={"contentId": float(item_ids[0]), "count": 1.0})
    assert r.status_code == 201, r.get_json()
    second = api.get(f"/api/campaigns/{cid}/content").get_json()["items"][1]["id"]
    r = api.post(f"/api/campaigns/{cid}/ab-tests", json={"name": "Floats", "variantAId": float(item_ids[0]),
                                                         "variantBId": float(second)})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["variantAId"], r.get_json()["variantBId"]) == (item_ids[0], second)
    # …but a fraction is still no id.
    r = api.post("/api/content/generate-email", json={"campaignId": cid + 0.5})
    assert "campaignId" in _assert_error(r, 422)["fields"]


def test_nan_and_infinity_are_refused(world):
    # Python's JSON parser reads NaN and Infinity; they must not reach a Decimal comparison or the database.
    cid = world.ids["campaign_id"]
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"budget": ' + literal + b', "generationSettings": {"creativityLevel": ' + literal + b"}}"
        r = world.api.open("PUT", f"/api/campaigns/{cid}", data=body, content_type="application/json")
        fields = _assert_error(r, 422)["fields"]
        assert "budget" in fields and "generationSettings.creativityLevel" in fields, fields


def test_anonymous_write_is_401_not_a_csrf_400(world):
    # CSRF guards a logged-in browser's session; with no session at all the answer is "log in".
    world.app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = world.app.test_client().post("/api/personas", json={"name": "Anon"})
    finally:
        world.app.config["WTF_CSRF_ENABLED"] = False
    assert _assert_error(r, 401)["code"] == "unauthorized"


def test_a_test_name_error_names_the_field_the_client_sent(world):
    url = f"/api/campaigns/{world.ids['campaign_id']}/ab-tests"
    assert "testName" in _assert_error(world.api.post(url, json={"testName": "x" * 200}), 422)["fields"]
    assert "name" in _assert_error(world.api.post(url, json={"name": "x" * 200}), 422)["fields"]


def test_token_list_paging_takes_empty_values_as_defaults(world):
    r = world.api.get("/api/auth/tokens?page=&perPage=")
    assert r.status_code == 200 and r.get_json()["perPage"] == 50
    error = _assert_error(world.api.get("/api/auth/tokens?perPage=x"), 400)
    assert error["fields"] == {"perPage": "Must be a whole number."}


def test_text_fields_refuse_numbers_and_take_null_as_empty(world):
    # The accounts/generation forms used to turn 5 into "5"; every other form already said "Must be text".
    r = world.api.post("/api/auth/tokens", json={"name": 5})
    assert _assert_error(r, 422)["fields"] == {"name": "Must be text."}
    r = world.api.post("/api/content/generate-email", json={"campaignId": world.ids["campaign_id"], "tone": 5})
    assert _assert_error(r, 422)["fields"] == {"tone": "Must be text."}
    # The document says optional text may be null, and the server agrees (null reads as empty).
    assert SCHEMAS["PersonaInput"]["properties"]["voiceNotes"]["type"] == ["string", "null"]
    assert SCHEMAS["PersonaInput"]["properties"]["name"]["type"] == "string"
    r = world.api.put(f"/api/personas/{world.ids['persona_id']}", json={"voiceNotes": None})
    assert r.status_code == 200 and r.get_json()["voiceNotes"] == ""


def test_the_document_says_what_the_server_does():
    paths = DOC["paths"]
    # 204 answers have no body, so no media type.
    assert "content" not in paths["/api/personas/{persona_id}"]["delete"]["responses"]["204"]
    assert "content" not in paths["/api/auth/tokens/{token_id}"]["delete"]["responses"]["204"]
    # Query parameters say their types and allowed values.
    params = {p["name"]: p["schema"] for p in paths["/api/campaigns"]["get"]["parameters"]}
    assert params["page"]["type"] == "integer" and params["perPage"]["maximum"] == 100
    assert "archived" not in params["status"]["enum"] and "-updated_at" in params["sort"]["enum"]
    assert params["personaId"]["type"] == "integer"
    flags = {p["name"]: p["schema"] for p in paths["/api/personas"]["get"]["parameters"]}
    assert flags["includeArchived"]["type"] == "boolean"
    # Create bodies name their required fields; updates require nothing.
    assert SCHEMAS["PersonaInput"]["required"] == ["name"] and "required" not in SCHEMAS["PersonaUpdate"]
    assert SCHEMAS["CampaignInput"]["required"] == ["name"] and "required" not in SCHEMAS["CampaignUpdate"]
    assert set(SCHEMAS["ContentItemInput"]["required"]) == {"contentType", "platform"}
    assert paths["/api/campaigns/{campaign_id}"]["put"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CampaignUpdate"}
    # Each generate endpoint offers only the platforms its content type fits.
    assert SCHEMAS["EmailGenerateRequest"]["properties"]["platform"]["enum"] == ["email"]
    assert "email" not in SCHEMAS["SocialGenerateRequest"]["properties"]["platform"]["enum"]
    # batch-generate may queue (202) or find the campaign busy (409).
    batch = paths["/api/content/batch-generate"]["post"]["responses"]
    assert {"201", "202", "409"} <= set(batch)
    assert paths["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginBody"} and SCHEMAS["LoginBody"]["properties"]["password"]["minLength"] == 1


def test_booleans_are_no_text_or_number_and_counts_may_be_whole_floats(world):
    # {"tone": false} used to be dropped silently and {"tone": true} became "y".
    cid = world.ids["campaign_id"]
    for value in (True, False):
        r = world.api.post("/api/content/generate-email", json={"campaignId": cid, "tone": value})
        assert _assert_error(r, 422)["fields"] == {"tone": "Must be text."}
        r = world.api.post("/api/content/generate-email", json={"campaignId": cid, "count": value})
        assert _assert_error(r, 422)["fields"] == {"count": "Must be a number."}
    url = f"/api/campaigns/{cid}/ab-tests/{world.ids['test_id']}"
    for bad in (1.5, -1, 10**13, True, "3"):
        r = world.api.put(url, json={"results": {"a": {"sent": bad}}})
        assert "results" in _assert_error(r, 422)["fields"], bad
    r = world.api.put(url, json={"results": {"a": {"sent": 100.0, "opens": 40}}})
    assert r.status_code == 200 and r.get_json()["results"]["a"] == {"sent": 100, "opens": 40}
    world.api.put(url, json={"results": {}})  # leave the shared test as it was
