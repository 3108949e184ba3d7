"""Read-only requests begin deferred transactions; writes (and the token's last-used stamp) still land."""
import sqlite3

import pytest
from sqlalchemy import event

from webapp.extensions import db
from webapp.models import ApiToken


def _begins(app):
    seen = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    return engine, record, seen


def test_get_begins_deferred_and_post_begins_immediate(app, factory, api_client):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no BEGIN IMMEDIATE")
    user = factory.user()
    client = api_client(factory.token(user))
    engine, record, seen = _begins(app)
    try:
        assert client.get("/api/campaigns").status_code == 200
        get_begins = list(seen)
        seen.clear()
        assert client.post("/api/personas", json={"name": "Olivia"}).status_code == 201
        post_begins = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # The GET reads in a plain BEGIN; stamping the token's last use is its one immediate write.
    assert "BEGIN" in get_begins
    assert get_begins.count("BEGIN IMMEDIATE") == 1
    assert post_begins and all(b == "BEGIN IMMEDIATE" for b in post_begins)


def test_token_last_used_is_stamped_on_a_get(app, factory, api_client):
    user = factory.user()
    client = api_client(factory.token(user))
    assert client.get("/api/campaigns").status_code == 200
    with app.app_context():
        token = db.session.scalars(db.select(ApiToken)).one()
        assert token.last_used_at is not None


def test_sqlite_pragmas(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cur.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cur.execute("PRAGMA busy_timeout").fetchone()[0] >= 10000
            assert isinstance(raw.driver_connection, sqlite3.Connection)
        finally:
            raw.close()
