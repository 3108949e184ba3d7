"""Health, readiness, request ids, security headers."""


def test_healthz_is_public(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}
    assert len(r.headers["X-Request-ID"]) >= 16


def test_request_id_is_echoed_when_sane(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert r.headers["X-Request-ID"] != "x" * 500


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
