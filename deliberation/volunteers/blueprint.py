"""The volunteers blueprint and the matter page's volunteer section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Flask
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.time import utcnow
from ..extensions import db
from .models import VolunteerTask
from .services import WORKING

bp = Blueprint("volunteers", __name__)


@dataclass(frozen=True)
class MatterVolunteers:
    tasks: list[VolunteerTask]
    can_open: bool
    people: int      # confirmed services (人次: one person on two tasks counts twice)
    minutes: int     # their confirmed time


def matter_section(matter) -> MatterVolunteers | None:
    """The matter's tasks and its confirmed volunteer hours (templates/volunteers/_matter_section.html)."""
    tasks = list(db.session.scalars(
        select(VolunteerTask).where(VolunteerTask.matter_id == matter.id)
        .options(selectinload(VolunteerTask.signups)).order_by(VolunteerTask.starts_at)))
    can_open = matter.status in WORKING and matter.can("open_volunteer_task", current_user)
    if not tasks and not can_open:
        return None
    confirmed = [s for t in tasks for s in t.signups if s.minutes]
    return MatterVolunteers(tasks, can_open, len(confirmed), sum(s.minutes for s in confirmed))


@bp.app_template_global()
def volunteers_now():
    return utcnow()


@bp.app_template_global()
def collect_day(redemption) -> str:
    """The last local day a redemption can be collected (it expires at that day's end)."""
    from flask_babel import format_date, to_user_timezone

    return format_date(to_user_timezone(redemption.expires_at - timedelta(seconds=1)).date(),
                       "yyyy-MM-dd")


def register(app: Flask) -> None:
    from .views import shop, tasks  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
