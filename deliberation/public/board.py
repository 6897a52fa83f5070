"""What the public home shows: matters by the step they are at, for the street or a community."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select

from ..core.time import utcnow
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState as S
from . import sources
from .stats import state_counts

IN_HAND = (S.ADOPTED.value, S.IN_NOTICE.value, S.IN_PROGRESS.value, S.IN_EVALUATION.value,
           S.RECTIFYING.value)


@dataclass
class Board:
    community_id: int | None
    counts: dict[str, int]
    notices: list[Matter]
    evaluating: list[Matter]
    closed: list[Matter]
    meetings: list[Any]
    links: dict[str, str | None]

    @property
    def waiting(self) -> int:
        return self.counts.get(S.SUBMITTED.value, 0) + self.counts.get(S.ACCEPTED.value, 0)

    @property
    def in_hand(self) -> int:
        return sum(self.counts.get(s, 0) for s in IN_HAND)


def _in_state(state: S, community_id: int | None, order, limit: int, *where) -> list[Matter]:
    query = select(Matter).where(Matter.state == state.value, *where)
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def open_notices(community_id: int | None, limit: int = 10) -> list[Matter]:
    """Notices still open for objections, the soonest-ending first. (A notice whose window has
    ended moves on at the next tick; until then it is no longer open for objections.)"""
    return _in_state(S.IN_NOTICE, community_id, (Matter.window_ends_at, Matter.id), limit,
                     Matter.window_ends_at > utcnow())


def build(community_id: int | None) -> Board:
    args = {"community": community_id} if community_id is not None else {}
    return Board(
        community_id=community_id,
        counts=state_counts(community_id),
        notices=open_notices(community_id),
        evaluating=_in_state(S.IN_EVALUATION, community_id, (Matter.window_ends_at, Matter.id), 10),
        closed=_in_state(S.CLOSED, community_id, (Matter.closed_at.desc(), Matter.id.desc()), 5),
        meetings=sources.upcoming_meetings(community_id),
        links={
            "needs": url_for("matters.needs", **args),
            "problems": url_for("tracking.problems", **args),
            "resources": url_for("tracking.resources_list"),
            "meetings": url_for("meetings.index"),
        },
    )
