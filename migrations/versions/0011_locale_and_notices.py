"""a user's saved language, and notifications kept as message keys rendered when read

user.locale holds the language a user chose (NULL: follow the browser). notification.body holds
the notice as a list of parts, each a message key with its parameters (or a plain text part for
what someone typed), so the bell renders it in the reader's language at read time. Rows made
before this revision keep body NULL and are shown from their stored (Chinese) message, as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(op.f('ck_user_locale'),
                                         "locale IS NULL OR locale IN ('zh_CN', 'en')")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('body')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_locale'), type_='check')
        batch_op.drop_column('locale')
