"""opinions: opinions, agrees, reports, summaries

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27 01:50:04.434539

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opinion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('stance', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photo_key', sa.String(length=64), nullable=True),
    sa.Column('by_committee', sa.Boolean(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(), nullable=True),
    sa.Column('agree_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("stance IS NULL OR stance IN ('for', 'against', 'suggestion')", name=op.f('ck_opinion_stance')),
    sa.CheckConstraint("visibility != 'hidden' OR length(hidden_reason) > 0", name=op.f('ck_opinion_hidden_has_reason')),
    sa.CheckConstraint("visibility IN ('shown', 'pending', 'hidden')", name=op.f('ck_opinion_visibility')),
    sa.CheckConstraint('(parent_id IS NULL AND stance IS NOT NULL) OR (parent_id IS NOT NULL AND stance IS NULL)', name=op.f('ck_opinion_stance_iff_top')),
    sa.CheckConstraint('agree_count >= 0', name=op.f('ck_opinion_agree_count_positive')),
    sa.CheckConstraint('length(text) >= 1', name=op.f('ck_opinion_text_not_empty')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id != id', name=op.f('ck_opinion_not_own_parent')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_opinion_author_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_opinion_matter_id_matter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['user.id'], name=op.f('fk_opinion_moderated_by_id_user')),
    sa.ForeignKeyConstraint(['parent_id'], ['opinion.id'], name=op.f('fk_opinion_parent_id_opinion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion')),
    sa.UniqueConstraint('photo_key', name=op.f('uq_opinion_photo_key'))
    )
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_opinion_matter_new', ['matter_id', 'parent_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_opinion_matter_top', ['matter_id', 'parent_id', 'agree_count', 'id'], unique=False)
        batch_op.create_index('ix_opinion_parent', ['parent_id', 'created_at', 'id'], unique=False)

    op.create_table('opinion_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(text) >= 1', name=op.f('ck_opinion_summary_text_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_opinion_summary_author_id_user')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_opinion_summary_matter_id_matter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_summary')),
    sa.UniqueConstraint('matter_id', name=op.f('uq_opinion_summary_matter_id'))
    )
    op.create_table('opinion_agree',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinion.id'], name=op.f('fk_opinion_agree_opinion_id_opinion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_opinion_agree_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_agree')),
    sa.UniqueConstraint('opinion_id', 'user_id', name=op.f('uq_opinion_agree_opinion_id_user_id'))
    )
    with op.batch_alter_table('opinion_agree', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_agree_user_id'), ['user_id'], unique=False)

    op.create_table('opinion_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=10), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('abuse', 'privacy', 'off_topic', 'advert', 'false')", name=op.f('ck_opinion_report_reason')),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('hidden', 'dismissed')", name=op.f('ck_opinion_report_resolution')),
    sa.CheckConstraint('(resolved_at IS NULL AND resolution IS NULL) OR (resolved_at IS NOT NULL AND resolution IS NOT NULL)', name=op.f('ck_opinion_report_resolved_together')),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinion.id'], name=op.f('fk_opinion_report_opinion_id_opinion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_opinion_report_reporter_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_opinion_report_resolved_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_report')),
    sa.UniqueConstraint('opinion_id', 'reporter_id', name=op.f('uq_opinion_report_opinion_id_reporter_id'))
    )
    with op.batch_alter_table('opinion_report', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_report_open', ['resolved_at', 'opinion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_report_reporter_id'), ['reporter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('opinion_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_report_reporter_id'))
        batch_op.drop_index('ix_opinion_report_open')

    op.drop_table('opinion_report')
    with op.batch_alter_table('opinion_agree', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_agree_user_id'))

    op.drop_table('opinion_agree')
    op.drop_table('opinion_summary')
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_parent')
        batch_op.drop_index('ix_opinion_matter_top')
        batch_op.drop_index('ix_opinion_matter_new')
        batch_op.drop_index(batch_op.f('ix_opinion_author_id'))

    op.drop_table('opinion')
