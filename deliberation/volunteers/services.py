"""What volunteers and the points shop do, each under the lock or constraint that makes it
exactly-once: one place per person (unique row), capacity (the task row locked while the places
are counted), hours confirmed once (a conditional update), points never below zero (a conditional
update and the CHECK), stock handed out once, a code handed over once, an expiry refunded once.
Every ledger entry has an audit entry."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext, to_utc
from sqlalchemy import func, select, update

from ..core import audit, errors
from ..core.time import localtime, utcnow
from ..database import insert_once
from ..directory.models import OrganisationMember, Street
from ..extensions import db
from ..matters import follows
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_
from .models import (
    EntryKind,
    PointsAccount,
    PointsEntry,
    Redemption,
    RedemptionState,
    ShopItem,
    Signup,
    SignupStatus,
    VolunteerTask,
)

if TYPE_CHECKING:
    from ..accounts.models import User

# Labour is asked for while the work is under way.
WORKING = frozenset({MatterState.IN_PROGRESS, MatterState.RECTIFYING})
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a desk
MAX_TASK_DAYS = 3


def _code(length: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def may_volunteer(matter: Matter, user: User | None) -> bool:
    """The "volunteer" ability: a signed-in resident, while the matter is being carried out."""
    return bool(user is not None and user.is_authenticated and matter.status in WORKING)


def may_open_task(matter: Matter, user: User | None) -> bool:
    """The "open_volunteer_task" ability: who carries the matter out, while it is under way."""
    return matter.status in WORKING and matter.can("report_progress", user)


def street_rule() -> tuple[int, int]:
    """(points per confirmed hour, days a redemption waits to be collected): the street's
    published rule."""
    street = db.session.scalar(select(Street).order_by(Street.id))
    if street is None:
        return 10, 7
    return street.volunteer_points_per_hour, street.redemption_days


# ---- tasks -------------------------------------------------------------------------------

def open_task(matter: Matter, actor: User, *, title: str, place: str, starts_at: datetime,
              ends_at: datetime, capacity: int, cutoff_hours: int = 2, details: str = "",
              phase_id: int | None = None) -> VolunteerTask:
    """A task on the matter; times are UTC. The points rate is the street's rule today."""
    if not may_open_task(matter, actor):
        raise errors.Forbidden(gettext("只有承接组织或社工站可以发布志愿任务。"))
    if ends_at <= starts_at:
        raise errors.Refused(gettext("结束时间要晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_TASK_DAYS):
        raise errors.Refused(gettext("一次任务最长 %(n)s 天，请分成几次发布。", n=MAX_TASK_DAYS),
                             field="ends_at")
    if starts_at <= utcnow():
        raise errors.Refused(gettext("开始时间已过，请选择以后的时间。"), field="starts_at")
    if not 1 <= capacity <= 500:
        raise errors.Refused(gettext("人数请填 1 到 500。"), field="capacity")
    rate, _days = street_rule()
    cutoff = max(utcnow(), starts_at - timedelta(hours=max(cutoff_hours, 0)))
    task = VolunteerTask(matter_id=matter.id, phase_id=phase_id or None, title=title.strip(),
                         details=(details or "").strip(), place=place.strip(), starts_at=starts_at,
                         ends_at=ends_at, capacity=capacity, points_per_hour=rate, cutoff_at=cutoff,
                         checkin_code=_code(), created_by_id=actor.id)
    db.session.add(task)
    db.session.flush()
    entry = audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                         action="volunteer_task", reason=task.title,
                         details={"task_id": task.id, "capacity": capacity, "points_per_hour": rate})
    follows.notify_followers(matter, entry, exclude=actor.id, message=N_(
        "「%(m)s」需要志愿者：%(t)s，%(when)s，%(place)s，%(n)s 人。", m=matter.title, t=task.title,
        when=localtime(starts_at), place=task.place, n=capacity))
    return task


def _locked_task(task_id: int) -> VolunteerTask:
    """The task row, locked until commit (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    is BEGIN IMMEDIATE already), so places are counted and taken by one caller at a time."""
    task = db.session.scalar(select(VolunteerTask).where(VolunteerTask.id == task_id)
                             .with_for_update().execution_options(populate_existing=True))
    if task is None:
        raise errors.Refused(gettext("没有这个志愿任务。"))
    return task


def _places_taken(task_id: int) -> int:
    return db.session.scalar(select(func.count(Signup.id)).where(
        Signup.task_id == task_id, Signup.status == SignupStatus.PLACE.value)) or 0


def sign_up(task: VolunteerTask, user: User) -> Signup:
    """A place if one is free, else the waiting list. Signing up twice changes nothing."""
    now = utcnow()
    task = _locked_task(task.id)
    if not task.can_sign_up(user, now):
        if not task.is_open_for_signup(now):
            raise errors.Refused(gettext("报名已截止。"))
        raise errors.Forbidden(gettext("这个任务现在不能报名。"))
    status = (SignupStatus.PLACE if _places_taken(task.id) < task.capacity
              else SignupStatus.WAITING).value
    inserted = insert_once(Signup, task_id=task.id, user_id=user.id, status=status, queued_at=now)
    signup = db.session.scalar(select(Signup).where(Signup.task_id == task.id,
                                                    Signup.user_id == user.id)
                               .execution_options(populate_existing=True))
    if not inserted:
        if not signup.is_cancelled:
            return signup  # already on it
        signup.status, signup.queued_at = status, now  # back after cancelling: at the end
    audit.record(actor_id=user.id, subject_type="volunteer_task", subject_id=task.id,
                 action="volunteer_signup", to_state=status, public=False)
    return signup


def cancel(task: VolunteerTask, user: User) -> Signup | None:
    """Leave the task before the cut-off; the first on the waiting list takes a freed place."""
    now = utcnow()
    task = _locked_task(task.id)
    signup = db.session.scalar(select(Signup).where(Signup.task_id == task.id,
                                                    Signup.user_id == user.id))
    if signup is None or signup.is_cancelled:
        raise errors.Refused(gettext("您没有报名这个任务。"))
    if signup.checked_in_at is not None:
        raise errors.Refused(gettext("您已经签到，不能再取消报名。"))
    if not task.is_open_for_signup(now):
        raise errors.Refused(gettext("已过取消截止时间，如不能参加请联系组织者。"))
    had_place = signup.has_place
    signup.status = SignupStatus.CANCELLED.value
    audit.record(actor_id=user.id, subject_type="volunteer_task", subject_id=task.id,
                 action="volunteer_cancel", public=False)
    promoted = None
    if had_place:
        promoted = db.session.scalar(select(Signup).where(
            Signup.task_id == task.id, Signup.status == SignupStatus.WAITING.value)
            .order_by(Signup.queued_at, Signup.id).limit(1))
        if promoted is not None:
            promoted.status = SignupStatus.PLACE.value
            notifications.notify_users({promoted.user_id}, kind="volunteer_place",
                                       matter=task.matter, message=N_(
                                           "志愿任务「%(t)s」有空位了，您已从候补转为正式报名。",
                                           t=task.title))
    db.session.flush()
    return promoted


def check_in(task: VolunteerTask, user: User, code: str) -> Signup:
    """The volunteer types the code shown on the organiser's phone; the second time, it is the
    check-out."""
    signup = task.signup_of(user)
    if signup is None or not signup.has_place:
        raise errors.Forbidden(gettext("您没有这个任务的正式名额。"))
    if (code or "").strip().upper() != task.checkin_code:
        raise errors.Refused(gettext("签到码不对，请看组织者手机上的码再输一次。"), field="code")
    now = utcnow()
    if not task.checkin_open(now):
        raise errors.Refused(gettext("只能在任务时间内签到。"), field="code")
    return _mark(signup, user, now)


def _mark(signup: Signup, actor: User, now: datetime) -> Signup:
    if signup.checked_in_at is None:
        signup.checked_in_at, action = now, "volunteer_check_in"
    elif signup.checked_out_at is None:
        signup.checked_out_at, action = now, "volunteer_check_out"
    else:
        raise errors.Refused(gettext("已经签到并签退过了。"))
    audit.record(actor_id=actor.id, subject_type="volunteer_task", subject_id=signup.task_id,
                 action=action, details={"signup_id": signup.id}, public=False)
    return signup


def mark_by_hand(task: VolunteerTask, actor: User, signup: Signup) -> Signup:
    """The organiser checks someone in (or out) who has no phone with them."""
    if not task.can_organise(actor):
        raise errors.Forbidden(gettext("只有组织者可以代为签到。"))
    _organised_signup(task, actor, signup)
    now = utcnow()
    if now < task.starts_at - timedelta(hours=1):
        raise errors.Refused(gettext("任务还没开始，开始前一小时起才能签到。"))
    return _mark(signup, actor, now)


def _organised_signup(task: VolunteerTask, actor: User, signup: Signup) -> None:
    if signup.task_id != task.id or not signup.has_place:
        raise errors.Refused(gettext("这位不在正式名单上。"))
    if signup.user_id == actor.id:
        # Hours earn points: nobody checks in or confirms their own.
        raise errors.Forbidden(gettext("不能为自己签到或确认时长，请另一位组织者或社工站确认。"))


def suggested_minutes(task: VolunteerTask, signup: Signup) -> int:
    """What the organiser's form offers: the checked time, else the task's length."""
    if signup.checked_in_at and signup.checked_out_at:
        minutes = (signup.checked_out_at - signup.checked_in_at).total_seconds() // 60
    else:
        minutes = (task.ends_at - task.starts_at).total_seconds() // 60
    return int(max(1, min(minutes, max_minutes(task))))


def max_minutes(task: VolunteerTask) -> int:
    """The most time one person can be credited for a task: its length plus an hour."""
    return int((task.ends_at - task.starts_at).total_seconds() // 60) + 60


def points_for(task: VolunteerTask, minutes: int) -> int:
    return (task.points_per_hour * minutes) // 60


def confirm_hours(task: VolunteerTask, actor: User, signup: Signup, minutes: int) -> PointsEntry | None:
    """The organiser confirms a volunteer's time once; it earns points by the task's rate."""
    if not task.can_organise(actor):
        raise errors.Forbidden(gettext("只有组织者可以确认服务时长。"))
    _organised_signup(task, actor, signup)
    now = utcnow()
    if now < task.starts_at:
        raise errors.Refused(gettext("任务开始后才能确认时长。"), field="minutes")
    if signup.checked_in_at is None:
        raise errors.Refused(gettext("请先为这位签到，再确认时长。"), field="minutes")
    longest = max_minutes(task)
    if not 1 <= minutes <= longest:
        raise errors.Refused(gettext("时长请填 1 到 %(n)s 分钟（任务时间再加一小时）。", n=longest),
                             field="minutes")
    done = db.session.execute(
        update(Signup).where(Signup.id == signup.id, Signup.confirmed_at.is_(None))
        .values(minutes=minutes, confirmed_at=now, confirmed_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise errors.Refused(gettext("这位的时长已经确认过了。"))
    db.session.refresh(signup)
    points = points_for(task, minutes)
    if points <= 0:
        return None
    return _post(signup.user_id, points, EntryKind.EARNED, actor=actor, signup_id=signup.id,
                 reason=task.title)


# ---- the ledger ----------------------------------------------------------------------------

def _post(user_id: int, delta: int, kind: EntryKind, *, actor: User | None, reason: str = "",
          signup_id: int | None = None, redemption_id: int | None = None) -> PointsEntry:
    """Append one ledger line and move the balance with it, in the caller's transaction. A
    debit that would take the balance below zero changes nothing and is refused."""
    insert_once(PointsAccount, returning=PointsAccount.user_id, user_id=user_id, balance=0)
    moved = db.session.execute(
        update(PointsAccount).where(PointsAccount.user_id == user_id,
                                    PointsAccount.balance + delta >= 0)
        .values(balance=PointsAccount.balance + delta)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise errors.Refused(gettext("积分不够。"))
    entry = PointsEntry(user_id=user_id, delta=delta, kind=kind.value, reason=reason[:200],
                        signup_id=signup_id, redemption_id=redemption_id,
                        created_by_id=actor.id if actor else None, created_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    audit.record(actor_id=actor.id if actor else None, subject_type="points_entry",
                 subject_id=entry.id, action=f"points_{kind.value}", reason=reason[:200],
                 details={"user_id": user_id, "delta": delta, "signup_id": signup_id,
                          "redemption_id": redemption_id}, public=False)
    return entry


def balance(user_id: int) -> int:
    return db.session.scalar(select(PointsAccount.balance).where(PointsAccount.user_id == user_id)) or 0


def ledger_sum(user_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0))
                             .where(PointsEntry.user_id == user_id)) or 0


def adjust(actor: User, user: User, delta: int, reason: str) -> PointsEntry:
    """Station staff correct a balance, always with a reason (audited)."""
    if not actor.is_staff:
        raise errors.Forbidden(gettext("只有社工站可以调整积分。"))
    if user.is_staff:
        raise errors.Refused(gettext("只能调整居民的积分。"), field="phone")
    if not (reason or "").strip():
        raise errors.Refused(gettext("请写明调整原因。"), field="reason")
    if delta == 0 or abs(delta) > 100_000:
        raise errors.Refused(gettext("调整分数请填非零的整数（正数加分，负数减分）。"), field="delta")
    try:
        return _post(user.id, delta, EntryKind.ADJUSTED, actor=actor, reason=reason.strip())
    except errors.Refused:
        raise errors.Refused(gettext("减分后余额会小于零（现有 %(n)s 分）。", n=balance(user.id)),
                             field="delta") from None


# ---- the shop ------------------------------------------------------------------------------

def add_item(actor: User, *, organisation_id: int, name: str, points_price: int, stock: int,
             collect_at: str) -> ShopItem:
    if not _gives_for(actor, organisation_id):
        raise errors.Forbidden(gettext("只能为自己所在的组织捐赠兑换物品。"))
    if not 1 <= points_price <= 100_000:
        raise errors.Refused(gettext("所需积分请填 1 到 100000。"), field="points_price")
    if not 1 <= stock <= 10_000:
        raise errors.Refused(gettext("数量请填 1 到 10000。"), field="stock")
    item = ShopItem(organisation_id=organisation_id, name=name.strip(), points_price=points_price,
                    stock=stock, collect_at=collect_at.strip(), created_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="shop_item", subject_id=item.id,
                 action="shop_item", reason=item.name, details={"stock": stock,
                                                                "points_price": points_price})
    return item


def _gives_for(user: User, organisation_id: int) -> bool:
    return user.is_staff or db.session.scalar(select(OrganisationMember.user_id).where(
        OrganisationMember.organisation_id == organisation_id,
        OrganisationMember.user_id == user.id)) is not None


def prizes_on_offer() -> list[ShopItem]:
    """What the shop holds now (the resource list shows it beside the standing offers)."""
    return list(db.session.scalars(select(ShopItem).where(ShopItem.active.is_(True), ShopItem.stock > 0)
                                   .order_by(ShopItem.id.desc()).limit(50)))


def redeem(item: ShopItem, user: User) -> Redemption:
    """Spend points on one item: the stock and the balance each move by a conditional update,
    so parallel redemptions can neither overspend nor hand out more than there is."""
    if not user.is_authenticated or user.is_staff:
        raise errors.Forbidden(gettext("积分兑换只对居民开放。"))
    taken = db.session.execute(
        update(ShopItem).where(ShopItem.id == item.id, ShopItem.active.is_(True), ShopItem.stock > 0)
        .values(stock=ShopItem.stock - 1).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise errors.Refused(gettext("这件物品已经兑完了。"))
    _rate, days = street_rule()
    now = utcnow()
    redemption = Redemption(item_id=item.id, user_id=user.id, code=_unique_code(),
                            points=item.points_price, created_at=now,
                            expires_at=collect_by(now, days))
    db.session.add(redemption)
    db.session.flush()
    try:
        _post(user.id, -item.points_price, EntryKind.SPENT, actor=user, reason=item.name,
              redemption_id=redemption.id)
    except errors.Refused:
        raise errors.Refused(gettext("积分不够：兑换需要 %(p)s 分，您现有 %(n)s 分。",
                                     p=item.points_price, n=balance(user.id))) from None
    return redemption


def collect_by(now: datetime, days: int) -> datetime:
    """The end (UTC) of the street's local day `days` after today: a code never runs out in
    the middle of a night or an opening hour."""
    from flask_babel import to_user_timezone

    local_day = to_user_timezone(now).date() + timedelta(days=days)
    end = to_utc(datetime.combine(local_day + timedelta(days=1), datetime.min.time()))
    return end.replace(tzinfo=None)


def _unique_code() -> str:
    while True:
        code = _code(8)
        if db.session.scalar(select(Redemption.id).where(Redemption.code == code)) is None:
            return code


def may_hand_over(user: User | None) -> bool:
    """Station staff, and members of organisations that gave the shop something (their prizes
    may be collected at their counter)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or db.session.scalar(
        select(ShopItem.id).join(OrganisationMember,
                                 OrganisationMember.organisation_id == ShopItem.organisation_id)
        .where(OrganisationMember.user_id == user.id).limit(1)) is not None


def normalise_code(code: str | None) -> str:
    return (code or "").strip().upper().replace(" ", "").replace("-", "")


def find_code(actor: User, code: str | None) -> Redemption:
    """The redemption a code names, if this desk may hand it over."""
    if not may_hand_over(actor):
        raise errors.Forbidden(gettext("只有社工站或捐赠单位可以核销兑换码。"))
    redemption = db.session.scalar(select(Redemption).where(Redemption.code == normalise_code(code)))
    if redemption is None or not _gives_for(actor, redemption.item.organisation_id):
        raise errors.Refused(gettext("没有这个兑换码，请核对后再输。"), field="code")
    return redemption


def hand_over(actor: User, code: str) -> Redemption:
    """Station staff enter the resident's code and hand the item over, once."""
    redemption = find_code(actor, code)
    done = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id,
                                 Redemption.state == RedemptionState.PENDING.value,
                                 Redemption.expires_at > utcnow())
        .values(state=RedemptionState.HANDED.value, handed_at=utcnow(), handed_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(redemption)
    if done != 1:
        if redemption.state == RedemptionState.HANDED.value:
            raise errors.Refused(gettext("这个兑换码已经领取过了。"), field="code")
        raise errors.Refused(gettext("这个兑换码已过期，不能领取；积分会退回给居民。"), field="code")
    audit.record(actor_id=actor.id, subject_type="redemption", subject_id=redemption.id,
                 action="redemption_handed", from_state="pending", to_state="handed", public=False)
    return redemption


def expire(now: datetime) -> int:
    """The clock: redemptions nobody collected in time go back: points refunded, stock restored,
    each once (a conditional update claims it; a second tick finds nothing)."""
    due = list(db.session.scalars(select(Redemption.id).where(
        Redemption.state == RedemptionState.PENDING.value, Redemption.expires_at <= now)
        .order_by(Redemption.id).limit(500)))
    n = 0
    for redemption_id in due:
        claimed = db.session.execute(
            update(Redemption).where(Redemption.id == redemption_id,
                                     Redemption.state == RedemptionState.PENDING.value)
            .values(state=RedemptionState.EXPIRED.value)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue  # another node's tick took it
        r = db.session.get(Redemption, redemption_id)
        db.session.refresh(r)
        db.session.execute(update(ShopItem).where(ShopItem.id == r.item_id)
                           .values(stock=ShopItem.stock + 1)
                           .execution_options(synchronize_session=False))
        _post(r.user_id, r.points, EntryKind.REFUNDED, actor=None, reason=r.item.name,
              redemption_id=r.id)
        notifications.notify_users({r.user_id}, kind="redemption_expired", message=N_(
            "兑换的「%(i)s」逾期未领取，%(p)s 积分已退回。", i=r.item.name, p=r.points))
        n += 1
    return n
