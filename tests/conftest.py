"""The suite's one set of fixtures (sub-conftests keep only what is local to them).

- `app`: a fresh Herald app with an empty database: a copy of the session's schema file on SQLite, or
  the PostgreSQL database at HERALD_TEST_DATABASE_URL with every table emptied. Its settings are the
  test defaults (`base_config`) + the `app_config` fixture (a module or sub-conftest overrides that
  fixture for all its tests) + `@pytest.mark.app_config(KEY=value, ...)` on one test.
- `app_factory(**settings)`: a further app (the same database on PostgreSQL; its own file on SQLite
  unless SQLALCHEMY_DATABASE_URI says otherwise), closed after the test.
- `client` (anonymous), `runner` (CLI), `factory` (users, teams, tokens), `login(user)` → a logged-in
  client, `api_client(token)` → a JSON client.
- `owner`: a user owning their own team; `owner_client`: a client logged in as them; `token`: an API
  token of theirs; `api`: a JSON client with that token.
- Passwords are hashed with cheap argon2 settings in every test; `@pytest.mark.real_password_hashing`
  keeps the production settings (tests/unit/test_passwords.py).
"""
from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from jinja2 import BytecodeCache
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db
from webapp.services import passwords

# Fixture modules under tests/helpers: the loopback OpenAI server and every fixtures_*.py.
_HELPERS = Path(__file__).parent / "helpers"
pytest_plugins = [
    f"tests.helpers.{p.stem}"
    for p in sorted(_HELPERS.glob("*.py"))
    if p.stem == "openai_server" or p.stem.startswith("fixtures_")
]

TEST_DATABASE_URL = os.environ.get("HERALD_TEST_DATABASE_URL")
_counter = itertools.count(1)
# Behaviour tests need a hash, not a slow one (argon2's minimum memory is 8 KiB per lane).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
REAL_HASHER = passwords._hasher


def pytest_configure(config):
    config.addinivalue_line("markers", "app_config(**settings): settings on top of the test app's defaults")
    config.addinivalue_line("markers", "real_password_hashing: hash with the production argon2 settings")


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


class _Schema:
    """The schema, built once per test process: a template SQLite file that each test copies (0.3 ms
    instead of create_all), and on PostgreSQL a drop/create on first use, then emptied tables."""

    def __init__(self) -> None:
        self._template: Path | None = None
        self._postgres_ready: set[str] = set()

    def sqlite_template(self) -> Path:
        if self._template is None:
            folder = Path(tempfile.mkdtemp(prefix="herald-schema-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "herald.db"
            app = create_app(base_config(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
            with app.app_context():
                db.create_all()
                db.session.remove()
                db.engine.dispose()
            # The last connection's close checkpoints the WAL: the main file alone is the whole schema.
            assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was not checkpointed"
            self._template = path
        return self._template

    def prepare(self, uri: str) -> bool:
        """Before create_app: copy the template into a new SQLite file. True when it did."""
        if not uri.startswith("sqlite:///") or uri == "sqlite:///:memory:":
            return False
        path = Path(uri[len("sqlite:///"):])
        if path.exists():
            return False
        shutil.copyfile(self.sqlite_template(), path)
        return True

    def reset(self, app, copied: bool) -> None:
        """Inside the app's context: make its database an empty schema."""
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite"):
            if not copied:
                db.create_all()
        elif uri not in self._postgres_ready:
            db.drop_all()
            db.create_all()
            self._postgres_ready.add(uri)
        else:
            self._empty_postgres()

    @staticmethod
    def _empty_postgres() -> None:
        """Delete the rows of the tables that have any and restart the sequences that were used.

        TRUNCATE of every table costs ~0.3 s per test (it replaces each table's files); a test
        writes to a few small tables, and one query finds them."""
        tables = [t.name for t in db.metadata.sorted_tables]
        probe = " UNION ALL ".join(f"(SELECT '{name}' FROM \"{name}\" LIMIT 1)" for name in tables)
        dirty = {row[0] for row in db.session.execute(text(probe))}
        used = db.session.scalars(text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).all()
        try:
            for name in reversed(tables):  # children before parents
                if name in dirty:
                    db.session.execute(text(f'DELETE FROM "{name}"'))
            for sequence in used:
                db.session.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"), {"s": sequence})
            db.session.commit()
        except Exception:  # noqa: BLE001 - e.g. a foreign-key cycle: empty everything the slow way
            db.session.rollback()
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            db.session.commit()


SCHEMA = _Schema()


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app of the test process. Each app has its own Jinja
    environment, so each test compiled every template it rendered again (~40 ms for a first page);
    Jinja keys the code by template name and checks it against a hash of the source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _SharedTemplateCode()


def make_app(tmp_path, **overrides):
    """A fresh app with an empty schema (SQLite: a copy of the template file; PostgreSQL: emptied
    tables). Prefer the `app` fixture with `app_config`, or `app_factory`: they close the app."""
    config = base_config(tmp_path, **overrides)
    copied = SCHEMA.prepare(config["SQLALCHEMY_DATABASE_URI"])
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        SCHEMA.reset(app, copied)
    return app


def close_app(app) -> None:
    """Empty the test's Redis queue (if any) and close the app's database connections."""
    from tests.helpers.fixtures_jobs import flush_redis

    flush_redis(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing_everywhere():
    passwords._hasher = CHEAP_HASHER
    yield
    passwords._hasher = REAL_HASHER


@pytest.fixture(autouse=True)
def _password_hashing(request, monkeypatch):
    """Cheap hashing unless the test is marked real_password_hashing."""
    hasher = REAL_HASHER if request.node.get_closest_marker("real_password_hashing") else CHEAP_HASHER
    monkeypatch.setattr(passwords, "_hasher", hasher)


@pytest.fixture
def app_config() -> dict:
    """Settings for this module's `app` on top of the test defaults (override it in a module)."""
    return {}


@pytest.fixture
def app(request, tmp_path, app_config):
    """A fresh Herald app with an empty database (settings: `app_config` + the app_config marker)."""
    settings = dict(app_config)
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        settings.update(marker.kwargs)
    app = make_app(tmp_path, **settings)
    yield app
    close_app(app)


@pytest.fixture
def app_factory(tmp_path):
    """app_factory(**settings) → a further fresh app, closed after the test. On PostgreSQL it empties
    the shared database, so make it before writing through another app."""
    apps = []

    def make(**settings):
        folder = Path(tempfile.mkdtemp(prefix=f"app{len(apps)}-", dir=tmp_path))
        apps.append(make_app(folder, **settings))
        return apps[-1]

    yield make
    for made in apps:
        close_app(made)


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


@pytest.fixture
def owner(factory):
    """A user owning their own team."""
    return factory.user()


@pytest.fixture
def owner_client(owner, login):
    """A client logged in as `owner`."""
    return login(owner)


@pytest.fixture
def token(owner, factory) -> str:
    """An API token of `owner`."""
    return factory.token(owner)


@pytest.fixture
def api(token, api_client):
    """A JSON client with `owner`'s token."""
    return api_client(token)
