"""dashboard figures: index for the latest content changes, per-team stats version

Revision ID: 0004_dashboard_figures
Revises: 0003_token_expiry
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_dashboard_figures'
down_revision = '0003_token_expiry'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_versions',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id')
    )
    op.execute("INSERT INTO stats_versions (team_id, version) SELECT id, 0 FROM teams")
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.create_index('ix_content_team_updated', ['team_id', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_index('ix_content_team_updated')
    op.drop_table('stats_versions')
