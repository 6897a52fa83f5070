"""`flask tick` may run on every node at once: two ticks in parallel OS processes move each due
matter exactly once, with exactly one audit entry (PostgreSQL: FOR UPDATE SKIP LOCKED on the
matter row; SQLite: the BEGIN IMMEDIATE write lock)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from deliberation.core.audit import AuditEntry
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.matters.states import MatterState
from deliberation.tracking import evaluation, reports
from deliberation.tracking.models import Evaluation

from .conftest import assign, put_in

TICK = textwrap.dedent("""
    import sys, time
    from deliberation import create_app
    from deliberation.extensions import db
    from deliberation.matters import workflow

    url, instance, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    app = create_app({"TESTING": True, "SECRET_KEY": "parallel-tick", "INSTANCE_PATH": instance,
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        time.sleep(max(0.0, start - time.time()))
        moved = workflow.tick()
        db.session.commit()
    print(moved)
""")


def test_two_ticks_at_once_move_each_matter_once(tworld, app, database_url, tmp_path):
    in_evaluation = []
    for i in range(15):
        matter = put_in(tworld.matter(title=f"评议中的议题{i}"), MatterState.IN_PROGRESS)
        assign(matter, tworld)
        reports.report_done(matter, tworld.extra["worker"], summary="已完成。")
        evaluation.rate(matter, tworld.resident_a, choice="satisfied")
        db.session.commit()
        in_evaluation.append(matter)
    in_notice = [put_in(tworld.matter(title=f"公示中的议题{i}"), MatterState.IN_NOTICE, window_days=1)
                 for i in range(15)]
    # Evaluations first (lowest ids): both ticks reach the same row at once, where only the
    # lock keeps the second from recording the outcome again.
    ids = [m.id for m in in_evaluation + in_notice]
    # Every window ended a minute ago, in real time (the ticks run in other processes).
    db.session.execute(update(Matter).where(Matter.id.in_(ids))
                       .values(window_ends_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    start = time.time() + 4  # both processes are up by then and start together
    procs = [subprocess.Popen([sys.executable, "-c", TICK, database_url, str(tmp_path / f"i{n}"),
                               str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for n in (1, 2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    moved = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(moved) == len(ids)

    db.session.expire_all()
    for matter in in_notice:
        assert db.session.get(Matter, matter.id).status == MatterState.IN_PROGRESS
    for matter in in_evaluation:  # rated 满意: the outcome is recorded, for staff to close
        ev = db.session.scalar(select(Evaluation).where(Evaluation.matter_id == matter.id))
        assert ev.outcome == "satisfied"

    def entries(action: str, matter_ids: list[int]) -> dict[int, int]:
        return dict(db.session.execute(
            select(AuditEntry.subject_id, func.count()).where(
                AuditEntry.subject_type == "matter", AuditEntry.action == action,
                AuditEntry.subject_id.in_(matter_ids)).group_by(AuditEntry.subject_id)).all())

    assert entries("end_notice", [m.id for m in in_notice]) == {m.id: 1 for m in in_notice}
    assert entries("evaluation_result", [m.id for m in in_evaluation]) == {
        m.id: 1 for m in in_evaluation}
