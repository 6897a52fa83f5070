"""secret ballot: sealed ballots in a box instead of running tallies

`vote_tally` was updated in the same transaction that marked the member as having voted, so the
database's WAL and PostgreSQL's xmin linked voters to choices. It is replaced by `ballot_box`:
one sealed ballot (an HMAC under a key the database does not hold) per voter, with a random id,
opened and emptied when the vote closes. On SQLite both `ballot_box` and `ballot_cast` become
WITHOUT ROWID tables, so no rowid records the order in which members voted.

Closed items keep their counts on `agenda_item` (yes/no/abstain), so no past result is lost.
A secret vote that is open when this runs cannot be carried over (its running tallies are not
ballots): the upgrade refuses until it is closed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _ballot_cast(name: str, with_rowid: bool) -> None:
    op.create_table(name,
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_ballot_cast_revision_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_ballot_cast_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ballot_cast_user_id_user')),
    sa.PrimaryKeyConstraint('item_id', 'user_id', name=op.f('pk_ballot_cast')),
    sqlite_with_rowid=with_rowid,
    )


def _rebuild_ballot_cast(with_rowid: bool) -> None:
    """SQLite only: a table cannot gain or lose its rowid in place."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    _ballot_cast('ballot_cast_new', with_rowid)
    op.execute('INSERT INTO ballot_cast_new (item_id, user_id, revision) '
               'SELECT item_id, user_id, revision FROM ballot_cast ORDER BY item_id, user_id')
    op.drop_index('ix_ballot_cast_user_id', table_name='ballot_cast')
    op.drop_table('ballot_cast')
    op.rename_table('ballot_cast_new', 'ballot_cast')
    op.create_index('ix_ballot_cast_user_id', 'ballot_cast', ['user_id'], unique=False)


def upgrade():
    open_secret = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM agenda_item WHERE state = 'voting' AND ballot = 'secret'")).scalar()
    if open_secret:
        raise RuntimeError('A secret ballot is open: close it (or defer the item) before upgrading.')
    op.drop_table('vote_tally')
    op.create_table('ballot_box',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seal', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(id) = 64 AND length(seal) = 64', name=op.f('ck_ballot_box_hex_digests')),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_ballot_box_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_box')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('ballot_box', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_box_item_id'), ['item_id'], unique=False)
    _rebuild_ballot_cast(with_rowid=False)


def downgrade():
    _rebuild_ballot_cast(with_rowid=True)
    with op.batch_alter_table('ballot_box', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_box_item_id'))
    op.drop_table('ballot_box')
    op.create_table('vote_tally',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("choice IN ('yes', 'no', 'abstain')", name=op.f('ck_vote_tally_choice')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_vote_tally_count_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_vote_tally_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'choice', name=op.f('pk_vote_tally'))
    )
