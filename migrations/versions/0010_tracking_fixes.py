"""tracking fixes: an evaluation window without ratings is extended once, then staff decide

`evaluation.extended_at` records the one automatic extension of a round; the outcome may be
'no_ratings' (nobody rated in the extended window either: station staff close or rectify the
matter with a reason).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD = "outcome IS NULL OR outcome IN ('satisfied', 'basically_satisfied', 'not_satisfied')"
NEW = ("outcome IS NULL OR outcome IN ('satisfied', 'basically_satisfied', 'not_satisfied', "
       "'no_ratings')")


def upgrade():
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_evaluation_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evaluation_outcome'), NEW)


def downgrade():
    # Rounds nobody rated had no outcome before this revision: reopen them as undecided.
    op.execute("UPDATE evaluation SET outcome = NULL, concluded_at = NULL "
               "WHERE outcome = 'no_ratings'")
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_evaluation_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evaluation_outcome'), OLD)
        batch_op.drop_column('extended_at')
