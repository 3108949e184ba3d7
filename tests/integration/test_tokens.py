"""API tokens: settings page, the auth API (login, register, me, tokens) and the CLI."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiToken, User

PASSWORD = "correct horse battery"


# --- settings page ------------------------------------------------------------------------------

def test_create_token_shows_secret_once_and_stores_only_a_hash(app, factory, login, api_client):
    user = factory.user("ann@example.com")
    c = login(user)
    r = c.post("/settings/tokens", data={"name": "Zapier"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    secret = re.search(r"hrld_[A-Za-z0-9_-]+", r.get_data(as_text=True)).group(0)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "Zapier" and token.token_hash != secret and secret.startswith(token.prefix)
    page = c.get("/settings").get_data(as_text=True)
    assert "Zapier" in page and token.prefix in page and secret not in page
    assert api_client(secret).get("/api/auth/me").status_code == 200


@pytest.mark.parametrize("name, status", [("", 422), ("x" * 81, 422), ("   ", 422)])
def test_token_name_is_validated(app, factory, login, name, status):
    c = login(factory.user())
    r = c.post("/settings/tokens", data={"name": name})
    assert r.status_code == status
    assert b'id="name-error"' in r.data
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_revoke_token_from_settings(app, factory, login, api_client):
    user = factory.user()
    secret = factory.token(user, "old")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    r = login(user).post(f"/settings/tokens/{token_id}/revoke", headers={"HX-Request": "true"})
    assert r.status_code == 200 and b"Token revoked" in r.data
    assert api_client(secret).get("/api/auth/me").status_code == 401


def test_someone_elses_token_id_is_404(app, factory, login, api_client):
    owner = factory.user()
    secret = factory.token(owner)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    other = factory.user()
    assert login(other).post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert api_client(factory.token(other)).delete(f"/api/auth/tokens/{token_id}").status_code == 404
    assert api_client(secret).get("/api/auth/me").status_code == 200


def test_hostile_token_name_is_escaped(factory, login):
    c = login(factory.user())
    c.post("/settings/tokens", data={"name": "<script>alert(1)</script>"})
    page = c.get("/settings").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- auth API -----------------------------------------------------------------------------------

def test_api_login_answers_token_user_and_team(app, client, factory):
    user = factory.user("ann@example.com", name="Ann")
    r = client.post("/api/auth/login", json={"email": "ANN@example.com", "password": PASSWORD})
    assert r.status_code == 200
    body = r.get_json()
    assert body["token"].startswith("hrld_")
    assert body["user"] == {"id": user.id, "email": "ann@example.com", "name": "Ann",
                            "createdAt": body["user"]["createdAt"]}
    assert body["team"]["id"] == user.current_team_id and body["team"]["role"] == "owner"
    assert "monthlyTokenBudget" in body["team"]
    with app.app_context():
        assert db.session.scalar(select(ApiToken.name)) == "api login"
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["user"]["email"] == "ann@example.com"


def test_api_login_refuses_wrong_credentials_the_same_way(client, factory):
    factory.user("ann@example.com")
    a = client.post("/api/auth/login", json={"email": "ann@example.com", "password": "wrong password"})
    b = client.post("/api/auth/login", json={"email": "ghost@example.com", "password": "wrong password"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()
    assert a.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("body, field", [
    ({"email": "ann@example.com"}, "password"),
    ({"password": PASSWORD}, "email"),
    ({"email": ["ann@example.com"], "password": PASSWORD}, "email"),
    ({"email": "ann@example.com", "password": {"x": 1}}, "password"),
])
def test_api_login_bad_bodies_are_field_errors(client, body, field):
    r = client.post("/api/auth/login", json=body)
    assert r.status_code == 422
    assert field in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("kwargs", [
    {"data": "email=a@example.com&password=x", "content_type": "application/x-www-form-urlencoded"},
    {"data": "not json", "content_type": "application/json"},
    {"json": ["a", "list"]},
])
def test_api_login_needs_a_json_object(client, kwargs):
    r = client.post("/api/auth/login", **kwargs)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


def test_api_register_creates_account_team_and_token(app, client):
    r = client.post("/api/auth/register", json={"email": "new@example.com", "password": PASSWORD, "name": "New"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["token"].startswith("hrld_") and body["team"]["role"] == "owner"
    assert body["user"]["email"] == "new@example.com"
    again = client.post("/api/auth/register", json={"email": "new@example.com", "password": PASSWORD})
    assert again.status_code == 409 and "email" in again.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"email": "bad", "password": PASSWORD}, "email"),
    ({"email": "a@example.com", "password": "short"}, "password"),
    ({"email": "a@example.com", "password": "password123"}, "password"),
    ({"email": "a@example.com", "password": PASSWORD, "passwordConfirm": "other"}, "passwordConfirm"),
    ({"email": "a@example.com", "password": PASSWORD, "name": "n" * 500}, "name"),
    ({"email": "a@example.com", "password": 12345678}, "password"),
])
def test_api_register_validation(app, client, body, field):
    r = client.post("/api/auth/register", json=body)
    assert r.status_code == 422
    assert field in r.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(User)) is None


@pytest.mark.app_config(HERALD_REGISTRATION="closed")
def test_api_register_closed_is_403(app):
    r = app.test_client().post("/api/auth/register", json={"email": "new@example.com", "password": PASSWORD})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden"


@pytest.mark.app_config(HERALD_REGISTRATION="closed")
def test_api_register_with_invite_when_closed(app):
    from webapp.services.access import Actor
    from webapp.services.accounts import register_user
    from webapp.services.teams import create_invite

    with app.app_context():
        owner = register_user("owner@example.com", PASSWORD)
        _, secret = create_invite(Actor(owner.id, owner.current_team_id, "owner"), "editor")
        team_id = owner.current_team_id
        db.session.commit()
    r = app.test_client().post("/api/auth/register",
                               json={"email": "new@example.com", "password": PASSWORD, "invite": secret})
    assert r.status_code == 201
    assert r.get_json()["team"] == {"id": team_id, "name": r.get_json()["team"]["name"], "role": "editor",
                                    "monthlyTokenBudget": None, "tokenLimit": None, "emailAllowed": True}


def test_api_me_lists_teams_and_role(factory, api_client):
    owner = factory.user("owner@example.com")
    team = factory.team_of(owner)
    viewer = factory.user("viewer@example.com", team=team, role="viewer")
    body = api_client(factory.token(viewer)).get("/api/auth/me").get_json()
    assert body["role"] == "viewer" and body["team"]["id"] == team.id
    assert sorted(t["role"] for t in body["teams"]) == ["owner", "viewer"]


def test_api_me_needs_auth(client):
    r = client.get("/api/auth/me")
    assert r.status_code == 401
    r = client.get("/api/auth/me", headers={"Authorization": "Bearer hrld_nonsense"})
    assert r.status_code == 401


def test_api_tokens_list_create_revoke(factory, api_client):
    user = factory.user()
    api = api_client(factory.token(user, "bootstrap"))
    r = api.post("/api/auth/tokens", json={"name": "reporting"})
    assert r.status_code == 201
    created = r.get_json()
    assert created["token"].startswith(created["prefix"]) and created["name"] == "reporting"
    listing = api.get("/api/auth/tokens").get_json()
    assert listing["total"] == 2 and listing["page"] == 1
    assert {t["name"] for t in listing["items"]} == {"bootstrap", "reporting"}
    assert all("token" not in t and "tokenHash" not in t for t in listing["items"])
    assert api.get("/api/auth/tokens?perPage=1&page=2").get_json()["items"][0]["name"] == "bootstrap"
    assert api.get("/api/auth/tokens?perPage=0").status_code == 400  # a bad list query, as on every list
    assert api.get("/api/auth/tokens?page=x").status_code == 400
    assert api.delete(f"/api/auth/tokens/{created['id']}").status_code == 204
    assert api_client(created["token"]).get("/api/auth/me").status_code == 401
    assert api.delete(f"/api/auth/tokens/{created['id']}").status_code == 404
    assert api.post("/api/auth/tokens", json={"name": ""}).status_code == 422
    assert api.post("/api/auth/tokens", json={"name": 5 * ["x"]}).status_code == 422


def test_auth_endpoints_are_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    for path, method in [("/api/auth/login", "post"), ("/api/auth/register", "post"), ("/api/auth/me", "get"),
                         ("/api/auth/tokens", "get"), ("/api/auth/tokens", "post"),
                         ("/api/auth/tokens/{token_id}", "delete")]:
        assert method in doc["paths"][path]
    assert doc["paths"]["/api/auth/login"]["post"]["security"] == []
    for name in ("AuthResult", "Me", "ApiToken", "ApiTokenList", "LoginBody", "RegisterBody"):
        assert name in doc["components"]["schemas"]


# --- CLI ----------------------------------------------------------------------------------------

def test_cli_users_create_with_piped_password(app, runner):
    r = runner.invoke(args=["users", "create", "ops@example.com", "--team", "Ops Team", "--name", "Ops"],
                      input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ops@example.com"))
        assert user.name == "Ops" and user.memberships[0].team.name == "Ops Team"
        assert user.memberships[0].role == "owner"
    r = runner.invoke(args=["users", "create", "weak@example.com", "--team", "T"], input="short\n")
    assert r.exit_code != 0 and "at least 8" in r.output


def test_cli_tokens_create_prints_a_working_token(app, runner, factory, api_client):
    factory.user("ann@example.com")
    r = runner.invoke(args=["tokens", "create", "ann@example.com", "--name", "ci"])
    assert r.exit_code == 0, r.output
    secret = r.output.strip()
    assert secret.startswith("hrld_")
    assert api_client(secret).get("/api/auth/me").status_code == 200
    r = runner.invoke(args=["tokens", "create", "ghost@example.com", "--name", "ci"])
    assert r.exit_code != 0


def test_cli_users_disable_ends_sessions_and_tokens(app, runner, factory, login, api_client):
    user = factory.user("ann@example.com")
    secret = factory.token(user)
    browser = login(user)
    r = runner.invoke(args=["users", "disable", "ann@example.com"])
    assert r.exit_code == 0, r.output
    assert api_client(secret).get("/api/auth/me").status_code == 401
    assert browser.get("/settings").status_code == 302
    assert app.test_client().post("/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 422


def test_cli_set_password(app, runner, factory):
    factory.user("ann@example.com")
    r = runner.invoke(args=["users", "set-password", "ann@example.com"], input="brand new phrase\n")
    assert r.exit_code == 0, r.output
    c = app.test_client()
    assert c.post("/login", data={"email": "ann@example.com", "password": "brand new phrase"}).status_code == 302
