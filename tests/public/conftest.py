"""Seeding for the board's tests: matters put straight into the state a test starts from."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.models import Matter
from tests import factories


def place(world, *, created: datetime, state: str, community=None, category: int = 0,
          answer: float | None = None, decided: float | None = None, closed: float | None = None,
          title: str = "", proposer=None, reason: str = "", window_days: float | None = None,
          **fields) -> Matter:
    """File a matter at `created` (UTC) through the real service, then set its state and its
    milestones (given as days after filing) directly, as the start of a test."""
    clock.freeze(created)
    community = community or world.a
    if proposer is None:
        proposer = world.resident_a if community.id == world.a.id else world.resident_b
    m = world.matter(proposer, title=title or f"议题 {created:%m-%d} {state}",
                     category_id=world.categories[category].id, **fields)
    factories.reach(m, state)
    m.state_reason = reason
    m.first_answer_at = created + timedelta(days=answer) if answer is not None else None
    m.decided_at = created + timedelta(days=decided) if decided is not None else None
    m.closed_at = created + timedelta(days=closed) if closed is not None else None
    m.window_ends_at = created + timedelta(days=window_days) if window_days is not None else None
    db.session.commit()
    clock.freeze(None)
    return m


def decide(matter: Matter, *, adopted: bool = True, counts: dict | None = None, at=None) -> None:
    """A public decision entry, as the meetings package writes it."""
    if at:
        clock.freeze(at)
    audit.record(actor_id=None, subject_type="matter", subject_id=matter.id,
                 action="adopt" if adopted else "not_adopt", from_state="scheduled",
                 to_state="adopted" if adopted else "not_adopted",
                 details={"vote_id": 1, "counts": counts or {"yes": 7, "no": 2, "abstain": 1}})
    db.session.commit()
    clock.freeze(None)


@pytest.fixture
def seed():
    return place
