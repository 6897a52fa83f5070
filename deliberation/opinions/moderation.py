"""Keeping the conversation civil, in the open: reports, the committee's queue, hide, dismiss.

Any signed-in resident may report an opinion once. Enough open reports hold it pending review.
Committee members of the matter's community hide it with a reason (the public sees the reason,
never the text, and the author is told) or dismiss the reports. Nobody moderates their own
opinion. Every step is in the audit log; the public steps are on the matter's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..core import audit
from ..core.time import utcnow
from ..database import insert_once
from ..directory.models import Body, BodyKind, Membership
from ..extensions import db
from ..matters.models import Matter
from ..notifications import services as notifications
from ..notifications.messages import N_
from .models import Opinion, OpinionReport, ReportReason, Resolution, Visibility
from .services import NotAllowed, Refused, setting

NOTE_MAX = 200
REPORTED_KIND = "opinion_reported"  # the committee hears of reports, one unread notice per matter


def is_moderator(matter: Matter, user: User | None) -> bool:
    """The "moderate" ability: the committee of the matter's community."""
    return bool(user and user.is_authenticated and user.sits_on_committee_of(matter.community_id))


def can_moderate(opinion: Opinion, matter: Matter, user: User | None) -> bool:
    return is_moderator(matter, user) and user.id != opinion.author_id


def _check_moderator(opinion: Opinion, matter: Matter, user: User) -> None:
    if not is_moderator(matter, user):
        raise NotAllowed(gettext("只有本社区居委会成员可以处理举报。"))
    if user.id == opinion.author_id:
        raise NotAllowed(gettext("不能处理自己发表的意见，请其他委员处理。"))


def _open_reports(opinion_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(OpinionReport).where(
        OpinionReport.opinion_id == opinion_id, OpinionReport.resolved_at.is_(None))) or 0


def report_problem(opinion: Opinion, user: User | None) -> str | None:
    if not (user and user.is_authenticated):
        return gettext("登录后可以举报。")
    if user.id == opinion.author_id:
        return gettext("不能举报自己的意见。")
    if not opinion.is_shown:
        return gettext("这条意见已在审核中或已被隐藏。")
    return None


def report(opinion: Opinion, matter: Matter, reporter: User, reason: str) -> bool:
    """Report once; True when this call added the report. Enough reports hold the opinion."""
    problem = report_problem(opinion, reporter)
    if problem:
        raise Refused(problem)
    if reason not in ReportReason.values():
        raise Refused(gettext("请选择举报理由。"))
    added = insert_once(OpinionReport, opinion_id=opinion.id, reporter_id=reporter.id, reason=reason,
                        created_at=utcnow())
    if not added:
        return False
    audit.record(actor_id=reporter.id, subject_type="opinion", subject_id=opinion.id,
                 action="report", details={"matter": matter.id, "reason": reason}, public=False)
    count = _open_reports(opinion.id)
    notifications.notify_committee(
        matter, kind=REPORTED_KIND, exclude={reporter.id},
        message=N_("「%(t)s」下有居民意见被举报，请到意见审核处理。", t=matter.title))
    if count >= setting("OPINION_REPORT_THRESHOLD"):
        _hold(opinion, matter, count)
    return True


