"""Demo data for volunteers and the points shop, made through the same services the pages call:
on a matter in progress, a finished task with hours confirmed (points earned), an upcoming task
to sign up for, a prize a business gave, one redemption handed over and one waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Role, User
from ..core import time as clock
from ..directory.models import Organisation, OrganisationMember
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState
from . import services

GIVER_PHONE = "13900000041"  # the demo's 商联会 member (deliberation/demo.py)


def demo_steps(now: datetime, residents: list[User]) -> None:
    matter = db.session.scalar(select(Matter).where(Matter.state == MatterState.IN_PROGRESS.value)
                               .order_by(Matter.id))
    if matter is None or len(residents) < 2:
        return
    organiser = next((u for u in db.session.scalars(select(User).order_by(User.id))
                      if matter.can("open_volunteer_task", u) and not u.is_staff), None)
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF.value).order_by(User.id))
    organiser = organiser or staff
    previous = clock._frozen
    try:
        start = _street_morning(now - timedelta(days=2))
        clock.freeze(start - timedelta(days=2))
        done = services.open_task(matter, organiser, title="清理楼道杂物、搬运旧家具",
                                  place="5 栋一楼门口集合", starts_at=start,
                                  ends_at=start + timedelta(hours=2), capacity=6,
                                  details="请穿方便活动的衣服，手套和垃圾袋由社工站准备。")
        for person in residents[:2]:
            services.sign_up(done, person)
        clock.freeze(start + timedelta(minutes=5))
        for signup in done.signups:
            services.mark_by_hand(done, organiser, signup)
        clock.freeze(start + timedelta(hours=2, minutes=10))
        for signup in done.signups:
            services.confirm_hours(done, organiser, signup, 120)
        upcoming = _street_morning(now + timedelta(days=3))
        clock.freeze(now - timedelta(hours=1))
        services.open_task(matter, organiser, title="楼道墙面粉刷（第二次）", place="5 栋一楼门口集合",
                           starts_at=upcoming, ends_at=upcoming + timedelta(hours=3), capacity=4)
        giver = db.session.scalar(select(User).where(User.phone == GIVER_PHONE))
        org_id = db.session.scalar(select(OrganisationMember.organisation_id)
                                   .where(OrganisationMember.user_id == giver.id)) if giver else None
        if giver is None or org_id is None:
            giver, org_id = staff, db.session.scalar(select(Organisation.id).order_by(Organisation.id))
        rice = services.add_item(giver, organisation_id=org_id, name="大米 5 斤", points_price=20,
                                 stock=10, collect_at="社工站服务大厅（工作日 9:00–17:00）")
        services.add_item(giver, organisation_id=org_id, name="洗衣液一桶", points_price=15,
                          stock=8, collect_at="社工站服务大厅（工作日 9:00–17:00）")
        handed = services.redeem(rice, residents[0])
        services.hand_over(staff, handed.code)
        services.redeem(rice, residents[1])
    finally:
        clock.freeze(previous)


def _street_morning(moment: datetime) -> datetime:
    """09:00 street time on the day of `moment`, as naive UTC (demo tasks start in the morning)."""
    from flask_babel import to_user_timezone, to_utc

    day = to_user_timezone(moment).date()
    return to_utc(datetime.combine(day, datetime.min.time()).replace(hour=9)).replace(tzinfo=None)
