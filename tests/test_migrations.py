"""Migration files: their names tell the order they run in, and they build the schema from empty."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from deliberation import create_app

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _chain() -> list:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return list(reversed(list(script.walk_revisions("base", heads[0]))))


def test_file_names_follow_the_order_the_migrations_run_in():
    names = [Path(rev.path).name for rev in _chain()]
    numbers = [int(re.match(r"(\d{4})_", name).group(1)) for name in names]
    assert numbers == list(range(1, len(names) + 1)), names


def test_upgrade_from_an_empty_database_reaches_head(tmp_path):
    from flask_migrate import downgrade, upgrade

    url = "sqlite:///" + str(tmp_path / "fresh.sqlite3")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        tables = set(inspect(create_engine(url)).get_table_names())
        assert {"matter", "meeting", "agenda_item", "audit_entry", "alembic_version"} <= tables
        downgrade(directory=str(MIGRATIONS), revision="base")
        assert set(inspect(create_engine(url)).get_table_names()) <= {"alembic_version"}
