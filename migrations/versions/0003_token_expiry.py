"""API tokens expire: api_tokens.expires_at

Tokens that exist count from this migration, not from their creation: they expire
HERALD_TOKEN_DEFAULT_DAYS (90) days after it.

Revision ID: 0003_token_expiry
Revises: 0002_team_limits
"""
import os
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
import webapp.models._types


revision = '0003_token_expiry'
down_revision = '0002_team_limits'
branch_labels = None
depends_on = None


def _default_days() -> int:
    try:
        from flask import current_app

        return int(current_app.config.get("HERALD_TOKEN_DEFAULT_DAYS") or 90)
    except RuntimeError:  # run outside the app (plain alembic)
        return int(os.environ.get("HERALD_TOKEN_DEFAULT_DAYS") or 90)


def upgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', webapp.models._types.UTCDateTime(timezone=True), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', webapp.models._types.UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=_default_days())))
    with op.batch_alter_table('api_tokens') as batch:
        batch.alter_column('expires_at', existing_type=webapp.models._types.UTCDateTime(timezone=True),
                           nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
