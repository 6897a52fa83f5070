"""tracking: assignment, phases, resources, pledges, reports, spending, evaluation

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 00:30:12.830403

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('money', 'materials', 'labour', 'services', 'venue')", name=op.f('ck_offer_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_offer_created_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_offer_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('budget_cents', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('percent_done', sa.Integer(), nullable=False),
    sa.Column('last_report_at', sa.DateTime(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('budget_cents >= 0', name=op.f('ck_assignment_budget_not_negative')),
    sa.CheckConstraint('percent_done BETWEEN 0 AND 100', name=op.f('ck_assignment_percent_range')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_assignment_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['lead_id'], ['user.id'], name=op.f('fk_assignment_lead_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_assignment_matter_id_matter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_assignment_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('matter_id', name=op.f('uq_assignment_matter_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically_satisfied', sa.Integer(), nullable=False),
    sa.Column('not_satisfied', sa.Integer(), nullable=False),
    sa.Column('concluded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('satisfied', 'basically_satisfied', 'not_satisfied')", name=op.f('ck_evaluation_outcome')),
    sa.CheckConstraint('(outcome IS NULL) = (concluded_at IS NULL)', name=op.f('ck_evaluation_outcome_has_time')),
    sa.CheckConstraint('round >= 1', name=op.f('ck_evaluation_round_positive')),
    sa.CheckConstraint('satisfied >= 0 AND basically_satisfied >= 0 AND not_satisfied >= 0', name=op.f('ck_evaluation_counts_not_negative')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_evaluation_matter_id_matter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('matter_id', 'round', name=op.f('uq_evaluation_matter_id_round'))
    )
    op.create_table('pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('pledged_by_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.String(length=60), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
    sa.Column('fulfilled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'fulfilled') = (fulfilled_at IS NOT NULL)", name=op.f('ck_pledge_fulfilled_has_time')),
    sa.CheckConstraint("kind != 'money' OR amount_cents > 0", name=op.f('ck_pledge_money_has_amount')),
    sa.CheckConstraint("kind IN ('money', 'materials', 'labour', 'services', 'venue')", name=op.f('ck_pledge_kind')),
    sa.CheckConstraint("status IN ('pledged', 'fulfilled')", name=op.f('ck_pledge_status')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_pledge_amount_not_negative')),
    sa.ForeignKeyConstraint(['fulfilled_by_id'], ['user.id'], name=op.f('fk_pledge_fulfilled_by_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_pledge_matter_id_matter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_pledge_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['pledged_by_id'], ['user.id'], name=op.f('fk_pledge_pledged_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge'))
    )
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_pledged_by_id'), ['pledged_by_id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('completion', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('NOT completion OR percent = 100', name=op.f('ck_progress_report_completion_is_full')),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_progress_report_percent_range')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_progress_report_author_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_progress_report_matter_id_matter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index('ix_progress_report_matter', ['matter_id', 'created_at'], unique=False)

    op.create_table('spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('receipt_key', sa.String(length=64), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_spending_amount_positive')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_spending_matter_id_matter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_spending_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spending')),
    sa.UniqueConstraint('receipt_key', name=op.f('uq_spending_receipt_key'))
    )
    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spending_matter_id'), ['matter_id'], unique=False)

    op.create_table('phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("key IN ('research', 'approval', 'submission', 'organise', 'supervise', 'follow_up', 'assess', 'wrap_up', 'summarise')", name=op.f('ck_phase_key')),
    sa.CheckConstraint('(done_at IS NULL) = (done_by_id IS NULL)', name=op.f('ck_phase_done_has_actor')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_phase_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['user.id'], name=op.f('fk_phase_done_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase')),
    sa.UniqueConstraint('assignment_id', 'key', name=op.f('uq_phase_assignment_id_key'))
    )
    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=30), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("choice IN ('satisfied', 'basically_satisfied', 'not_satisfied')", name=op.f('ck_rating_choice')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_rating_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_rating_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('evaluation_id', 'user_id', name=op.f('uq_rating_evaluation_id_user_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_user_id'), ['user_id'], unique=False)

    op.create_table('report_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_photo_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_photo')),
    sa.UniqueConstraint('file_key', name=op.f('uq_report_photo_file_key'))
    )
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_photo_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_photo_report_id'))

    op.drop_table('report_photo')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_user_id'))

    op.drop_table('rating')
    op.drop_table('phase')
    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spending_matter_id'))

    op.drop_table('spending')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_report_matter')

    op.drop_table('progress_report')
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_pledged_by_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_matter_id'))

    op.drop_table('pledge')
    op.drop_table('evaluation')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_organisation_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_organisation_id'))

    op.drop_table('offer')
