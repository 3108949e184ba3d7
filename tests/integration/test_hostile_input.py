"""Hostile input at the request edge, through HTTP, on every JSON write the OpenAPI document lists
(so routes added later are covered): JSON nested deeper than 64 levels is a 400, a NUL or a lone
surrogate in any text of a body is a 422 naming the field as sent, in a query parameter a 400, and a
chunked body over the size limit a 413 — each in the one error shape, with nothing written, with the
rate limiter switched on (its key functions read the login body) on SQLite and PostgreSQL alike."""
from __future__ import annotations

import http.client
import json
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import ApiClient, Factory, make_app
from tests.helpers.api_world import one_of_each
from webapp.api.openapi import build_document
from webapp.extensions import db

# Limits high enough never to answer 429 here, but on: the key functions must run.
LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "10000 per minute",
          "RATELIMIT_LOGIN_ACCOUNT": "10000 per hour", "RATELIMIT_API": "100000 per minute"}
JOB_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("hostile"), **LIMITS)
    factory = Factory(app)
    user = factory.user(email="owner@example.com")
    api = ApiClient(app, factory.token(user))
    ids = {**one_of_each(api), "token_id": api.get("/api/auth/tokens").get_json()["items"][0]["id"],
           "queue": "content-generation", "job_id": JOB_ID}
    with app.app_context():
        doc = build_document(app)
    yield SimpleNamespace(app=app, api=api, ids=ids, doc=doc, anonymous=app.test_client())
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _body_ops(world) -> list[tuple[str, str]]:
    return [(path, method) for path, ops in world.doc["paths"].items() for method, op in ops.items()
            if "requestBody" in op]


def _url(world, path: str) -> str:
    for name, value in world.ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return path


def _client(world, path: str):
    # Login and register are public: they are sent without a token, as a stranger would.
    return world.anonymous if path in ("/api/auth/login", "/api/auth/register") else world.api.client


def _headers(world, path: str) -> dict:
    return {} if path in ("/api/auth/login", "/api/auth/register") else world.api.headers


def _snapshot(app) -> dict:
    with app.app_context():
        out = {table.name: sorted(map(repr, db.session.execute(
            select(*[c for c in table.columns if c.name != "last_used_at"])).all()))
            for table in db.metadata.sorted_tables}
        db.session.remove()
        return out


def _error(response, status: int, context: str) -> dict:
    assert response.status_code == status, f"{context}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == "application/json", context
    error = response.get_json()["error"]
    assert error["code"] and error["message"] and isinstance(error["fields"], dict), context
    return error


def _send(world, path: str, method: str, raw: bytes):
    return _client(world, path).open(_url(world, path), method=method.upper(), data=raw,
                                     content_type="application/json", headers=_headers(world, path))


def test_json_nested_deeper_than_64_levels_is_a_400_on_every_write(world):
    before = _snapshot(world.app)
    deep_bodies = {"[ x 50,000": b"[" * 50_000, "an object 65 deep": b'{"name": ' + b"[" * 64 + b"]" * 64 + b"}",
                   "brackets after a string": b'{"name": "x", "a": ' + b"{\"k\": " * 100 + b"1" + b"}" * 100 + b"}"}
    ops = _body_ops(world)
    assert ("/api/auth/login", "post") in ops and ("/api/auth/register", "post") in ops
    for path, method in ops:
        for label, raw in deep_bodies.items():
            error = _error(_send(world, path, method, raw), 400, f"{method.upper()} {path} with {label}")
            assert error["code"] == "too_deep" and "64" in error["message"]
    assert _snapshot(world.app) == before


def test_64_levels_and_brackets_inside_strings_are_no_depth_error(world):
    # The depth is counted outside strings: "[[[…" as text is a name like any other.
    name = "[" * 200 + '\\"{' * 50
    r = world.api.post("/api/personas", data=json.dumps({"name": name[:120]}).encode(),
                       content_type="application/json")
    assert r.status_code == 201, r.get_json()
    world.api.delete(f"/api/personas/{r.get_json()['id']}")
    r = _send(world, "/api/personas", "post", b'{"name": "Deep", "x": ' + b"[" * 63 + b"]" * 63 + b"}")
    assert r.status_code == 201, r.get_json()  # 64 levels in all, unknown key ignored
    world.api.delete(f"/api/personas/{r.get_json()['id']}")


