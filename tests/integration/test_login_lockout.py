"""Failed logins lock one (account, address) pair, never the account: a stranger hammering an
account from one or many addresses cannot keep its owner out for long (services/login_guard.py)."""
from __future__ import annotations

import pytest

from tests.conftest import Factory

PASSWORD = "correct horse battery"
WRONG = {"email": "ann@example.com", "password": "wrong password"}

limits = pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="10000 per minute",
                                RATELIMIT_LOGIN_ACCOUNT="20 per hour", HERALD_LOGIN_SLOWDOWN_AFTER=50)


@pytest.fixture
def ann(app):
    return Factory(app).user("ann@example.com", PASSWORD)


def _web(client, address, password):
    return client.post("/login", data={"email": "ann@example.com", "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _api(client, address, password):
    return client.post("/api/auth/login", json={"email": "ann@example.com", "password": password},
                       environ_base={"REMOTE_ADDR": address})


@limits
@pytest.mark.parametrize("attempt", [_web, _api], ids=["page", "api"])
def test_twenty_failures_lock_that_address_only(app, ann, attempt):
    c = app.test_client()
    for _ in range(20):
        assert attempt(c, "10.0.0.1", "wrong password").status_code in (401, 422)
    r = attempt(c, "10.0.0.1", PASSWORD)  # even the right password: the pair is locked
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 3600
    assert "from your address" in r.get_data(as_text=True)
    r = attempt(app.test_client(), "10.0.0.2", PASSWORD)
    assert r.status_code in (200, 302)  # the owner elsewhere gets in at once


@limits
def test_page_and_api_share_one_count(app, ann):
    c = app.test_client()
    for i in range(20):
        (_web if i % 2 else _api)(c, "10.0.0.1", "wrong password")
    assert _api(c, "10.0.0.1", PASSWORD).status_code == 429
    assert _web(c, "10.0.0.1", PASSWORD).status_code == 429


@limits
def test_many_addresses_only_slow_the_account_down(app, ann):
    c = app.test_client()
    worst = 0
    for i in range(200):
        r = _api(c, f"10.1.{i // 250}.{i % 250}", "wrong password")
        if r.status_code == 429:
            worst = max(worst, int(r.headers["Retry-After"]))
    assert 0 < worst <= 60  # slowed once past HERALD_LOGIN_SLOWDOWN_AFTER, never for an hour
    r = _api(c, "10.0.0.2", PASSWORD)
    if r.status_code == 429:  # slowed down: a short wait, never a lock
        assert int(r.headers["Retry-After"]) <= 60
        assert "many failed logins" in r.get_json()["error"]["message"]
        assert 0 < r.get_json()["error"]["retryAfter"] <= int(r.headers["Retry-After"])
    else:
        assert r.status_code == 200


@limits
def test_slowdown_ends_and_the_owner_gets_in(app, ann):
    from webapp.extensions import limiter
    from webapp.services import login_guard

    c = app.test_client()
    for i in range(60):
        _api(c, f"10.2.0.{i}", "wrong password")
    assert _api(c, "10.0.0.2", PASSWORD).status_code == 429
    with app.app_context():  # the wait runs out (instead of sleeping a minute in a test)
        limiter.storage.clear(login_guard._keys("ann@example.com", "")[2])
    assert _api(c, "10.0.0.2", PASSWORD).status_code == 200


@limits
def test_a_good_login_forgives_that_address(app, ann):
    c = app.test_client()
    for _ in range(19):
        _web(c, "10.0.0.1", "wrong password")
    assert _web(c, "10.0.0.1", PASSWORD).status_code == 302
    for _ in range(19):
        assert _web(c, "10.0.0.1", "wrong password").status_code == 422


@limits
def test_an_unknown_email_is_throttled_the_same_way(app):
    c = app.test_client()
    for _ in range(20):
        r = c.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x"},
                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert r.status_code == 401
    r = c.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x"},
               environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert r.status_code == 429
