"""reminders sent (once per person per window) and SMS login codes (hashed)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('window_key', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('kind', 'subject_id', 'window_key', 'user_id', name=op.f('uq_reminder_sent_kind')),
    )
    op.create_index(op.f('ix_reminder_sent_user_id'), 'reminder_sent', ['user_id'], unique=False)
    op.create_table('sms_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sms_code_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_code')),
    )
    op.create_index('ix_sms_code_phone', 'sms_code', ['phone', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_sms_code_phone', table_name='sms_code')
    op.drop_table('sms_code')
    op.drop_index(op.f('ix_reminder_sent_user_id'), table_name='reminder_sent')
    op.drop_table('reminder_sent')
