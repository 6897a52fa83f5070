"""Statistics for the street or one community over a period.

The period selects a cohort: the public matters filed in it (withdrawn matters leave the public
record and are not counted). Every figure describes that cohort as it stands now:

- filed: the cohort's size; screened: answered by the committee (first answer given);
- adopted: voted through and not sent back since (adopted, in notice or any later state);
- not adopted: voted down; adoption rate: adopted / (adopted + not adopted);
- closed: crossed off (销号);
- overdue: still waiting for a first answer past the street's target (first_answer_days);
- days per stage, from filing to first answer, to decision and to closing, over the matters that
  reached that stage: the median and the 90th percentile (see `percentile`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import select

from ..core.time import utcnow
from ..directory.models import Category, Community, Street
from ..extensions import db
from ..matters.models import Matter, first_answer_overdue
from ..matters.states import MatterState as S
from . import sources
from .period import Period

ADOPTED_OR_LATER = frozenset({S.ADOPTED.value, S.IN_NOTICE.value, S.IN_PROGRESS.value,
                              S.IN_EVALUATION.value, S.RECTIFYING.value, S.CLOSED.value})
STAGES = (
    ("first_answer", lazy_gettext("提交 → 初审答复"), "first_answer_at"),
    ("decision", lazy_gettext("提交 → 表决"), "decided_at"),
    ("closed", lazy_gettext("提交 → 销号"), "closed_at"),
)


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between closest ranks (numpy's default,
    Hyndman & Fan type 7): sort, take position h = (n - 1) * p / 100, and interpolate between
    the values at floor(h) and floor(h) + 1. The 50th percentile is the usual median."""
    if not values:
        return None
    xs = sorted(values)
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


@dataclass
class Stage:
    key: str
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass
class Breakdown:
    label: str
    filed: int = 0
    adopted: int = 0
    closed: int = 0


@dataclass
class Stats:
    period: Period
    filed: int = 0
    screened: int = 0
    adopted: int = 0
    not_adopted: int = 0
    closed: int = 0
    overdue: int = 0
    stages: list[Stage] = field(default_factory=list)
    by_category: list[Breakdown] = field(default_factory=list)
    by_community: list[Breakdown] = field(default_factory=list)
    satisfaction: sources.Satisfaction | None = None

    @property
    def adoption_rate(self) -> float | None:
        decided = self.adopted + self.not_adopted
        return self.adopted / decided if decided else None


def cohort(period: Period, community_id: int | None):
    """A select of the cohort's matter ids (reused as a subquery by other packages' figures)."""
    query = select(Matter.id).where(Matter.state != S.WITHDRAWN.value,
                                    Matter.created_at < period.end_utc)
    if period.start_utc is not None:
        query = query.where(Matter.created_at >= period.start_utc)
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    return query


def compute(period: Period, community_id: int | None = None) -> Stats:
    ids = cohort(period, community_id)
    rows = db.session.execute(
        select(Matter.community_id, Matter.category_id, Matter.state, Matter.created_at,
               Matter.first_answer_at, Matter.decided_at, Matter.closed_at)
        .where(Matter.id.in_(ids))).all()
    stats = Stats(period=period, filed=len(rows))
    answer_days = _answer_targets()
    now = utcnow()
    durations: dict[str, list[float]] = {key: [] for key, _label, _col in STAGES}
    categories: dict[int, Breakdown] = {}
    communities: dict[int, Breakdown] = {}
    for r in rows:
        adopted = r.state in ADOPTED_OR_LATER
        closed = r.state == S.CLOSED.value
        stats.screened += r.first_answer_at is not None
        stats.adopted += adopted
        stats.not_adopted += r.state == S.NOT_ADOPTED.value
        stats.closed += closed
        target = answer_days.get(r.community_id, 10)
        stats.overdue += first_answer_overdue(r.state, r.first_answer_at, r.created_at, target, now)
        for key, _label, column in STAGES:
            reached = getattr(r, column)
            if reached is not None:
                durations[key].append(days_between(r.created_at, reached))
        for table, key in ((categories, r.category_id), (communities, r.community_id)):
            b = table.setdefault(key, Breakdown(""))
            b.filed += 1
            b.adopted += adopted
            b.closed += closed
    stats.stages = [Stage(key, label, len(durations[key]), percentile(durations[key], 50),
                          percentile(durations[key], 90)) for key, label, _col in STAGES]
    stats.by_category = _named(categories, Category)
    stats.by_community = _named(communities, Community)
    stats.satisfaction = sources.satisfaction(ids)
    return stats


def _answer_targets() -> dict[int, int]:
    return dict(db.session.execute(
        select(Community.id, Street.first_answer_days).join(Street, Street.id == Community.street_id)
    ).all())


def _named(found: dict[int, Breakdown], model) -> list[Breakdown]:
    """Label the breakdown rows; most filed first, then by name."""
    names = dict(db.session.execute(select(model.id, model.name).where(model.id.in_(list(found)))).all())
    for key, b in found.items():
        b.label = names.get(key, "?")
    return sorted(found.values(), key=lambda b: (-b.filed, b.label))


def state_counts(community_id: int | None) -> Counter:
    query = select(Matter.state, db.func.count()).group_by(Matter.state)
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    return Counter(dict(db.session.execute(query).all()))
