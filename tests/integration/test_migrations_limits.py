"""Data migrations of issue 10: teams that exist keep their budgets (no operator limit, email
allowed); tokens that exist expire the default lifetime after the migration, not after creation."""
from __future__ import annotations

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
