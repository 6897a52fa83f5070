"""The hash-chained audit log and `flask audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from deliberation.core import audit
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters import workflow


def _entries():
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_untouched_log_verifies(world, app):
    m = world.matter()
    workflow.accept(m, world.chair_a)
    db.session.commit()
    result = audit.verify()
    assert result.ok and result.checked == len(_entries()) > 5
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "chain intact" in out.output


@pytest.mark.parametrize("column, value", [
    ("reason", "悄悄改掉的理由"),
    ("to_state", "closed"),
    ("actor_id", None),
    ("details", '{"forged": true}'),
    ("public", "flip"),
])
def test_editing_any_row_is_detected_and_named(world, app, column, value):
    m = world.matter()
    workflow.reject(m, world.chair_a, reason="原始理由")
    db.session.commit()
    entries = _entries()
    victim = entries[len(entries) // 2]
    if value == "flip":
        db.session.execute(text("UPDATE audit_entry SET public = NOT public WHERE seq = :s"),
                           {"s": victim.seq})
    else:
        db.session.execute(text(f"UPDATE audit_entry SET {column} = :v WHERE seq = :s"),
                           {"v": value, "s": victim.seq})
    db.session.commit()
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.broken_seq == victim.seq
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1
    assert f"seq={victim.seq}" in out.output


def test_rehashing_a_forged_row_still_breaks_the_next_link(world):
    world.matter()
    db.session.commit()
    entries = _entries()
    victim = entries[2]
    victim.reason = "伪造"
    victim.hash = victim.compute_hash()  # a forger who recomputes the row's own hash
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_seq == entries[3].seq


def test_deleting_a_row_is_detected(world):
    world.matter()
    db.session.commit()
    seq = _entries()[3].seq
    db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == seq))
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_seq == seq + 1


def test_the_chain_cannot_fork(world):
    """Two entries can never claim the same predecessor (a database constraint)."""
    from sqlalchemy.exc import IntegrityError

    world.matter()
    db.session.commit()
    first = _entries()[0]
    with pytest.raises(IntegrityError):
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 2)
                           .values(prev_hash=first.prev_hash))
        db.session.flush()
    db.session.rollback()
