"""Starting points for volunteer tests: a matter being carried out by an organisation, a task on
it, residents with points."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.volunteers import services
from tests import factories
from tests.tracking.conftest import add_implementer, assign, put_in


@pytest.fixture
def vworld(world):
    """The world, an implementing organisation, and a matter of community A in progress."""
    add_implementer(world)
    matter = put_in(world.matter(title="清理 5 栋楼道杂物"), MatterState.IN_PROGRESS)
    assign(matter, world)
    world.extra["matter"] = matter
    return world


def open_task(world, *, capacity: int = 5, hours_from_now: float = 24, length_hours: float = 2,
              cutoff_hours: int = 2):
    start = (clock.utcnow() + timedelta(hours=hours_from_now)).replace(second=0, microsecond=0)
    task = services.open_task(world.extra["matter"], world.extra["worker"], title="搬运楼道杂物",
                              place="5 栋一楼门口", starts_at=start,
                              ends_at=start + timedelta(hours=length_hours), capacity=capacity,
                              cutoff_hours=cutoff_hours)
    db.session.commit()
    return task


def residents(world, n: int) -> list:
    people = [factories.user(world.a, name=f"志愿者{i}") for i in range(n)]
    db.session.commit()
    return people


def give_points(world, user, points: int):
    services.adjust(world.staff, user, points, "测试：初始积分")
    db.session.commit()


def shop_item(world, *, price: int = 100, stock: int = 10):
    item = services.add_item(world.shop_owner,
                             organisation_id=world.shop.id, name="大米 5 斤", points_price=price,
                             stock=stock, collect_at="社工站服务大厅")
    db.session.commit()
    return item