def _hold(opinion: Opinion, matter: Matter, count: int) -> None:
    held = db.session.execute(
        update(Opinion).where(Opinion.id == opinion.id,
                              Opinion.visibility == Visibility.SHOWN.value)
        .values(visibility=Visibility.PENDING.value)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(opinion)
    if held != 1:
        return
    entry = audit.record(
        actor_id=None, subject_type="matter", subject_id=matter.id, action="opinion_held",
        reason=gettext("一条意见被 %(n)d 位居民举报，暂时隐藏，等待居委会审核。", n=count),
        details={"opinion": opinion.id, "reports": count})
    notifications.notify_users({opinion.author_id}, kind="opinion_held", matter=matter, entry=entry,
                               message=N_("您的一条意见被多位居民举报，暂时隐藏，居委会审核后会告诉您结果。"))


def hide(opinion: Opinion, matter: Matter, moderator: User, *, reason: str,
         note: str = "") -> audit.AuditEntry:
    _check_moderator(opinion, matter, moderator)
    if opinion.visibility == Visibility.HIDDEN.value:
        raise Refused(gettext("这条意见已经隐藏了。"))
    if reason not in ReportReason.values():
        raise Refused(gettext("请选择隐藏的理由。"))
    note = (note or "").strip()[:NOTE_MAX]
    label = str(ReportReason(reason).label)
    public_reason = f"{label}（{note}）" if note else label
    now = utcnow()
    opinion.visibility, opinion.hidden_reason = Visibility.HIDDEN.value, public_reason
    opinion.moderated_by_id, opinion.moderated_at = moderator.id, now
    n = _resolve(opinion, moderator, Resolution.HIDDEN, now)
    entry = audit.record(actor_id=moderator.id, subject_type="matter", subject_id=matter.id,
                         action="opinion_hidden", reason=public_reason,
                         details={"opinion": opinion.id, "reports": n})
    notifications.notify_users({opinion.author_id}, kind="opinion_hidden", matter=matter,
                               entry=entry, message=N_(
                                   "您的一条意见已被居委会隐藏，理由：%(reason)s", reason=public_reason))
    return entry


def dismiss(opinion: Opinion, matter: Matter, moderator: User) -> audit.AuditEntry:
    """The reports do not hold: close them; an opinion held by them is shown again."""
    _check_moderator(opinion, matter, moderator)
    held = opinion.visibility == Visibility.PENDING.value
    now = utcnow()
    n = _resolve(opinion, moderator, Resolution.DISMISSED, now)
    if n == 0 and not held:
        raise Refused(gettext("这条意见没有待处理的举报。"))
    if held:
        opinion.visibility = Visibility.SHOWN.value
        opinion.moderated_by_id, opinion.moderated_at = moderator.id, now
        db.session.flush()
    entry = audit.record(actor_id=moderator.id, subject_type="matter", subject_id=matter.id,
                         action="opinion_reports_dismissed", details={"opinion": opinion.id,
                                                                      "reports": n},
                         public=held)
    if held:
        notifications.notify_users({opinion.author_id}, kind="opinion_restored", matter=matter,
                                   entry=entry, message=N_("居委会审核后，您的意见已恢复显示。"))
    return entry


def _resolve(opinion: Opinion, moderator: User, resolution: Resolution, now) -> int:
    n = db.session.execute(
        update(OpinionReport).where(OpinionReport.opinion_id == opinion.id,
                                    OpinionReport.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution.value, resolved_by_id=moderator.id)
        .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return n or 0


# --- the queue -----------------------------------------------------------------------------------

@dataclass
class QueueItem:
    opinion: Opinion
    matter: Matter
    author: str
    reports: int
    reasons: dict[str, int]
    own: bool


def committee_communities(user: User) -> list[int]:
    return sorted(set(db.session.scalars(
        select(Body.community_id).join(Membership, Membership.body_id == Body.id)
        .where(Membership.user_id == user.id, Body.kind == BodyKind.COMMITTEE.value))))


def queue(user: User, limit: int = 100) -> list[QueueItem]:
    """Opinions with open reports (or held pending review) in the user's committees' communities,
    the longest-waiting first."""
    communities = committee_communities(user)
    if not communities:
        return []
    waiting = (select(OpinionReport.opinion_id, func.count().label("n"),
                      func.min(OpinionReport.created_at).label("since"))
               .where(OpinionReport.resolved_at.is_(None)).group_by(OpinionReport.opinion_id)
               .subquery())
    rows = db.session.execute(
        select(Opinion, Matter, User.display_name, func.coalesce(waiting.c.n, 0))
        .join(Matter, Matter.id == Opinion.matter_id)
        .join(User, User.id == Opinion.author_id)
        .outerjoin(waiting, waiting.c.opinion_id == Opinion.id)
        .where(Matter.community_id.in_(communities),
               (waiting.c.n > 0) | (Opinion.visibility == Visibility.PENDING.value))
        .order_by(waiting.c.since, Opinion.id).limit(limit)).all()
    ids = [o.id for o, *_rest in rows]
    reasons: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for opinion_id, reason, n in db.session.execute(
                select(OpinionReport.opinion_id, OpinionReport.reason, func.count())
                .where(OpinionReport.opinion_id.in_(ids), OpinionReport.resolved_at.is_(None))
                .group_by(OpinionReport.opinion_id, OpinionReport.reason)):
            reasons[opinion_id][reason] = n
    return [QueueItem(o, m, name, int(n), reasons[o.id], o.author_id == user.id)
            for o, m, name, n in rows]
