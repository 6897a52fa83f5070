"""volunteers and the points shop

Tasks on matters being carried out, sign-ups (one per person per task), the append-only points
ledger with each person's balance under CHECK (balance >= 0), shop items and redemptions; the
street's published points rule.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:25:55

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_account',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_points_account_balance_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_points_account_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_points_account'))
    )
    op.create_table('shop_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('points_price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('collect_at', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('points_price > 0', name=op.f('ck_shop_item_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_shop_item_stock_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_shop_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_shop_item_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_item'))
    )
    with op.batch_alter_table('shop_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_item_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('handed_at', sa.DateTime(), nullable=True),
    sa.Column('handed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(state = 'handed') = (handed_at IS NOT NULL)", name=op.f('ck_redemption_handed_has_time')),
    sa.CheckConstraint("state IN ('pending', 'handed', 'expired')", name=op.f('ck_redemption_state')),
    sa.CheckConstraint('points > 0', name=op.f('ck_redemption_points_positive')),
    sa.ForeignKeyConstraint(['handed_by_id'], ['user.id'], name=op.f('fk_redemption_handed_by_id_user')),
    sa.ForeignKeyConstraint(['item_id'], ['shop_item.id'], name=op.f('fk_redemption_item_id_shop_item')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_redemption_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemption')),
    sa.UniqueConstraint('code', name=op.f('uq_redemption_code'))
    )
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemption_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_redemption_state_expires', ['state', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemption_user_id'), ['user_id'], unique=False)

    op.create_table('volunteer_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('points_per_hour', sa.Integer(), nullable=False),
    sa.Column('cutoff_at', sa.DateTime(), nullable=False),
    sa.Column('checkin_code', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_volunteer_task_capacity_positive')),
    sa.CheckConstraint('cutoff_at <= starts_at', name=op.f('ck_volunteer_task_cutoff_before_start')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_volunteer_task_ends_after_start')),
    sa.CheckConstraint('points_per_hour >= 0', name=op.f('ck_volunteer_task_points_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_volunteer_task_created_by_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_volunteer_task_matter_id_matter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phase_id'], ['phase.id'], name=op.f('fk_volunteer_task_phase_id_phase'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_task'))
    )
    with op.batch_alter_table('volunteer_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_task_matter_id'), ['matter_id'], unique=False)

    op.create_table('signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("minutes IS NULL OR status = 'place'", name=op.f('ck_signup_hours_only_for_a_place')),
    sa.CheckConstraint("status IN ('place', 'waiting', 'cancelled')", name=op.f('ck_signup_status')),
    sa.CheckConstraint('(minutes IS NULL) = (confirmed_at IS NULL)', name=op.f('ck_signup_confirmed_has_time')),
    sa.CheckConstraint('minutes IS NULL OR (minutes > 0 AND minutes <= 1440)', name=op.f('ck_signup_minutes_range')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_signup_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['task_id'], ['volunteer_task.id'], name=op.f('fk_signup_task_id_volunteer_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_signup_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup')),
    sa.UniqueConstraint('task_id', 'user_id', name='one_signup_per_person')
    )
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.create_index('ix_signup_task_status', ['task_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_user_id'), ['user_id'], unique=False)

    op.create_table('points_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'earned') = (signup_id IS NOT NULL)", name=op.f('ck_points_entry_earned_from_hours')),
    sa.CheckConstraint("(kind IN ('spent', 'refunded')) = (redemption_id IS NOT NULL)", name=op.f('ck_points_entry_shop_entries_name_the_redemption')),
    sa.CheckConstraint("kind != 'adjusted' OR reason != ''", name=op.f('ck_points_entry_adjustment_has_reason')),
    sa.CheckConstraint("kind IN ('earned', 'adjusted', 'spent', 'refunded')", name=op.f('ck_points_entry_kind')),
    sa.CheckConstraint('delta != 0', name=op.f('ck_points_entry_delta_not_zero')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_points_entry_created_by_id_user')),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemption.id'], name=op.f('fk_points_entry_redemption_id_redemption')),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], name=op.f('fk_points_entry_signup_id_signup')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_points_entry_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entry')),
    sa.UniqueConstraint('redemption_id', 'kind', name='one_entry_per_redemption_kind'),
    sa.UniqueConstraint('signup_id', name=op.f('uq_points_entry_signup_id'))
    )
    with op.batch_alter_table('points_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_entry_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volunteer_points_per_hour', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('redemption_days', sa.Integer(), server_default='7', nullable=False))



def downgrade():
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('redemption_days')
        batch_op.drop_column('volunteer_points_per_hour')

    with op.batch_alter_table('points_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_entry_user_id'))

    op.drop_table('points_entry')
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_user_id'))
        batch_op.drop_index('ix_signup_task_status')

    op.drop_table('signup')
    with op.batch_alter_table('volunteer_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_task_matter_id'))

    op.drop_table('volunteer_task')
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemption_user_id'))
        batch_op.drop_index('ix_redemption_state_expires')
        batch_op.drop_index(batch_op.f('ix_redemption_item_id'))

    op.drop_table('redemption')
    with op.batch_alter_table('shop_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_item_organisation_id'))

    op.drop_table('shop_item')
    op.drop_table('points_account')
