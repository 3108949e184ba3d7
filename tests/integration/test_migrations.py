"""`flask db upgrade` from an empty database gives exactly the models' schema (no drift), on SQLite
and on PostgreSQL; `downgrade base` undoes it; /readyz follows the migration state."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import base_config
from tests.helpers.services import require_postgres
from webapp import create_app
from webapp.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A brand-new empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    server = make_url(require_postgres())
    name = f"herald_migtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def bare_app(tmp_path, empty_database_url):
    """An app on the empty database, with no create_all: only migrations make the schema."""
    app = create_app(base_config(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _drift(app) -> list:
    migrate_config = app.extensions["migrate"].configure_args
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": migrate_config.get("compare_type", True), "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models(bare_app):
    with bare_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables
        diff = _drift(bare_app)
        assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_downgrade_to_base_removes_every_table(bare_app):
    with bare_app.app_context():
        upgrade()
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        # And it comes back up cleanly (a downgrade that leaves debris breaks the next upgrade).
        upgrade()
        assert _drift(bare_app) == []


def test_readyz_is_503_before_upgrade_and_200_after(bare_app):
    client = bare_app.test_client()
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.get_json()["checks"] == {"database": "ok", "migrations": "not applied"}
    with bare_app.app_context():
        upgrade()
    after = client.get("/readyz")
    assert after.status_code == 200
    assert after.get_json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    # A schema behind the newest migration is "pending", not ready.
    with bare_app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'not-a-revision'"))
        db.session.commit()
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.get_json()["checks"]["migrations"] == "pending"


def test_readyz_says_unreachable_without_leaking_the_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    app = create_app(base_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_data(as_text=True)
    assert r.get_json()["checks"]["database"] == "unreachable"
    assert "no-such-dir" not in body and "sqlite" not in body
