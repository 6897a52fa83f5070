"""custom rule sets: parameters on the body, and a snapshot of them on the meeting

A body's rule set (表决规则) may be custom: rule_preset is then 'custom' and rule_params holds
the quorum and threshold parameters (JSON, ratios as "n/d"). A meeting copies the parameters of
the rule it decides under when it is made, so a later change of the body's rule leaves past
meetings alone. Meetings made before this revision keep NULL: their preset's key decides.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_params', sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_body_custom_rule_has_params'), "rule_preset != 'custom' OR rule_params IS NOT NULL")
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_params', sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_meeting_custom_rule_has_params'), "rule_preset != 'custom' OR rule_params IS NOT NULL")


def downgrade():
    # A custom rule cannot be expressed without its parameters: fall back to the default preset.
    op.execute("UPDATE body SET rule_preset = 'council_majority' WHERE rule_preset = 'custom'")
    op.execute("UPDATE meeting SET rule_preset = 'council_majority' WHERE rule_preset = 'custom'")
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meeting_custom_rule_has_params'), type_='check')
        batch_op.drop_column('rule_params')
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_body_custom_rule_has_params'), type_='check')
        batch_op.drop_column('rule_params')
