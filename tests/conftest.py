"""Shared fixtures: a fresh app per test (SQLite file, or PostgreSQL when HERALD_TEST_DATABASE_URL
is set), clients, users and tokens."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db

# The loopback OpenAI-compatible server fixture (`openai_server`).
# Fixture modules under tests/helpers: the loopback OpenAI server and every fixtures_*.py.
_HELPERS = Path(__file__).parent / "helpers"
pytest_plugins = [
    f"tests.helpers.{p.stem}"
    for p in sorted(_HELPERS.glob("*.py"))
    if p.stem == "openai_server" or p.stem.startswith("fixtures_")
]

TEST_DATABASE_URL = os.environ.get("HERALD_TEST_DATABASE_URL")
_schema_ready: set[str] = set()
_counter = itertools.count(1)


def _normalise(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def base_config(tmp_path, **overrides) -> dict:
    uri = _normalise(TEST_DATABASE_URL) if TEST_DATABASE_URL else f"sqlite:///{tmp_path / 'herald.db'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "SQLALCHEMY_DATABASE_URI": uri,
        "HUEY_PATH": str(tmp_path / "huey.db"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "HERALD_LOG_LEVEL": "WARNING",
    }
    config.update(overrides)
    return config


def make_app(tmp_path, **overrides):
    """A fresh app with an empty schema (PostgreSQL: truncated tables)."""
    app = create_app(base_config(tmp_path, **overrides))
    with app.app_context():
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite") or uri not in _schema_ready:
            if not uri.startswith("sqlite"):
                db.drop_all()
            db.create_all()
            _schema_ready.add(uri)
        else:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    return app


@pytest.fixture
def app(tmp_path):
    """A fresh Herald app with an empty database."""
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser-like test client (no login)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


class Factory:
    """Creates users, teams and tokens through the real services."""

    def __init__(self, app):
        self.app = app

    def user(self, email: str | None = None, password: str = "correct horse battery", *, name: str = "Test User",
             team=None, role: str = "owner"):
        """A user with their own team; with `team`, also a member of that team in `role` (and
        switched to it)."""
        from webapp.models import Membership
        from webapp.services.accounts import register_user

        email = email or f"user{next(_counter)}@example.com"
        with self.app.app_context():
            user = register_user(email, password, name=name)
            if team is not None:
                db.session.add(Membership(user_id=user.id, team_id=team.id, role=role))
                user.current_team_id = team.id
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    def team_of(self, user):
        from webapp.models import Team

        with self.app.app_context():
            team = db.session.get(Team, user.current_team_id)
            db.session.expunge(team)
        return team

    def token(self, user, name: str = "test token") -> str:
        from webapp.models import User
        from webapp.services.accounts import create_api_token

        with self.app.app_context():
            u = db.session.get(User, user.id)
            _, secret = create_api_token(u, u.current_team_id, name)
            db.session.commit()
        return secret


@pytest.fixture
def factory(app):
    """Make users, teams and tokens."""
    return Factory(app)


def login_client(app, user):
    """A test client logged in as `user` (session cookie set directly, as Flask-Login would)."""
    c = app.test_client()
    with c.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_epoch}"
        session["_fresh"] = True
    return c


@pytest.fixture
def login(app):
    """login(user) → a client logged in as that user."""
    return lambda user: login_client(app, user)


class ApiClient:
    """A JSON client sending `Authorization: Bearer <token>`."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, path: str, json=None, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.open("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.open("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


@pytest.fixture
def api_client(app):
    """api_client(token) → a JSON client authenticated with that API token."""
    return lambda token=None: ApiClient(app, token)
