"""Starting points for tracking tests: matters put straight into a later state.

Meetings are built elsewhere, so tests set an adopted matter's state directly (test code only;
the app changes state through the workflow).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.tracking import assignment
from deliberation.tracking.assignment import default_phase_dates


def put_in(matter, state: MatterState, *, window_days: float | None = None):
    from tests import factories

    now = utcnow()
    factories.reach(matter, state)
    matter.state_changed_at = now
    matter.decided_at = matter.decided_at or now
    matter.window_ends_at = now + timedelta(days=window_days) if window_days is not None else None
    db.session.commit()
    return matter


def assign(matter, world, *, budget_cents: int = 50_000, days: int = 30):
    today = utcnow().date()
    due = today + timedelta(days=days)
    a = assignment.assign(matter, world.staff, organisation_id=world.extra["org"].id,
                          lead_id=world.extra["worker"].id, budget_cents=budget_cents, due_on=due,
                          phase_dues=default_phase_dates(today, due))
    db.session.commit()
    return a


@pytest.fixture
def tworld(world):
    """The world plus an implementing organisation (a social organisation with one worker)."""
    return add_implementer(world)


def add_implementer(world):
    from deliberation.directory import services as directory
    from deliberation.directory.models import Organisation, OrganisationKind
    from tests import factories

    org = directory.save(Organisation(), world.admin.id,
                         {"name": "暖阳为老服务中心", "kind": OrganisationKind.SOCIAL.value})
    worker = factories.user(world.a, name="刘社工")
    directory.add_org_member(org, worker.id, world.admin.id)
    outsider_org = directory.save(Organisation(), world.admin.id,
                                  {"name": "别家物业", "kind": OrganisationKind.SOCIAL.value})
    outsider = factories.user(world.a, name="别家员工")
    directory.add_org_member(outsider_org, outsider.id, world.admin.id)
    world.extra.update(org=org, worker=worker, outsider=outsider)
    db.session.commit()
    return world
