"""The audit log is written without a lock and chained afterwards by one sealer.

Writers insert entries with no `seq` and no hashes; `audit.seal()` (after every commit that
wrote one, from `flask tick`, and as `flask audit seal`) chains the committed ones, oldest id
first. `flask audit verify` checks the sealed chain and reports what is not sealed yet.
"""

from __future__ import annotations

import contextvars
import threading
import time

import pytest
from sqlalchemy import select, text

from deliberation.core import audit
from deliberation.core.audit import GENESIS, AuditEntry
from deliberation.extensions import db


def _note(reason: str = "note", subject_id: int = 1) -> AuditEntry:
    return audit.record(actor_id=None, subject_type="matter", subject_id=subject_id, action="note",
                        reason=reason, public=False)


def _chain() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _assert_linked(entries: list[AuditEntry]) -> None:
    prev = GENESIS
    for n, entry in enumerate(entries, start=1):
        assert (entry.seq, entry.prev_hash) == (n, prev)
        assert entry.hash == entry.compute_hash()
        prev = entry.hash


@pytest.fixture
def no_seal_on_commit(monkeypatch):
    """Commits leave their entries unsealed (as when the after-commit seal lost the race)."""
    monkeypatch.setattr(audit, "seal_quietly", lambda: 0)


def test_an_entry_is_written_unsealed_and_sealed_when_its_transaction_commits(app):
    entry = _note("first")
    assert entry.id is not None and (entry.seq, entry.prev_hash, entry.hash) == (None, None, None)
    entry_id = entry.id
    db.session.commit()
    sealed = db.session.get(AuditEntry, entry_id)
    db.session.refresh(sealed)
    assert sealed.seq == 1 and sealed.prev_hash == GENESIS and sealed.hash == sealed.compute_hash()
    assert audit.unsealed().count == 0


def test_a_rolled_back_entry_is_never_sealed(app):
    _note("kept")
    db.session.commit()
    _note("rolled back")
    db.session.rollback()
    _note("kept too")
    db.session.commit()
    assert [e.reason for e in _chain()] == ["kept", "kept too"]
    assert audit.verify().ok


def test_the_sealer_chains_in_id_order_in_batches(app, no_seal_on_commit):
    for i in range(23):
        _note(f"entry {i}")
    db.session.commit()
    assert audit.unsealed().count == 23
    db.session.commit()  # the sealer's connection must not wait for this session's lock
    assert audit.seal(batch=5) == 23
    entries = _chain()
    assert [e.reason for e in entries] == [f"entry {i}" for i in range(23)]
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    _assert_linked(entries)
    db.session.commit()
    assert audit.seal() == 0  # nothing left: sealing twice changes nothing


def test_verify_reports_unsealed_entries_and_seal_chains_them(app, no_seal_on_commit):
    _note("sealed one")
    db.session.commit()
    assert audit.seal() == 1
    _note("waiting 1")
    _note("waiting 2")
    db.session.commit()
    result = audit.verify()
    assert result.ok and result.checked == 1 and result.unsealed == 2
    assert result.oldest_unsealed is not None
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0
    assert "OK: 1 sealed entries, chain intact." in out.output and "2 entries not sealed yet" in out.output
    out = runner.invoke(args=["audit", "seal"])
    assert out.exit_code == 0 and out.output.startswith("2 entries sealed; head 3:")
    out = runner.invoke(args=["audit", "verify"])
    assert "OK: 3 sealed entries, chain intact." in out.output and "not sealed" not in out.output


def test_the_tick_seals_what_commits_left(app, no_seal_on_commit):
    _note("left unsealed")
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["tick"])
    assert out.exit_code == 0 and "1 audit entries sealed" in out.output
    assert audit.unsealed().count == 0 and audit.verify().checked == 1


def test_editing_a_sealed_entry_fails_verify_and_a_later_seal_does_not_hide_it(app):
    for i in range(4):
        _note(f"entry {i}")
    db.session.commit()
    victim = _chain()[1]
    db.session.execute(text("UPDATE audit_entry SET reason = 'forged' WHERE id = :i"), {"i": victim.id})
    db.session.commit()
    _note("after the forgery")
    db.session.commit()  # sealing goes on past the forged row; it never rehashes sealed ones
    result = audit.verify()
    assert not result.ok and result.broken_seq == victim.seq
    assert "content does not match" in result.problem


