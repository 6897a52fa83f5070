"""Deleting the newest audit entries leaves a valid (shorter) chain; a checkpoint kept outside
the database catches it: `flask audit checkpoint`, then `flask audit verify --expect`."""

from __future__ import annotations

from sqlalchemy import func, select, text

from deliberation.core import audit
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters import workflow


def _checkpoint(app, tmp_path=None) -> str:
    args = ["audit", "checkpoint"] + (["--append", str(tmp_path)] if tmp_path else [])
    out = app.test_cli_runner().invoke(args=args)
    assert out.exit_code == 0, out.output
    return out.output.strip()


def _verify(app, *expect: str):
    args = ["audit", "verify"] + [a for e in expect for a in ("--expect", e)]
    return app.test_cli_runner().invoke(args=args)


def _delete_from(seq: int) -> None:
    """What an attacker with database access does: detach the notifications, delete rows."""
    newest = "SELECT id FROM audit_entry WHERE seq >= :s"
    db.session.execute(text(f"UPDATE notification SET audit_entry_id = NULL "
                            f"WHERE audit_entry_id IN ({newest})"), {"s": seq})
    db.session.execute(text("DELETE FROM audit_entry WHERE seq >= :s"), {"s": seq})
    db.session.commit()


def _some_history(world):
    m = world.matter()
    workflow.accept(m, world.chair_a)
    db.session.commit()
    return m


def test_intact_chain_contains_its_checkpoints(world, app, tmp_path):
    m = _some_history(world)
    log = tmp_path / "checkpoints.txt"
    first = _checkpoint(app, log)
    count = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert first == f"{count}:{audit.checkpoint().hash}"
    audit.record(actor_id=None, subject_type="matter", subject_id=m.id, action="note",
                 reason="later entry", public=False)
    db.session.commit()
    second = _checkpoint(app, log)
    out = _verify(app, first, second)
    assert out.exit_code == 0 and "chain intact" in out.output and "2 checkpoint(s)" in out.output
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ")[1] for line in lines] == [first, second]


def test_deleting_the_newest_entries_fails_against_the_checkpoint(world, app):
    _some_history(world)
    point = _checkpoint(app)
    count = int(point.split(":")[0])
    _delete_from(count - 1)
    # What is left is still a valid chain: without the checkpoint nothing shows.
    assert _verify(app).exit_code == 0
    out = _verify(app, point)
    assert out.exit_code == 1
    assert f"chain has {count - 2} entries" in out.output and "newest entries were deleted" in out.output


def test_a_rewritten_head_fails_against_the_checkpoint(world, app):
    """Delete the newest entry and append a new, validly chained one in its place."""
    m = _some_history(world)
    point = _checkpoint(app)
    count = int(point.split(":")[0])
    _delete_from(count)
    audit.record(actor_id=None, subject_type="matter", subject_id=m.id, action="note",
                 reason="forged", public=False)
    db.session.commit()
    assert _verify(app).exit_code == 0
    out = _verify(app, point)
    assert out.exit_code == 1 and f"entry seq={count} does not match checkpoint" in out.output


def test_a_malformed_checkpoint_is_a_usage_error(world, app):
    _some_history(world)
    out = _verify(app, "12:not-a-hash")
    assert out.exit_code == 2 and "COUNT:SHA256-HEX" in out.output
