"""What the board reads from the meetings and tracking stages (public sits above them all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select

from ..core.time import utcnow
from ..directory.models import Body
from ..extensions import db
from ..meetings.models import Meeting, MeetingBody
from ..tracking.models import Evaluation


def upcoming_meetings(community_id: int | None, limit: int = 5) -> list[Any]:
    """Published meetings that have not ended, soonest first; for a community, the meetings of
    its own bodies and of street-wide bodies (federation, association, station)."""
    public_states = ("published", "in_session")
    query = (select(Meeting)
             .where(Meeting.state.in_(public_states),
                    Meeting.starts_at >= utcnow() - timedelta(hours=6))
             .order_by(Meeting.starts_at, Meeting.id).limit(limit))
    if community_id is not None:
        in_scope = (select(MeetingBody.meeting_id).join(Body, Body.id == MeetingBody.body_id)
                    .where((Body.community_id == community_id) | Body.community_id.is_(None)))
        query = query.where(Meeting.id.in_(in_scope))
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
    None when nobody has rated yet."""
    ev = Evaluation
    row = db.session.execute(
        select(func.coalesce(func.sum(ev.satisfied), 0),
               func.coalesce(func.sum(ev.basically_satisfied), 0),
               func.coalesce(func.sum(ev.not_satisfied), 0),
               func.count(func.distinct(ev.matter_id)))
        .where(ev.matter_id.in_(matter_ids), ev.concluded_at.is_not(None))).one()
    result = Satisfaction(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
    return result if result.total else None
