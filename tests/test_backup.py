"""`flask backup PATH` makes a consistent online copy while the app is writing; the copy
restores into a working app whose audit chain verifies."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from deliberation.accounts.models import User
from deliberation.core import audit
from deliberation.extensions import db
from deliberation.matters import services
from deliberation.matters.models import Matter
from tests.conftest import make_app


def test_backup_while_writing_then_restore(app, world, tmp_path, tmp_path_factory):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite backup; PostgreSQL uses pg_dump")
    world.matter(world.resident_a, title="备份前的议题")
    resident_id, category_id = world.resident_a.id, world.categories[0].id
    phone = world.resident_a.phone
    db.session.commit()
    stop, written, errors = threading.Event(), [], []

    def writer():
        with app.app_context():
            try:
                while not stop.is_set() or len(written) < 5:
                    m, _ = services.file_matter(filer=db.session.get(User, resident_id),
                                                title=f"并发写入 {len(written)}", description="x",
                                                category_id=category_id)
                    db.session.commit()
                    written.append(m.id)
            except Exception as exc:  # reported below; a thread's exception is otherwise lost
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3 and thread.is_alive():
            pass
        path = tmp_path / "backup.sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert result.exit_code == 0 and "Backup written" in result.output, result.output

    restored = make_app("sqlite:///" + str(path), tmp_path_factory)
    with restored.app_context():
        titles = set(db.session.scalars(select(Matter.title)))
        count = db.session.scalar(select(func.count()).select_from(Matter))
        assert "备份前的议题" in titles
        assert 1 + 3 <= count <= 1 + len(written)  # the writes before the backup, and no torn row
        assert db.session.get(User, resident_id).phone == phone
        entries = db.session.scalar(select(func.count()).select_from(audit.AuditEntry))
        assert entries >= count
        db.session.remove()
    verify = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "chain intact" in verify.output, verify.output
