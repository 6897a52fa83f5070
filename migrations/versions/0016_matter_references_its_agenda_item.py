"""a matter references its agenda item, and a decided matter the item whose vote decided it

`matter.agenda_item_id` (the item of its current or latest scheduling) and
`matter.decided_by_item_id` (the item whose vote made the standing decision; the vote's count
is the item's), each with a composite foreign key on (item, matter id) so a matter can only
reference an item about itself, and CHECK constraints: scheduled => agenda item; adopted,
not adopted and every state after adoption => deciding item, the one it was scheduled on.
Existing rows are filled from the audit log's adopt / not_adopt entries (`vote_id` is the
item's id) and the agenda_item table; a decided matter with no vote anywhere stops the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

DECIDED = ('adopted', 'not_adopted', 'in_notice', 'in_progress', 'in_evaluation', 'rectifying',
           'closed')
DECIDED_SQL = ", ".join(sorted(f"'{s}'" for s in DECIDED))
CHECKS = {
    'scheduled_has_agenda_item': "state != 'scheduled' OR agenda_item_id IS NOT NULL",
    'decided_has_vote': f"state NOT IN ({DECIDED_SQL}) OR decided_by_item_id IS NOT NULL",
    'decided_on_its_agenda_item': "decided_by_item_id IS NULL OR decided_by_item_id = agenda_item_id",
}
KEYS = {'fk_matter_agenda_item': 'agenda_item_id', 'fk_matter_decided_by_item': 'decided_by_item_id'}


def _sqlite_extras(bind) -> list[str]:
    """Indexes and triggers on `matter` (the full-text triggers, partial indexes): a batch
    re-creation of the table would lose the triggers and reflect partial indexes as full ones,
    so they are dropped before and re-created, as they were written, after."""
    rows = bind.execute(sa.text(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'matter' "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL")).all()
    for kind, name, _sql in rows:
        op.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _kind, _name, sql in rows]


def _backfill(bind) -> None:
    items: dict[int, list[tuple[int, str | None]]] = {}
    for item_id, matter_id, outcome in bind.execute(sa.text(
            "SELECT id, matter_id, outcome FROM agenda_item ORDER BY id")):
        items.setdefault(matter_id, []).append((item_id, outcome))
    voted: dict[int, int] = {}
    for subject_id, details in bind.execute(sa.text(
            "SELECT subject_id, details FROM audit_entry WHERE subject_type = 'matter' "
            "AND action IN ('adopt', 'not_adopt') ORDER BY id")):
        details = json.loads(details) if isinstance(details, str) else (details or {})
        if str(details.get('vote_id', '')).isdigit():
            voted[subject_id] = int(details['vote_id'])
    missing = []
    update = sa.text("UPDATE matter SET agenda_item_id = :a, decided_by_item_id = :d WHERE id = :id")
    for matter_id, state in bind.execute(sa.text("SELECT id, state FROM matter")).all():
        own = items.get(matter_id, [])
        agenda = own[-1][0] if own else None
        decided = None
        if state in DECIDED:
            ids = {i for i, _outcome in own}
            decided = voted.get(matter_id) if voted.get(matter_id) in ids else next(
                (i for i, outcome in reversed(own) if outcome in ('adopted', 'not_adopted')), None)
            agenda = decided
        if (state in DECIDED and decided is None) or (state == 'scheduled' and agenda is None):
            missing.append(matter_id)
        elif agenda is not None:
            bind.execute(update, {'a': agenda, 'd': decided, 'id': matter_id})
    if missing:
        raise RuntimeError(
            "matters %s are scheduled or decided but no agenda item (or vote) of theirs exists; "
            "put them right before upgrading" % sorted(missing)[:20])


def upgrade():
    bind = op.get_bind()
    op.create_index('uq_agenda_item_id_matter', 'agenda_item', ['id', 'matter_id'], unique=True)
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_item_id', sa.Integer(), nullable=True))
    _backfill(bind)
    extras = _sqlite_extras(bind) if bind.dialect.name == 'sqlite' else []
    with op.batch_alter_table('matter', schema=None) as batch_op:
        for name, sql in CHECKS.items():
            batch_op.create_check_constraint(op.f(f'ck_matter_{name}'), sql)
        for name, column in KEYS.items():
            batch_op.create_foreign_key(name, 'agenda_item', [column, 'id'], ['id', 'matter_id'])
    for sql in extras:
        op.execute(sql)


def downgrade():
    bind = op.get_bind()
    extras = _sqlite_extras(bind) if bind.dialect.name == 'sqlite' else []
    with op.batch_alter_table('matter', schema=None) as batch_op:
        for name in KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')
        for name in CHECKS:
            batch_op.drop_constraint(op.f(f'ck_matter_{name}'), type_='check')
        batch_op.drop_column('decided_by_item_id')
        batch_op.drop_column('agenda_item_id')
    for sql in extras:
        op.execute(sql)
    op.drop_index('uq_agenda_item_id_matter', table_name='agenda_item')
