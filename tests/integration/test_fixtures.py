"""The shared fixtures do what tests/conftest.py promises: an empty database per test, settings from
`app_config` and the marker, cheap password hashing unless marked, and `owner` owning their team."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Membership, User


def _rows(app) -> dict[str, int]:
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_starts_with_an_empty_schema(app, factory, round_):
    # Run twice: the second run fails if the first one's rows (or ids) leaked through the copied schema.
    counts = _rows(app)
    assert counts and set(counts.values()) == {0}, counts
    assert factory.user().id == 1


@pytest.mark.app_config(HERALD_REGISTRATION="closed", HERALD_LOG_LEVEL="ERROR")
def test_the_marker_adds_settings_to_the_defaults(app):
    assert app.config["HERALD_REGISTRATION"] == "closed" and app.config["HERALD_LOG_LEVEL"] == "ERROR"
    assert app.config["WTF_CSRF_ENABLED"] is False  # a default the marker did not name


def test_passwords_are_hashed_cheaply_but_still_checked(app, factory):
    from webapp.services.accounts import authenticate

    user = factory.user("cheap@example.com", "correct horse battery")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
        assert stored.startswith("$argon2id$") and "m=8," in stored
        assert authenticate("cheap@example.com", "correct horse battery") is not None
        assert authenticate("cheap@example.com", "correct horse batterY") is None


def test_owner_owns_their_own_team_and_api_is_theirs(app, owner, api, owner_client):
    with app.app_context():
        membership = db.session.scalars(select(Membership).filter_by(user_id=owner.id)).one()
    assert (membership.team_id, membership.role) == (owner.current_team_id, "owner")
    me = api.get("/api/auth/me").get_json()
    assert me["user"]["email"] == owner.email and me["role"] == "owner", me
    assert owner_client.get("/settings").status_code == 200


def test_app_factory_gives_another_app_with_its_settings(app_factory):
    other = app_factory(HERALD_REGISTRATION="closed")
    assert other.config["HERALD_REGISTRATION"] == "closed"
    assert set(_rows(other).values()) == {0}
