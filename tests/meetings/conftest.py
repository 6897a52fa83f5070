"""Helpers for meeting tests: accepted matters, a meeting of committee A, check-ins."""

from __future__ import annotations

from datetime import datetime

import pytest

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.meetings import services


def accepted_matter(world, title: str = "5 栋楼道灯坏了", proposer=None):
    m = world.matter(proposer=proposer, title=title)
    workflow.accept(m, world.chair_a)
    db.session.commit()
    return m


@pytest.fixture
def meeting_of(world):
    """`meeting_of(*matters, start=True, present=(...))` -> a committee A meeting chaired by
    chair_a, recorded by recorder_a, with the matters on its agenda; published, optionally
    started, with the given users checked in."""

    def _make(*matters, start: bool = True, present=(), rule_preset=None, body_ids=None, by=None):
        # `by`: who convenes it (chair_a by default; staff for bodies chair_a does not lead).
        meeting = services.create_meeting(
            by or world.chair_a, body_ids=body_ids or [world.committee_a.id], title="幸福社区议事会",
            starts_at=datetime(2026, 6, 1, 1, 0), place="社区活动中心", mode="in_person",
            chair_id=world.chair_a.id, recorder_id=world.recorder_a.id, rule_preset=rule_preset)
        for m in matters:
            services.add_item(meeting, m, world.chair_a)
        services.publish(meeting, world.chair_a)
        if start:
            services.start(meeting, world.chair_a)
        for u in present:
            services.check_in(meeting, u)
        db.session.commit()
        return meeting

    return _make
