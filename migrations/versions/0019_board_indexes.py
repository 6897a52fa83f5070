"""indexes for the home board's lists: by state and window end, by state and closing time

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.create_index('ix_matter_state_window', ['state', 'window_ends_at', 'id'], unique=False)
        batch_op.create_index('ix_matter_state_closed', ['state', 'closed_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.drop_index('ix_matter_state_closed')
        batch_op.drop_index('ix_matter_state_window')
