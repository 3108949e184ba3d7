"""operator limits on teams: token_limit (None: no ceiling) and email_allowed

Existing teams keep their budgets: no ceiling, and email allowed.

Revision ID: 0002_team_limits
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_team_limits'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('teams') as batch:
        batch.add_column(sa.Column('token_limit', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('email_allowed', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('teams') as batch:
        batch.drop_column('email_allowed')
        batch.drop_column('token_limit')
