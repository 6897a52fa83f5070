"""What the board shows from packages that may not be installed yet (meetings, tracking).

Every function here answers "nothing" when its package is absent, so the board works before
and after those packages land. Links go through `optional_url`, which asks the app whether an
endpoint exists before building it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from flask import current_app, url_for
from sqlalchemy import Select, func, select

from ..core.time import utcnow
from ..extensions import db


def optional_url(*endpoints: str, **values: Any) -> str | None:
    """The URL of the first endpoint that exists, or None when none does."""
    for endpoint in endpoints:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **values)
    return None


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"deliberation.{name}")
    except ImportError:
        return None


def meetings_models() -> ModuleType | None:
    return _module("meetings.models")


def tracking_models() -> ModuleType | None:
    return _module("tracking.models")


def upcoming_meetings(community_id: int | None, limit: int = 5) -> list[Any]:
    """Published meetings that have not ended, soonest first; for a community, the meetings of
    its own bodies and of street-wide bodies (federation, association, station)."""
    mm = meetings_models()
    if mm is None:
        return []
    from ..directory.models import Body

    public_states = ("published", "in_session")
    query = (select(mm.Meeting)
             .where(mm.Meeting.state.in_(public_states),
                    mm.Meeting.starts_at >= utcnow() - timedelta(hours=6))
             .order_by(mm.Meeting.starts_at, mm.Meeting.id).limit(limit))
    if community_id is not None:
        in_scope = (select(mm.MeetingBody.meeting_id).join(Body, Body.id == mm.MeetingBody.body_id)
                    .where((Body.community_id == community_id) | Body.community_id.is_(None)))
        query = query.where(mm.Meeting.id.in_(in_scope))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Satisfaction:
    """Ratings from concluded evaluation rounds: 满意 + 基本满意 count as satisfied."""

    satisfied: int
    basically: int
    not_satisfied: int
    matters: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basically + self.not_satisfied

    @property
    def rate(self) -> float:
        return (self.satisfied + self.basically) / self.total


def satisfaction(matter_ids: Select) -> Satisfaction | None:
    """Satisfaction over the concluded evaluation rounds of `matter_ids` (a select of ids);
    None when the tracking tables are absent or nobody has rated yet."""
    tm = tracking_models()
    if tm is None or not hasattr(tm, "Evaluation"):
        return None
    ev = tm.Evaluation
    row = db.session.execute(
        select(func.coalesce(func.sum(ev.satisfied), 0),
               func.coalesce(func.sum(ev.basically_satisfied), 0),
               func.coalesce(func.sum(ev.not_satisfied), 0),
               func.count(func.distinct(ev.matter_id)))
        .where(ev.matter_id.in_(matter_ids), ev.concluded_at.is_not(None))).one()
    result = Satisfaction(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
    return result if result.total else None
