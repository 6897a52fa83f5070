"""accounts security: temporary passwords to change, verified residents, the street's choice

`user.must_change_password` is set when staff issue a temporary password (new account or
reset) and cleared when the resident sets their own. `user.verified_at` / `verified_by_id`
record that a committee member or staff verified (核实) who the resident is.
`street.verified_only` makes co-signs, ratings and objections count only verified residents.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_verified_by_id_user'), 'user',
                                    ['verified_by_id'], ['id'])
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_only', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('verified_only')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_verified_by_id_user'), type_='foreignkey')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('must_change_password')
