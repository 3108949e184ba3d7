"""Register, log in (remember me, next), log out, profile, password change, closed registration."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditLog, Membership, Team, User

PASSWORD = "correct horse battery"


def _register(client, **overrides):
    data = {"name": "Ann Example", "email": "ann@example.com", "password": PASSWORD, "password_confirm": PASSWORD}
    data.update(overrides)
    return client.post("/register", data=data)


def test_login_and_register_pages_render(client):
    for path in ("/login", "/register"):
        r = client.get(path)
        assert r.status_code == 200
        assert b'name="csrf_token"' in r.data
    assert b"Remember me" in client.get("/login").data


def test_register_creates_owner_team_and_logs_in(app, client):
    r = _register(client)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ann@example.com"))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.role == "owner"
        assert user.current_team_id == membership.team_id
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "user.registered")) is not None
    assert client.get("/settings").status_code == 200


@pytest.mark.parametrize("overrides, field, message", [
    ({"email": "not-an-email"}, "email", b"valid email"),
    ({"email": ""}, "email", b"Enter your email"),
    ({"password": "short", "password_confirm": "short"}, "password", b"at least 8"),
    ({"password": "password123", "password_confirm": "password123"}, "password", b"too common"),
    ({"password_confirm": "something else entirely"}, "password_confirm", b"do not match"),
    ({"name": "n" * 121}, "name", b"120"),
])
def test_register_errors_sit_beside_fields_and_keep_input(app, client, overrides, field, message):
    r = _register(client, **overrides)
    assert r.status_code == 422
    assert message in r.data
    assert f'id="{field}-error"'.encode() in r.data
    assert b'aria-invalid="true"' in r.data
    assert PASSWORD.encode() not in r.data  # passwords are never echoed back
    if field != "name":
        assert b'value="Ann Example"' in r.data  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(User)) is None  # nothing half-written


def test_duplicate_email_is_refused_beside_the_field(client, factory):
    factory.user("ann@example.com")
    r = _register(client, email="ANN@example.com")
    assert r.status_code == 422
    assert b"already exists" in r.data


def test_login_success_redirects_to_dashboard(client, factory):
    factory.user("ann@example.com")
    r = client.post("/login", data={"email": "Ann@Example.com", "password": PASSWORD})
    assert r.status_code == 302
    assert r.headers["Location"] == "/"
    assert "remember_token" not in r.headers.get("Set-Cookie", "")


def test_login_remember_me_sets_a_remember_cookie(client, factory):
    factory.user("ann@example.com")
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "remember": "y"})
    cookies = r.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_wrong_password_and_unknown_email_get_the_same_answer(client, factory):
    factory.user("ann@example.com")
    a = client.post("/login", data={"email": "ann@example.com", "password": "wrong password here"})
    b = client.post("/login", data={"email": "nobody@example.com", "password": "wrong password here"})
    assert a.status_code == b.status_code == 422
    assert b"Wrong email or password." in a.data and b"Wrong email or password." in b.data
    assert b'value="ann@example.com"' in a.data


def test_disabled_user_cannot_log_in(app, client, factory):
    user = factory.user("ann@example.com")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.post("/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 422


@pytest.mark.parametrize("target, expected", [
    ("/campaigns?page=2", "/campaigns?page=2"),
    ("https://evil.example/steal", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/ok\r\nSet-Cookie: x=1", "/"),
])
def test_login_redirects_only_to_local_next(client, factory, target, expected):
    factory.user("ann@example.com")
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "next": target})
    assert r.status_code == 302
    assert r.headers["Location"] == expected


def test_login_page_carries_next_into_the_form(client):
    r = client.get("/login?next=/team")
    assert b'value="/team"' in r.data
    r = client.get("/login?next=https://evil.example/")
    assert b"evil.example" not in r.data


def test_protected_page_sends_you_to_login_with_next(client):
    r = client.get("/settings")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"] and "next=" in r.headers["Location"]


def test_logout_is_post_only_and_ends_the_session(app, factory, login):
    user = factory.user("ann@example.com")
    c = login(user)
    assert c.get("/logout").status_code == 405
    with c.session_transaction() as s:
        stolen = dict(s)  # a copy of the cookie's contents, as an attacker might keep
    r = c.post("/logout")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert c.get("/settings").status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as s:
        s.update(stolen)
    assert replay.get("/settings").status_code == 302  # the old cookie is dead too


def test_logout_keeps_api_tokens_working(factory, login, api_client):
    user = factory.user("ann@example.com")
    token = factory.token(user)
    login(user).post("/logout")
    assert api_client(token).get("/api/auth/me").status_code == 200


def test_profile_update_keeps_input_on_error(app, factory, login):
    factory.user("taken@example.com")
    user = factory.user("ann@example.com")
    c = login(user)
    r = c.post("/settings/profile", data={"name": "Ann B", "email": "taken@example.com",
                                          "current_password": "correct horse battery"})
    assert r.status_code == 422
    assert b"Another account uses this email" in r.data and b'value="Ann B"' in r.data
    r = c.post("/settings/profile", data={"name": "Ann B", "email": "ann.b@example.com",
                                          "current_password": "correct horse battery"},
               headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert b"Profile saved" in r.data and b"<html" not in r.data  # the partial only
    with app.app_context():
        assert db.session.get(User, user.id).email == "ann.b@example.com"


def test_change_password_requires_current_password(app, factory, login):
    user = factory.user("ann@example.com")
    c = login(user)
    r = c.post("/settings/password", data={"current_password": "not my password", "new_password": "new secret phrase",
                                           "new_password_confirm": "new secret phrase"})
    assert r.status_code == 422
    assert b"current password is not correct" in r.data
    r = c.post("/settings/password", data={"current_password": PASSWORD, "new_password": "new secret phrase",
                                           "new_password_confirm": "different phrase"})
    assert r.status_code == 422 and b"do not match" in r.data
    r = c.post("/settings/password", data={"current_password": PASSWORD, "new_password": "password123",
                                           "new_password_confirm": "password123"})
    assert r.status_code == 422 and b"too common" in r.data


def test_change_password_kills_other_sessions_and_old_tokens_but_keeps_this_one(app, factory, login, api_client):
    user = factory.user("ann@example.com")
    old_token = factory.token(user)
    this_browser, other_browser = login(user), login(user)
    r = this_browser.post("/settings/password", data={"current_password": PASSWORD, "new_password": "new secret phrase",
                                                      "new_password_confirm": "new secret phrase"})
    assert r.status_code == 302
    assert this_browser.get("/settings").status_code == 200  # re-logged in with the new epoch
    assert other_browser.get("/settings").status_code == 302
    assert api_client(old_token).get("/api/auth/me").status_code == 401
    assert this_browser.post("/logout").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": "ann@example.com", "password": "new secret phrase"}).status_code == 302


@pytest.mark.app_config(HERALD_REGISTRATION="closed")
def test_registration_closed_hides_link_and_refuses(app):
    c = app.test_client()
    assert b"Sign up" not in c.get("/login").data
    assert c.get("/register").status_code == 403
    r = c.post("/register", data={"email": "ann@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 403
    assert b"Registration is closed" in r.data
    with app.app_context():
        assert db.session.scalar(select(User)) is None


@pytest.mark.app_config(HERALD_REGISTRATION="closed")
def test_registration_closed_still_accepts_an_invite(app):
    from webapp.services.access import Actor
    from webapp.services.accounts import register_user
    from webapp.services.teams import create_invite

    with app.app_context():
        owner = register_user("owner@example.com", PASSWORD)
        _, secret = create_invite(Actor(owner.id, owner.current_team_id, "owner"), "viewer")
        team_id = owner.current_team_id
        db.session.commit()
    c = app.test_client()
    page = c.get(f"/register?invite={secret}")
    assert page.status_code == 200 and b"invited to join" in page.data
    r = c.post("/register", data={"email": "new@example.com", "password": PASSWORD, "password_confirm": PASSWORD,
                                  "invite": secret})
    assert r.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        roles = {m.team_id: m.role for m in user.memberships}
        assert roles[team_id] == "viewer" and user.current_team_id == team_id
        assert len(db.session.scalars(select(Team)).all()) == 2  # the newcomer also owns a team of their own