def test_unsealing_an_entry_in_the_middle_is_detected(app):
    """Clearing an entry's seal (so the sealer would rehash it) leaves a gap in the chain."""
    for i in range(4):
        _note(f"entry {i}")
    db.session.commit()
    victim = _chain()[1]
    seq = victim.seq
    db.session.execute(text("UPDATE audit_entry SET seq = NULL, prev_hash = NULL, hash = NULL "
                            "WHERE id = :i"), {"i": victim.id})
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_seq == seq + 1


def test_half_a_seal_is_refused_by_the_database(app):
    from sqlalchemy.exc import IntegrityError

    _note()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE audit_entry SET hash = NULL"))
    db.session.rollback()


# --- PostgreSQL: writers in parallel ------------------------------------------------------------

def _postgres():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; this is PostgreSQL's case")


def _in_own_context(app, fn, *args):
    """Run `fn` in a thread with an app context (and so a database session) of its own."""
    def body():
        with app.app_context():
            try:
                fn(*args)
            finally:
                db.session.remove()

    thread = threading.Thread(target=contextvars.Context().run, args=(body,))
    thread.start()
    return thread


def test_a_writer_does_not_wait_for_another_writers_open_transaction(app):
    """With a chain lock taken at write time, the second writer would wait for the first."""
    _postgres()
    db.session.commit()
    first_wrote, release = threading.Event(), threading.Event()
    second_took: list[float] = []

    def slow_writer():
        _note("slow, lower id")
        first_wrote.set()
        release.wait(20)
        db.session.commit()

    def quick_writer():
        start = time.monotonic()
        _note("quick, higher id")
        db.session.commit()
        second_took.append(time.monotonic() - start)

    slow = _in_own_context(app, slow_writer)
    assert first_wrote.wait(10)
    quick = _in_own_context(app, quick_writer)
    quick.join(10)
    release.set()
    slow.join(20)
    assert second_took and second_took[0] < 2, "the second writer waited for the first"
    audit.seal(wait=True)
    entries = _chain()
    # The quick one committed (and was sealed) first although its id is higher.
    assert [e.reason for e in entries] == ["quick, higher id", "slow, lower id"]
    assert entries[0].id > entries[1].id
    _assert_linked(entries)
    assert audit.verify().ok


def test_concurrent_writers_make_one_valid_chain(app):
    _postgres()
    db.session.commit()
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(n: int):
        try:
            barrier.wait(20)
            for i in range(per_writer):
                _note(f"w{n} e{i}", subject_id=n)
                if i % 3 == 0:
                    _note(f"w{n} e{i} second in the transaction", subject_id=n)
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [_in_own_context(app, writer, n) for n in range(writers)]
    for t in threads:
        t.join(120)
    assert not errors, errors
    audit.seal(wait=True)
    entries = _chain()
    expected = writers * (per_writer + len(range(0, per_writer, 3)))
    assert len(entries) == expected and audit.unsealed().count == 0
    _assert_linked(entries)
    result = audit.verify()
    assert result.ok and result.checked == expected and result.unsealed == 0
    # Each writer's own entries keep their order in the chain.
    for n in range(writers):
        mine = [e.reason for e in entries if e.subject_id == n]
        assert mine == sorted(mine, key=lambda r: int(r.split()[1][1:]) * 2 + ("second" in r))


def test_the_after_commit_seal_never_holds_two_connections(app):
    """Each committer seals once it has given its connection back: with more writers at once
    than the pool has connections, none waits for a second one (before the fix, every holder
    waited for a second connection, and writers without one timed out after 30 s)."""
    db.session.commit()
    size = db.engine.pool.size() + db.engine.pool._max_overflow
    writers = size + 5
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(n: int):
        try:
            barrier.wait(20)
            _note(f"writer {n}", subject_id=n)
            db.session.commit()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [_in_own_context(app, writer, n) for n in range(writers)]
    for t in threads:
        t.join(120)
    assert not errors, errors
    # PostgreSQL: a committer that finds another sealing leaves its entry to that one or the
    # next seal (try-lock), so one last seal stands in for the next commit or tick.
    audit.seal(wait=True)
    assert audit.unsealed().count == 0 and audit.verify().ok
