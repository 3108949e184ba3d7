"""Data migrations of issue 10: teams that exist keep their budgets (no operator limit, email
allowed); tokens that exist expire the default lifetime after the migration, not after creation."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import text

from tests.integration.test_migrations import bare_app, empty_database_url  # noqa: F401 - fixtures
from webapp.extensions import db


def test_existing_teams_keep_their_budgets(bare_app):  # noqa: F811
    with bare_app.app_context():
        upgrade(revision="0001_initial")
        db.session.execute(text("INSERT INTO teams (name, monthly_token_budget, created_at) "
                                "VALUES ('Old', 1234, CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT monthly_token_budget, token_limit, email_allowed FROM teams")).one()
    assert (row[0], row[1], bool(row[2])) == (1234, None, True)


def test_existing_tokens_expire_the_default_days_after_the_migration(bare_app):  # noqa: F811
    with bare_app.app_context():
        upgrade(revision="0002_team_limits")
        long_ago = "2020-01-01 00:00:00"
        db.session.execute(text("INSERT INTO teams (name, created_at) VALUES ('T', :t)"), {"t": long_ago})
        db.session.execute(text("INSERT INTO users (email, name, password_hash, session_epoch, active, created_at) "
                                "VALUES ('a@example.com', '', 'x', 0, true, :t)"), {"t": long_ago})
        db.session.execute(text("INSERT INTO api_tokens (user_id, team_id, name, token_hash, prefix, session_epoch, "
                                "created_at) VALUES (1, 1, 'old', 'h', 'hrld_x', 0, :t)"), {"t": long_ago})
        db.session.commit()
        upgrade()
        from webapp.models import ApiToken

        expires = db.session.query(ApiToken).one().expires_at
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)
