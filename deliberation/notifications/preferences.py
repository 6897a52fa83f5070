"""Who hears what, on which channel: kind groups, defaults per role, quiet hours, digest.

In-app notices always exist; SMS and email are chosen per *group* of kinds (a resident should
not have to understand forty audit actions). Without a saved preference, the defaults apply:

    resident        SMS for their own matters and meetings       (once the phone is verified)
    body member     SMS for meetings, email (if given) for all
    staff           email (if given) for all, no SMS
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext

from ..extensions import db
from .models import NotificationPreference

GROUPS = {
    "matters": lazy_gettext("我提出或关注的议题有进展"),
    "meetings": lazy_gettext("会议通知"),
    "committee": lazy_gettext("议事主体的工作（待初审、被举报的意见、督办）"),
}
COMMITTEE_KINDS = {"to_screen", "opinion_reported", "opinion_held", "supervise", "objection",
                   "labour", "materials", "pledge_fulfilled"}
MEETING_KINDS = {"meeting_published", "meeting_reminder"}

QUIET_START, QUIET_END = time(21, 0), time(8, 0)


def group_of(kind: str) -> str:
    if kind in MEETING_KINDS or kind.startswith("meeting"):
        return "meetings"
    if kind in COMMITTEE_KINDS:
        return "committee"
    return "matters"


@dataclass(frozen=True)
class Choice:
    email: str | None
    sms: frozenset[str]
    email_groups: frozenset[str]
    digest: bool


def defaults(user, is_member: bool | None = None) -> Choice:
    if user.is_staff:
        return Choice(None, frozenset(), frozenset(GROUPS), False)
    if is_member if is_member is not None else bool(user.memberships):
        return Choice(None, frozenset({"meetings", "matters"}), frozenset(GROUPS), False)
    return Choice(None, frozenset({"matters", "meetings"}), frozenset(), False)


def choice(user, row: NotificationPreference | None = None, *, loaded: bool = False,
           is_member: bool | None = None) -> Choice:
    """`loaded`: the caller fetched the row already (None means there is none)."""
    if not loaded:
        row = db.session.get(NotificationPreference, user.id)
    if row is None:
        return defaults(user, is_member)
    return Choice(row.email, frozenset(row.sms or ()), frozenset(row.email_groups or ()), row.digest)


def save(user, *, email: str | None, sms: set[str], email_groups: set[str], digest: bool) -> None:
    row = db.session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id)
        db.session.add(row)
    row.email = email or None
    row.sms = sorted(set(sms) & set(GROUPS))
    row.email_groups = sorted(set(email_groups) & set(GROUPS))
    row.digest = digest
    db.session.flush()


def choose_sms(user, on: bool = True) -> None:
    """Staff filing on a resident's behalf (代录) ticked 'tell them by SMS': their matters by SMS."""
    current = choice(user)
    sms = set(current.sms) | {"matters"} if on else set(current.sms) - {"matters"}
    save(user, email=current.email, sms=sms, email_groups=set(current.email_groups),
         digest=current.digest)


def unsubscribe(user, group: str) -> None:
    current = choice(user)
    save(user, email=current.email, sms=set(current.sms),
         email_groups=set(current.email_groups) - {group}, digest=current.digest)


def phone_verified(user) -> bool:
    """The number answered an SMS code, or the committee / staff checked it in person (核实)."""
    return bool(user.phone_verified_at or user.verified_at)


def street_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local(moment: datetime) -> datetime:
    """Naive UTC (the database's) to naive street time."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(street_zone()).replace(tzinfo=None)


def to_utc(local_moment: datetime) -> datetime:
    return local_moment.replace(tzinfo=street_zone()).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def quiet_until(now: datetime) -> datetime | None:
    """When SMS may go again if `now` (naive UTC) falls in quiet hours (21:00-08:00 street
    time), else None."""
    if not current_app.config.get("SMS_QUIET_HOURS", True):  # benchmarks only
        return None
    here = local(now)
    if QUIET_END <= here.time() < QUIET_START:
        return None
    morning = here.replace(hour=QUIET_END.hour, minute=0, second=0, microsecond=0)
    if here.time() >= QUIET_START:
        morning += timedelta(days=1)
    return to_utc(morning)
