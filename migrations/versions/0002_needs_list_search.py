"""needs list search: SQLite FTS5 trigram index with triggers, PostgreSQL pg_trgm GIN index

The search objects live outside the models (autogenerate ignores names starting with
`search_`; see deliberation/matters/search.py), so this migration is written by hand and
branches on the database dialect.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SQLITE_UP = [
    # External-content FTS5 table over matter(title, description); trigram finds Chinese
    # words anywhere inside the text (substrings of 3+ characters).
    """CREATE VIRTUAL TABLE search_matter USING fts5(
           title, description, content='matter', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER search_matter_ai AFTER INSERT ON matter BEGIN
           INSERT INTO search_matter(rowid, title, description)
           VALUES (new.id, new.title, new.description);
       END""",
    """CREATE TRIGGER search_matter_ad AFTER DELETE ON matter BEGIN
           INSERT INTO search_matter(search_matter, rowid, title, description)
           VALUES ('delete', old.id, old.title, old.description);
       END""",
    # Only when the text changes: co-sign counts and state changes leave the index alone.
    """CREATE TRIGGER search_matter_au AFTER UPDATE OF title, description ON matter BEGIN
           INSERT INTO search_matter(search_matter, rowid, title, description)
           VALUES ('delete', old.id, old.title, old.description);
           INSERT INTO search_matter(rowid, title, description)
           VALUES (new.id, new.title, new.description);
       END""",
    "INSERT INTO search_matter(search_matter) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_matter_au",
    "DROP TRIGGER IF EXISTS search_matter_ad",
    "DROP TRIGGER IF EXISTS search_matter_ai",
    "DROP TABLE IF EXISTS search_matter",
]


def _trgm_schema(bind) -> str | None:
    """The schema pg_trgm lives in, installing it (in `public`) when allowed; None if unavailable."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                   "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema:
        return schema
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except sa.exc.DBAPIError:
        # No right to install extensions: ILIKE still searches correctly, only without an index.
        return None
    return bind.execute(find).scalar()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        schema = _trgm_schema(bind)
        if schema:
            # The expression must match the one search.py filters on with ILIKE.
            op.execute(f"CREATE INDEX search_matter_trgm ON matter USING gin "
                       f"((title || ' ' || description) \"{schema}\".gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS search_matter_trgm")
