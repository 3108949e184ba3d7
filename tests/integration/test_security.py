"""CSRF, cookies, CORS, rate limits (login per IP and account, API per token), session revocation."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login_client
from webapp.extensions import db
from webapp.models import User
from webapp.services.accounts import register_user

PASSWORD = "correct horse battery"


def _user(app, email="ann@example.com"):
    with app.app_context():
        user = register_user(email, PASSWORD, name="Ann")
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    return user


def _csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- CSRF ---------------------------------------------------------------------------------------

@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_form_post_without_csrf_token_is_refused(app):
    _user(app)
    c = app.test_client()
    r = c.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 400
    assert b"form expired" in r.data
    token = _csrf_from(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_htmx_post_needs_the_x_csrftoken_header(app):
    user = _user(app)
    c = login_client(app, user)
    token = _csrf_from(c.get("/settings").get_data(as_text=True))
    r = c.post("/settings/tokens", data={"name": "no header"}, headers={"HX-Request": "true"})
    assert r.status_code == 400
    r = c.post("/settings/tokens", data={"name": "with header"},
               headers={"HX-Request": "true", "X-CSRFToken": token})
    assert r.status_code == 200 and b"hrld_" in r.data


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_cookie_api_call_needs_csrf_but_bearer_and_json_login_do_not(app):
    user = _user(app)
    c = login_client(app, user)
    assert c.post("/api/auth/tokens", json={"name": "x"}).status_code == 400
    r = app.test_client().post("/api/auth/login", json={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 200
    bearer = {"Authorization": f"Bearer {r.get_json()['token']}"}
    assert app.test_client().post("/api/auth/tokens", json={"name": "x"}, headers=bearer).status_code == 201
    # A cross-site HTML form cannot send JSON, and form bodies are refused here.
    r = app.test_client().post("/api/auth/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 400


# --- cookies ------------------------------------------------------------------------------------

def _cookie(response, name):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_session_cookie_flags_in_development(app, client):
    _user(app)
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _cookie(r, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie


@pytest.mark.app_config(HERALD_ENV="production", SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
def test_cookies_are_secure_in_production(app):
    _user(app)
    r = app.test_client().post("/login", data={"email": "ann@example.com", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _cookie(r, name)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_settings_turn_secure_cookies_on(monkeypatch):
    from webapp.config import load_settings

    monkeypatch.setenv("HERALD_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = load_settings()
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True and settings["SESSION_COOKIE_SAMESITE"] == "Lax"


# --- CORS ---------------------------------------------------------------------------------------

@pytest.mark.app_config(HERALD_CORS_ORIGINS=["https://tools.example"])
def test_cors_only_for_listed_origins_and_never_with_credentials(app):
    user = _user(app)
    c = app.test_client()
    preflight = c.options("/api/auth/me", headers={
        "Origin": "https://tools.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://tools.example"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    preflight_post = c.options("/api/auth/login", headers={
        "Origin": "https://tools.example", "Access-Control-Request-Method": "POST"})
    assert preflight_post.status_code == 200
    assert "POST" in preflight_post.headers["Access-Control-Allow-Methods"]
    with app.app_context():
        from webapp.services.accounts import create_api_token

        u = db.session.get(User, user.id)
        _, secret = create_api_token(u, u.current_team_id, "cors")
        db.session.commit()
    r = c.get("/api/auth/me", headers={"Origin": "https://tools.example", "Authorization": f"Bearer {secret}"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "https://tools.example"
    assert "Access-Control-Allow-Credentials" not in r.headers
    evil = c.options("/api/auth/me", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Origin" not in c.get("/login", headers={"Origin": "https://tools.example"}).headers


def test_no_cors_by_default(client):
    r = client.get("/api/openapi.json", headers={"Origin": "https://tools.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


# --- rate limits --------------------------------------------------------------------------------

def limited(**limits):
    """The app_config marker for an app with rate limits on (generous ones besides `limits`)."""
    return pytest.mark.app_config(**{"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "100 per minute",
                                     "RATELIMIT_LOGIN_ACCOUNT": "100 per hour", **limits})


@limited(RATELIMIT_LOGIN="3 per minute")
def test_web_login_is_limited_per_ip_with_retry_after(app):
    c = app.test_client()
    for i in range(3):
        assert c.post("/login", data={"email": f"u{i}@example.com", "password": "wrong password"}).status_code == 422
    r = c.post("/login", data={"email": "u9@example.com", "password": "wrong password"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert b"Too many attempts" in r.data
    assert c.get("/login").status_code == 200  # only attempts (POSTs) count
    # The JSON login shares the per-IP budget.
    r = c.post("/api/auth/login", json={"email": "u1@example.com", "password": "wrong password"})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited" and "Retry-After" in r.headers


@limited(RATELIMIT_LOGIN_ACCOUNT="2 per hour")
def test_successful_logins_do_not_use_up_the_account_budget(app):
    _user(app)
    for _ in range(4):
        r = app.test_client().post("/api/auth/login", json={"email": "ann@example.com", "password": PASSWORD})
        assert r.status_code == 200


@limited(RATELIMIT_LOGIN="2 per minute")
def test_api_register_is_limited_per_ip(app):
    c = app.test_client()
    for i in range(2):
        r = c.post("/api/auth/register", json={"email": f"n{i}@example.com", "password": PASSWORD})
        assert r.status_code == 201
    r = c.post("/api/auth/register", json={"email": "n3@example.com", "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers


@limited(RATELIMIT_API="3 per minute")
def test_api_is_limited_per_token(app):
    user = _user(app)
    other = _user(app, "other@example.com")
    secrets = []
    with app.app_context():
        from webapp.services.accounts import create_api_token

        for u in (user, other):
            row = db.session.get(User, u.id)
            secrets.append(create_api_token(row, row.current_team_id, "t")[1])
        db.session.commit()
    c = app.test_client()
    mine, theirs = ({"Authorization": f"Bearer {s}"} for s in secrets)
    for _ in range(3):
        assert c.get("/api/auth/me", headers=mine).status_code == 200
    r = c.get("/api/auth/me", headers=mine)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert c.get("/api/auth/me", headers=theirs).status_code == 200  # per token, not global


# --- sessions and tokens die when they should ----------------------------------------------------

def test_password_change_over_htmx_keeps_this_browser(app):
    user = _user(app)
    c = login_client(app, user)
    other = login_client(app, user)
    r = c.post("/settings/password", headers={"HX-Request": "true"},
               data={"current_password": PASSWORD, "new_password": "another good phrase",
                     "new_password_confirm": "another good phrase"})
    assert r.status_code == 200 and b"Password changed" in r.data
    assert c.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302


def test_hostile_user_name_is_escaped_everywhere(app):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    with app.app_context():
        user = register_user("ann@example.com", PASSWORD, name=hostile)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    c = login_client(app, user)
    for path in ("/settings", "/team"):
        page = c.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
