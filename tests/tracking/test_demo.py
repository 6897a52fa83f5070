"""The demo's later half: matters in every later state, built through the services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from deliberation import demo
from deliberation.core import audit
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.matters.states import MatterState
from deliberation.tracking.demo import demo_steps


def test_demo_steps_show_every_later_state(app):
    demo.load()
    db.session.commit()
    ids = list(db.session.scalars(select(Matter.id).order_by(Matter.id)))[:6]
    now = utcnow()
    for matter_id in ids:  # as the meetings would leave them (another package builds those)
        m = db.session.get(Matter, matter_id)
        m.state, m.decided_at = MatterState.IN_NOTICE.value, now - timedelta(days=27)
        m.window_ends_at = now - timedelta(days=22)
    db.session.commit()
    states = demo_steps(ids, now)
    db.session.commit()
    assert sorted(set(states.values())) == [
        "closed", "in_evaluation", "in_progress", "rectifying"]
    assert list(states.values()).count("closed") == 3  # the cycle of five starts again
    assert audit.verify().ok
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output
