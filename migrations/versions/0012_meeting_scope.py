"""who may decide a community's matter: the street's rule for its street-level council

A matter is decided only by a meeting whose bodies include its own community's committee (or
community council); a street-level council (议事会 with no community, the street's 联席会议)
decides every community's matters only when `street.council_decides` is on (default off).
Also the iCal SEQUENCE of a meeting (`meeting.sequence`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(sa.Column('council_decides', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # The iCal SEQUENCE of a meeting, bumped when its time or place changes.
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('sequence')
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('council_decides')
