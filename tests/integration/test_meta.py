"""Health, readiness, request ids, security headers."""
import pytest


def test_healthz_is_public(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}
    assert len(r.headers["X-Request-ID"]) >= 16


@pytest.mark.parametrize("sent", ["abc-1234", "req.2026_12-01", "A" * 128, "0123456789abcdef0123456789abcdef"])
def test_request_id_is_echoed_when_it_has_the_plain_shape(client, sent):
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", [
    "abc-123",  # shorter than 8
    "x" * 129,  # longer than 128
    "abc 12345",  # a space
    'forged" status=200 user_id="1',  # quotes, as in a forged log field
    r"ok-id-123\nINFO-fake-line",  # a line break, written out as a log would show it
    "id-äöü-1234",  # outside ASCII letters, digits and . _ -
])
def test_request_id_of_another_shape_is_replaced_by_our_own(client, sent):
    got = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert got != sent and len(got) == 32 and got.isalnum()


def test_readyz_reports_unapplied_migrations(client):
    # The test schema is made with create_all, without Alembic's version table.
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["checks"]["migrations"] == "not applied"


def test_security_headers(client):
    r = client.get("/healthz")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "unsafe" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404
    body = r.get_json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["fields"] == {}


def test_openapi_document_is_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/openapi.json" in doc["paths"]
