"""audit log: written without a lock, chained afterwards by one sealer

`audit_entry.seq`, `prev_hash` and `hash` stay empty until the sealer chains the entry (see
deliberation/core/audit.py); a CHECK keeps them all-or-nothing. A partial index holds the
sealer's queue (the unsealed entries), and a matter's timeline is read in `id` order.
Entries written before this migration are sealed already and verify as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

WHOLE = ("(seq IS NULL AND prev_hash IS NULL AND hash IS NULL) OR "
         "(seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)")


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_check_constraint('sealed_whole', sa.text(WHOLE))
        batch_op.drop_index('ix_audit_subject')
        batch_op.create_index('ix_audit_subject_id', ['subject_type', 'subject_id', 'id'],
                              unique=False)
        batch_op.create_index('ix_audit_unsealed', ['id'], unique=False,
                              postgresql_where=sa.text('seq IS NULL'),
                              sqlite_where=sa.text('seq IS NULL'))


def downgrade():
    unsealed = op.get_bind().execute(
        sa.text("SELECT count(*) FROM audit_entry WHERE seq IS NULL")).scalar()
    if unsealed:
        raise RuntimeError(f"{unsealed} audit entries are not sealed yet: run `flask audit seal` "
                           "(with the application stopped) before downgrading.")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_unsealed')
        batch_op.drop_index('ix_audit_subject_id')
        batch_op.create_index('ix_audit_subject', ['subject_type', 'subject_id', 'seq'],
                              unique=False)
        batch_op.drop_constraint('sealed_whole', type_='check')
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
