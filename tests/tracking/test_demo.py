"""The demo that `make run` loads shows the whole loop, built through the services."""

from __future__ import annotations

from sqlalchemy import func, select

from deliberation import demo
from deliberation.core import audit
from deliberation.extensions import db
from deliberation.matters.models import Matter


def test_demo_shows_the_whole_loop(app):
    demo.load()
    db.session.commit()
    states = dict(db.session.execute(select(Matter.state, func.count()).group_by(Matter.state)).all())
    for state in ("submitted", "returned", "accepted", "merged", "referred", "rejected", "withdrawn",
                  "scheduled", "deferred", "not_adopted", "in_notice", "in_progress", "in_evaluation",
                  "rectifying", "closed"):
        assert states.get(state), f"the demo has no matter in state {state}"
    closed = db.session.scalars(select(Matter).where(Matter.state == "closed")).all()
    for matter in closed:
        actions = [e.action for e in audit.timeline("matter", matter.id)]
        for step in ("file", "accept", "schedule", "adopt", "open_notice", "end_notice", "assign",
                     "report_done", "close"):
            assert step in actions, (matter.title, step, actions)
    assert any("rectify" in [e.action for e in audit.timeline("matter", m.id)] for m in closed)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output
