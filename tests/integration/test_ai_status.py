"""GET /api/content/ai-status with a model server: host but never the key, cached reachability."""
from __future__ import annotations

import socket

from tests.conftest import ApiClient, Factory

SECRET = "sk-live-very-secret-0123456789"


def _status_client(app_factory, base_url: str, **config):
    app = app_factory(OPENAI_BASE_URL=base_url, OPENAI_API_KEY=SECRET, HERALD_MODEL="test-model", **config)
    owner = Factory(app).user()
    return app, ApiClient(app, Factory(app).token(owner))


def test_status_names_writer_model_and_host_never_the_key(app_factory, openai_server):
    app, api = _status_client(app_factory, openai_server.base_url)
    r = api.get("/api/content/ai-status")
    assert r.status_code == 200
    body = r.get_json()
    host, port = openai_server.base_url.split("//")[1].split("/")[0].split(":")
    assert body["writer"] == "openai" and body["model"] == "test-model"
    assert body["baseUrlHost"] == f"{host}:{port}"
    assert body["reachable"] is True
    assert body["usage"] == {"promptTokens": 0, "completionTokens": 0, "total": 0, "budget": 2_000_000,
                             "remaining": 2_000_000, "resetsAt": body["usage"]["resetsAt"]}
    assert SECRET not in r.get_data(as_text=True)
    assert SECRET[-12:] not in r.get_data(as_text=True)


def test_reachability_check_is_cached(app_factory, openai_server):
    app, api = _status_client(app_factory, openai_server.base_url)
    api.get("/api/content/ai-status")
    api.get("/api/content/ai-status")
    gets = [q for q in openai_server.requests if q["method"] == "GET"]
    assert len(gets) == 1 and gets[0]["path"].endswith("/models")
    assert not [q for q in openai_server.requests if q["method"] == "POST"]  # no paid call for a status


def test_refused_key_and_dead_server_are_reported(app_factory, openai_server):
    openai_server.models_status = 401
    app, api = _status_client(app_factory, openai_server.base_url)
    body = api.get("/api/content/ai-status").get_json()
    assert body["reachable"] is False and "key" in body["detail"]

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    app2, api2 = _status_client(app_factory, dead)
    body = api2.get("/api/content/ai-status").get_json()
    assert body["reachable"] is False and body["detail"] == "cannot connect"
    assert SECRET not in str(body)


def test_viewer_may_read_status(app_factory, openai_server):
    app = app_factory(OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY=SECRET)
    f = Factory(app)
    owner = f.user()
    viewer = f.user(team=f.team_of(owner), role="viewer")
    assert ApiClient(app, f.token(viewer)).get("/api/content/ai-status").status_code == 200
