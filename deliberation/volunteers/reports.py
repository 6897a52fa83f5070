"""Volunteer figures: the street's (or a community's) hours and people by month, one person's
year for the certificate, rows for the staff export, and the counts open data gives (no names).

Hours count when the organiser confirmed them (`Signup.confirmed_at`), by the street's local
month; a person counts once per month however many tasks they served.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import to_user_timezone
from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from ..matters.models import Matter
from .models import Signup, VolunteerTask


@dataclass(frozen=True)
class Month:
    month: str      # "2026-11" in street time
    minutes: int
    people: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _confirmed(start: datetime | None, end: datetime | None, community_id: int | None,
               user_id: int | None = None):
    query = (select(Signup.user_id, Signup.minutes, Signup.confirmed_at, VolunteerTask.title,
                    VolunteerTask.starts_at, Matter.id, Matter.title, Matter.community_id)
             .join(VolunteerTask, Signup.task_id == VolunteerTask.id)
             .join(Matter, VolunteerTask.matter_id == Matter.id)
             .where(Signup.confirmed_at.is_not(None)).order_by(Signup.confirmed_at, Signup.id))
    if start is not None:
        query = query.where(Signup.confirmed_at >= start)
    if end is not None:
        query = query.where(Signup.confirmed_at < end)
    if community_id is not None:
        query = query.where(Matter.community_id == community_id)
    if user_id is not None:
        query = query.where(Signup.user_id == user_id)
    return db.session.execute(query).all()


def _month(moment: datetime) -> str:
    return to_user_timezone(moment).strftime("%Y-%m")


def by_month(start: datetime | None, end: datetime | None,
             community_id: int | None = None) -> list[Month]:
    minutes: dict[str, int] = defaultdict(int)
    people: dict[str, set[int]] = defaultdict(set)
    for row in _confirmed(start, end, community_id):
        month = _month(row.confirmed_at)
        minutes[month] += row.minutes
        people[month].add(row.user_id)
    return [Month(m, minutes[m], len(people[m])) for m in sorted(minutes)]


@dataclass(frozen=True)
class Service:
    day: datetime
    task: str
    matter_id: int
    matter: str
    minutes: int


def year_of(user_id: int, year: int) -> list[Service]:
    """What one person served in a (local) calendar year: the certificate's lines."""
    rows = [r for r in _confirmed(None, None, None, user_id)
            if to_user_timezone(r.confirmed_at).year == year]
    return [Service(r.starts_at, r.title, r.id, r.title_1, r.minutes) for r in rows]


def export_rows() -> list[list]:
    """Staff export: one line per confirmed service (the volunteer's name; never a phone)."""
    names = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        select(Signup.user_id).where(Signup.confirmed_at.is_not(None)))))}
    return [[to_user_timezone(r.confirmed_at).strftime("%Y-%m-%d %H:%M"), r.id, r.title_1, r.title,
             names[r.user_id].display_name, round(r.minutes / 60, 2)] for r in _confirmed(None, None, None)]


def open_counts() -> list[dict]:
    """Open data: hours and people by month and community, no names."""
    minutes: dict[tuple[str, int], int] = defaultdict(int)
    people: dict[tuple[str, int], set[int]] = defaultdict(set)
    for row in _confirmed(None, None, None):
        key = (_month(row.confirmed_at), row.community_id)
        minutes[key] += row.minutes
        people[key].add(row.user_id)
    return [{"month": m, "community_id": c, "hours": round(minutes[(m, c)] / 60, 1),
             "volunteers": len(people[(m, c)])} for m, c in sorted(minutes)]


def minutes_by_matter(matter_ids: list[int]) -> dict[int, int]:
    """Confirmed volunteer minutes per matter (the problem-resolution list), one query."""
    if not matter_ids:
        return {}
    rows = db.session.execute(
        select(VolunteerTask.matter_id, func.sum(Signup.minutes))
        .join(Signup, Signup.task_id == VolunteerTask.id)
        .where(VolunteerTask.matter_id.in_(matter_ids), Signup.minutes.is_not(None))
        .group_by(VolunteerTask.matter_id)).all()
    return {matter_id: int(total) for matter_id, total in rows}