BAD_TEXT = {"NUL": "\\u0000", "lone surrogate": "\\ud800", "lone low surrogate": "\\udfff"}


def test_nul_and_lone_surrogates_in_any_text_field_are_422_naming_the_field(world):
    before = _snapshot(world.app)
    for path, method in _body_ops(world):
        schema = world.doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        schema = world.doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        text_fields = [name for name, sub in schema["properties"].items()
                       if "string" in (sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")])]
        assert text_fields, f"{path}: no text field to try"
        for field in text_fields:
            for label, escape in BAD_TEXT.items():
                raw = f'{{"{field}": "a{escape}b"}}'.encode()
                error = _error(_send(world, path, method, raw), 422, f"{method.upper()} {path} {field} with {label}")
                assert set(error["fields"]) == {field}, error
    assert _snapshot(world.app) == before


def test_bad_text_deep_inside_a_body_or_in_a_key_names_the_top_level_field(world):
    cid = world.ids["campaign_id"]
    r = _send(world, f"/api/campaigns/{cid}", "put", b'{"generationSettings": {"customInstructions": "x\\u0000"}}')
    assert set(_error(r, 422, "nested")["fields"]) == {"generationSettings"}
    r = _send(world, "/api/personas", "post", b'{"name": "Ok", "preferredChannels": ["email", "\\ud800"]}')
    assert set(_error(r, 422, "in a list")["fields"]) == {"preferredChannels"}
    r = _send(world, f"/api/campaigns/{cid}/ab-tests/{world.ids['test_id']}", "put",
              b'{"results": {"a\\u0000": {"sent": 1}}}')
    assert set(_error(r, 422, "in a key")["fields"]) == {"results"}
    # Raw bytes that decode to a surrogate (CESU-8) are the same as the escape.
    r = _send(world, "/api/personas", "post", b'{"name": "x\xed\xa0\x80"}')
    assert set(_error(r, 422, "raw surrogate bytes")["fields"]) == {"name"}


def test_login_password_with_nul_or_surrogate_is_422_not_a_crash(world):
    for escape in BAD_TEXT.values():
        raw = f'{{"email": "owner@example.com", "password": "correct{escape}"}}'.encode()
        r = world.anonymous.post("/api/auth/login", data=raw, content_type="application/json")
        assert set(_error(r, 422, escape)["fields"]) == {"password"}


def test_the_html_login_page_survives_a_deep_json_body(world):
    # The login rate limit's key function reads a JSON body on the page route too.
    r = world.anonymous.post("/login", data=b"[" * 50_000, content_type="application/json")
    assert r.status_code == 400 and r.mimetype == "text/html"


def test_nul_in_a_query_parameter_is_a_400_on_every_route(world):
    for path, ops in world.doc["paths"].items():
        if "get" not in ops:
            continue
        url = _url(world, path)
        for query in ("q=%00", "page=1%00", "x%00=1"):
            r = world.api.get(f"{url}?{query}")
            error = _error(r, 400, f"GET {url}?{query}")
            assert len(error["fields"]) == 1, error
    # Named as sent, for any viewer (PostgreSQL answered 500 here).
    r = world.api.get("/api/campaigns?q=%00")
    assert _error(r, 400, "q")["fields"] == {"q": "Must not contain the NUL character (\\u0000)."}


def test_nul_in_a_query_parameter_of_a_page_is_a_400_page(world):
    for url in ("/login?next=%00", "/campaigns?q=%00"):
        r = world.anonymous.get(url)
        assert r.status_code == 400 and r.mimetype == "text/html", url


def test_nul_in_a_path_segment_names_no_resource(world):
    r = world.api.get(f"/api/jobs/content-generation/{JOB_ID[:-1]}%00")
    _error(r, 404, "job id")


# --- chunked bodies, through a real HTTP server --------------------------------------------------

@pytest.fixture(scope="module")
def server(world):
    httpd = make_server("127.0.0.1", 0, world.app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=5)


def _chunked(port: int, path: str, body: bytes, headers: dict, chunk: int = 16 * 1024):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        pieces = (body[i:i + chunk] for i in range(0, len(body), chunk))
        conn.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def _padded(prefix: bytes, size: int) -> bytes:
    # JSON allows whitespace: a valid object of exactly `size` bytes.
    return prefix[:-1] + b" " * (size - len(prefix)) + b"}"


def test_a_chunked_body_over_the_limit_is_a_413(world, server):
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    headers = {**world.api.headers, "Content-Type": "application/json"}
    before = _snapshot(world.app)
    for extra in (1, 64 * 1024):
        status, content_type, raw = _chunked(server, "/api/personas", _padded(b'{"name": "Big"}', limit + extra),
                                             headers)
        assert status == 413, (extra, raw[:300])
        assert content_type.startswith("application/json")
        assert json.loads(raw)["error"]["code"] == "payload_too_large"
    assert _snapshot(world.app) == before
    # Anonymous login too (its rate-limit key function reads the body first).
    status, _, raw = _chunked(server, "/api/auth/login", _padded(b'{"email": "a@b.co"}', limit + 10),
                              {"Content-Type": "application/json"})
    assert status == 413, raw[:300]


def test_a_chunked_body_up_to_the_limit_is_read_whole(world, server):
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    headers = {**world.api.headers, "Content-Type": "application/json"}
    status, _, raw = _chunked(server, "/api/personas", _padded(b'{"name": "Exactly at the limit"}', limit), headers)
    assert status == 201, raw[:300]
    world.api.delete(f"/api/personas/{json.loads(raw)['id']}")


def test_a_chunked_form_post_over_the_limit_is_a_413_page(world, server):
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    body = b"email=a%40b.co&password=" + b"x" * limit
    status, content_type, _ = _chunked(server, "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and content_type.startswith("text/html")


def test_a_budget_the_column_cannot_hold_is_a_field_error(world):
    # budget is NUMERIC(14, 2): 1e12 passed the old check and PostgreSQL answered 500.
    before = _snapshot(world.app)
    for budget in (10**12, 1e12, 1000000000000.01):
        r = world.api.post("/api/campaigns", json={"name": "Rich", "budget": budget})
        assert "budget" in _error(r, 422, str(budget))["fields"]
    assert _snapshot(world.app) == before
    r = world.api.post("/api/campaigns", json={"name": "Richest", "budget": 999999999999.99})
    assert r.status_code == 201 and r.get_json()["budget"] == 999999999999.99, r.get_json()
    world.api.delete(f"/api/campaigns/{r.get_json()['id']}")
    assert world.doc["components"]["schemas"]["CampaignInput"]["properties"]["budget"]["maximum"] == 999999999999.99


def test_the_document_declares_what_the_edge_answers(world):
    # Every operation may meet a NUL query parameter (400) and the API's rate limit (429); every body a
    # 413 and a 422; request text says it holds no NUL, so generated valid data is really valid.
    doc = world.doc
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert {"400", "429"} <= set(op["responses"]), f"{method} {path}"
            if "requestBody" in op:
                assert {"413", "422"} <= set(op["responses"]), f"{method} {path}"
            for param in op["parameters"]:
                if param["in"] == "query" and param["schema"].get("type") == "string" and "enum" not in param["schema"]:
                    assert param["schema"]["pattern"] == "^[^\\u0000]*$", (path, param)
    name = doc["components"]["schemas"]["PersonaInput"]["properties"]["name"]
    assert name["pattern"] == "^[^\\u0000]*$"
    assert "pattern" not in doc["components"]["schemas"]["Persona"]["properties"]["name"]  # answers stay as they were
    assert "pattern" not in doc["components"]["schemas"]["LoginBody"]["properties"]["email"]  # formats are left alone
    assert doc["paths"]["/api/jobs/user/recent"]["get"]["parameters"][0]["schema"]["type"] == "integer"
    r = world.api.get("/api/auth/me?x=%00")
    assert r.status_code == 400 and "400" in doc["paths"]["/api/auth/me"]["get"]["responses"]


def test_a_token_budget_the_column_cannot_hold_is_a_field_error(world):
    # monthly_token_budget is INTEGER: 10**12 passed the check and PostgreSQL answered 500.
    from tests.conftest import login_client
    from webapp.models import User

    with world.app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.com"))
        db.session.expunge(owner)
    browser = login_client(world.app, owner)
    before = _snapshot(world.app)
    for budget in ("2147483648", "1000000000000"):
        r = browser.post("/team/settings", data={"name": "Team", "monthly_token_budget": budget})
        assert r.status_code == 422, (budget, r.status_code)
    assert _snapshot(world.app) == before
    r = browser.post("/team/settings", data={"name": "Team", "monthly_token_budget": "2147483647"})
    assert r.status_code == 302, r.status_code  # saved, back to the team page
