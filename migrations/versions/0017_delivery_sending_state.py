"""a delivery claimed by a worker is 'sending' until its answer is recorded

A row still 'sending' after its lease means the worker died mid-send: the next claim asks the
provider (SMS: the attempt's OutId) before sending again. Downgrade turns such rows back into
'pending'.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 13:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD = "state IN ('pending', 'held', 'sent', 'failed', 'suppressed')"
NEW = "state IN ('pending', 'sending', 'held', 'sent', 'failed', 'suppressed')"


def upgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_delivery_delivery_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_delivery_delivery_state'), NEW)


def downgrade():
    op.execute("UPDATE delivery SET state = 'pending' WHERE state = 'sending'")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_delivery_delivery_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_delivery_delivery_state'), OLD)
