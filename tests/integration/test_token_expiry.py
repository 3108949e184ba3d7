"""API tokens expire: a default and a maximum lifetime (settings), a shorter or longer one on request,
login tokens their own; an expired token is a 401 that says so; lists show the expiry."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.models import ApiToken

PASSWORD = "correct horse battery"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _about(moment: datetime, days: int) -> bool:
    return abs(moment - (datetime.now(UTC) + timedelta(days=days))) < timedelta(minutes=5)


def test_a_new_token_lives_the_default_days(api):
    r = api.post("/api/auth/tokens", json={"name": "ci"})
    assert r.status_code == 201 and _about(_at(r.get_json()["expiresAt"]), 90)


@pytest.mark.parametrize("days", [1, 7, 365])
def test_a_token_may_ask_for_its_lifetime_within_the_maximum(api, days):
    r = api.post("/api/auth/tokens", json={"name": "ci", "expiresInDays": days})
    assert r.status_code == 201 and _about(_at(r.get_json()["expiresAt"]), days)


@pytest.mark.parametrize("days", [0, -1, 366, "ten", True])
def test_a_lifetime_out_of_range_is_a_422_and_no_token(app, api, days):
    r = api.post("/api/auth/tokens", json={"name": "too long", "expiresInDays": days})
    assert r.status_code == 422 and "expiresInDays" in r.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.query(ApiToken).filter_by(name="too long").count() == 0


@pytest.mark.app_config(HERALD_TOKEN_DEFAULT_DAYS=10, HERALD_TOKEN_MAX_DAYS=20)
def test_default_and_maximum_are_settings(api):
    assert _about(_at(api.post("/api/auth/tokens", json={"name": "a"}).get_json()["expiresAt"]), 10)
    r = api.post("/api/auth/tokens", json={"name": "b", "expiresInDays": 21})
    assert r.status_code == 422 and "1 to 20 days" in r.get_json()["error"]["fields"]["expiresInDays"]


def test_login_tokens_expire_too(app, owner):
    r = app.test_client().post("/api/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert r.status_code == 200 and _about(_at(r.get_json()["expiresAt"]), 30)


def test_an_expired_token_is_a_401_that_says_so(app, api, token):
    assert api.get("/api/auth/me").status_code == 200
    with app.app_context():
        db.session.query(ApiToken).update({"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
        db.session.commit()
    r = api.get("/api/auth/me")
    assert r.status_code == 401 and "expired" in r.get_json()["error"]["message"]


def test_the_token_list_shows_expiry_and_leaves_out_expired_ones(app, api):
    api.post("/api/auth/tokens", json={"name": "short", "expiresInDays": 2})
    items = api.get("/api/auth/tokens").get_json()["items"]
    assert {i["name"] for i in items} >= {"short"} and all("expiresAt" in i for i in items)
    with app.app_context():
        db.session.query(ApiToken).filter_by(name="short").update(
            {"expires_at": datetime.now(UTC) - timedelta(days=1)})
        db.session.commit()
    assert "short" not in {i["name"] for i in api.get("/api/auth/tokens").get_json()["items"]}


def test_settings_page_creates_a_token_with_a_lifetime_and_shows_expiry(app, owner_client):
    r = owner_client.post("/settings/tokens", data={"name": "page token", "expires_in_days": "3"})
    assert r.status_code == 200
    with app.app_context():
        token = db.session.query(ApiToken).filter_by(name="page token").one()
        assert _about(token.expires_at, 3)
    page = owner_client.get("/settings").get_data(as_text=True)
    assert "Expires" in page and token.expires_at.strftime("%Y-%m-%d") in page


def test_settings_page_refuses_a_lifetime_over_the_maximum(app, owner_client):
    r = owner_client.post("/settings/tokens", data={"name": "page token", "expires_in_days": "999"})
    assert r.status_code == 422 and b"1 to 365 days" in r.data
    with app.app_context():
        assert db.session.query(ApiToken).filter_by(name="page token").count() == 0
