"""indexes for lookups by merged-into, filer, category and a notification's matter

The matter page asks which merged matters hid their proposer (merged_into_id); "my matters"
asks by filer; the needs list filters by category, newest first; opinion notifications are
batched per matter. Without these each was a full scan, which grew with the street.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.create_index('ix_matter_category_created', ['category_id', 'created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_matter_merged_into', ['merged_into_id'], unique=False,
                              sqlite_where=sa.text('merged_into_id IS NOT NULL'),
                              postgresql_where=sa.text('merged_into_id IS NOT NULL'))
        batch_op.create_index('ix_matter_filed_by', ['filed_by_id'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_matter', ['matter_id', 'kind'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_matter')
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.drop_index('ix_matter_filed_by')
        batch_op.drop_index('ix_matter_merged_into')
        batch_op.drop_index('ix_matter_category_created')
