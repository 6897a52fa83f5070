"""Posting, editing and agreeing with opinions; the committee's summary; batched notifications.

Opinions are open on an accepted or scheduled matter until voting on it opens (`voting_open`).
Reading them (pages, partials, the export) goes through `listing.py`; moderation through
`moderation.py`. Services flush; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..core import audit, errors
from ..core.time import utcnow
from ..database import insert_once
from ..extensions import db
from ..matters import follows, spine
from ..matters.models import Matter
from ..matters.states import MatterState as S
from ..notifications import services as notifications
from ..notifications.messages import N_
from ..notifications.models import Notification
from .models import Opinion, OpinionAgree, OpinionSummary, Stance, Visibility

TEXT_MAX = 1000
SUMMARY_MAX = 3000
NOTIFY_KIND = "opinions_new"

# Opinions may be posted while the matter waits for its meeting.
OPEN_STATES = frozenset({S.ACCEPTED, S.SCHEDULED})
# A matter in one of these has been voted on, so voting opened at the latest when it got there.
VOTED_STATES = frozenset({S.ADOPTED, S.NOT_ADOPTED, S.IN_NOTICE, S.IN_PROGRESS, S.IN_EVALUATION,
                          S.RECTIFYING, S.CLOSED})
# The matter page shows the opinions section in these (before acceptance there are none).
SHOWN_STATES = OPEN_STATES | VOTED_STATES | {S.DEFERRED}

# Settings (app config keys) and their defaults; an instance config may change any of them.
DEFAULTS = {
    "OPINION_EDIT_MINUTES": 10,       # an author may edit this long after posting
    "OPINION_REPORT_THRESHOLD": 3,    # this many open reports hide an opinion pending review
    "OPINION_NOTIFY_MINUTES": 60,     # at most one "new opinions" notice per matter per person
    "OPINION_PAGE_SIZE": 20,
}


def setting(key: str) -> int:
    return int(current_app.config.get(key, DEFAULTS[key]))


class OpinionError(errors.ActionError):
    """A refused action; `str(error)` is a message for the user."""


class NotAllowed(OpinionError, errors.Forbidden):
    """This user may not do this (views answer 403)."""


class Refused(OpinionError, errors.Refused):
    """The matter's state or the input does not allow it (views show the message, 409/422)."""


# --- when opinions are open ------------------------------------------------------------------

def voting_open(matter: Matter) -> bool:
    """Has voting on this matter opened? Opinions close when it has.

    A matter past `scheduled` has been voted on; a scheduled matter closes its opinions as
    soon as the vote on its current agenda item opens in the meeting. An earlier scheduling
    that ended without a vote (deferred, not reached) or whose decision an upheld objection
    sent back does not close them.
    """
    return matter.status in VOTED_STATES or (
        matter.status == S.SCHEDULED and spine.fact("vote_opened")(matter.id))


def closed_reason(matter: Matter) -> str | None:
    """Why opinions on this matter are closed now, or None when they are open."""
    if voting_open(matter):
        return gettext("表决已经开始，意见征集已结束。")
    if matter.status not in OPEN_STATES:
        return gettext("议题列为议题后、表决开始前，居民可以发表意见。")
    return None


def post_problem(matter: Matter, user: User | None) -> str | None:
    """Why `user` cannot post on `matter` now (None: they can)."""
    closed = closed_reason(matter)
    if closed:
        return closed
    if not (user and user.is_authenticated):
        return gettext("登录后可以发表意见。")
    if not user.lives_in(matter.community):
        return gettext("只有本社区的居民可以对这个议题发表意见。")
    return None


def may_post(matter: Matter, user: User | None) -> bool:
    """The "comment" ability: a resident of the matter's community, while opinions are open."""
    return post_problem(matter, user) is None


def _check_open(matter: Matter, user: User) -> None:
    if not user.lives_in(matter.community):
        raise NotAllowed(gettext("只有本社区的居民可以对这个议题发表意见。"))
    closed = closed_reason(matter)
    if closed:
        raise Refused(closed)


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Refused(gettext("请写下您的意见。"))
    if len(text) > TEXT_MAX:
        raise Refused(gettext("意见不能超过 %(n)d 个字。", n=TEXT_MAX))
    return text


def _stance(value: str | None) -> str:
    if value not in Stance.values():
        raise Refused(gettext("请选择支持、反对或建议。"))
    return value


# --- posting, editing, agreeing ----------------------------------------------------------------

def post(matter: Matter, author: User, *, text: str, stance: str | None = None,
         parent: Opinion | None = None, photo_key: str | None = None) -> Opinion:
    """Post an opinion (with a stance) or, with `parent`, a reply to a top-level opinion."""
    _check_open(matter, author)
    text = _clean_text(text)
    if parent is not None:
        if parent.matter_id != matter.id or parent.is_reply:
            raise Refused(gettext("只能回复这个议题下的意见。"))
        if not parent.is_shown:
            raise Refused(gettext("这条意见已被隐藏，不能回复。"))
        stance, photo_key = None, None
    else:
        stance = _stance(stance)
    opinion = Opinion(matter_id=matter.id, author_id=author.id, parent_id=parent.id if parent else None,
                      stance=stance, text=text, photo_key=photo_key,
                      by_committee=author.sits_on_committee_of(matter.community_id),
                      created_at=utcnow())
    db.session.add(opinion)
    db.session.flush()
    notify_new(matter, opinion)
    return opinion


def edit_deadline(opinion: Opinion) -> datetime:
    return opinion.created_at + timedelta(minutes=setting("OPINION_EDIT_MINUTES"))


def can_edit(opinion: Opinion, matter: Matter, user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.id == opinion.author_id
                and opinion.is_shown and utcnow() <= edit_deadline(opinion)
                and closed_reason(matter) is None)


def edit(opinion: Opinion, matter: Matter, user: User, *, text: str,
         stance: str | None = None) -> None:
    if not (user.is_authenticated and user.id == opinion.author_id):
        raise NotAllowed(gettext("只能修改自己的意见。"))
    if not can_edit(opinion, matter, user):
        raise Refused(gettext("发表 %(n)d 分钟后不能再修改。", n=setting("OPINION_EDIT_MINUTES")))
    text = _clean_text(text)
    stance = None if opinion.is_reply else _stance(stance)
    previous = {"text": opinion.text, "stance": opinion.stance}
    if previous == {"text": text, "stance": stance}:
        return
    opinion.text, opinion.stance, opinion.edited_at = text, stance, utcnow()
    db.session.flush()
    # Kept privately so a moderator can see what an edit replaced.
    audit.record(actor_id=user.id, subject_type="opinion", subject_id=opinion.id, action="edit",
                 details={"matter": matter.id, "previous": previous}, public=False)


def agree_problem(opinion: Opinion, matter: Matter, user: User | None) -> str | None:
    if not (user and user.is_authenticated):
        return gettext("登录后可以赞同。")
    if not user.lives_in(matter.community):
        return gettext("只有本社区的居民可以赞同。")
    if opinion.is_reply:
        return gettext("只能赞同意见，不能赞同回复。")
    if user.id == opinion.author_id:
        return gettext("不能赞同自己的意见。")
    if not opinion.is_shown:
        return gettext("这条意见已被隐藏。")
    return closed_reason(matter)


def agree(opinion: Opinion, matter: Matter, user: User) -> bool:
    """Agree once; True if this call added the agree, False if it was already there."""
    if not user.lives_in(matter.community):
        raise NotAllowed(gettext("只有本社区的居民可以赞同。"))
    problem = agree_problem(opinion, matter, user)
    if problem:
        raise Refused(problem)
    added = insert_once(OpinionAgree, opinion_id=opinion.id, user_id=user.id, created_at=utcnow())
    if added:
        db.session.execute(update(Opinion).where(Opinion.id == opinion.id)
                           .values(agree_count=Opinion.agree_count + 1)
                           .execution_options(synchronize_session=False))
        db.session.refresh(opinion, ["agree_count"])
    return added


# --- counts and the committee's summary ----------------------------------------------------------

def counts(matter_id: int) -> dict[str, int]:
    """Shown top-level opinions per stance (hidden and held ones are not counted)."""
    rows = db.session.execute(
        select(Opinion.stance, func.count()).where(
            Opinion.matter_id == matter_id, Opinion.parent_id.is_(None),
            Opinion.visibility == Visibility.SHOWN.value)
        .group_by(Opinion.stance)).all()
    found = dict(rows)
    return {s.value: int(found.get(s.value, 0)) for s in Stance}


@dataclass(frozen=True)
class Digest:
    """What the meeting's agenda and minutes print: the summary and the stance counts."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)
    written_at: datetime | None = None
    written_by: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def stances(self) -> list[tuple[Stance, int]]:
        """Each stance with its count, in the stances' order (for / against / suggestion)."""
        return [(s, int(self.counts.get(s.value, 0))) for s in Stance]


def digests(matter_ids: list[int] | set[int]) -> dict[int, Digest]:
    """`summary_for` for many matters in two queries (an agenda, the minutes): every id gets a
    Digest, empty when the matter has neither a summary nor a shown opinion."""
    ids = sorted(set(matter_ids))
    if not ids:
        return {}
    counted: dict[int, dict[str, int]] = {i: {s.value: 0 for s in Stance} for i in ids}
    for matter_id, stance, n in db.session.execute(
            select(Opinion.matter_id, Opinion.stance, func.count()).where(
                Opinion.matter_id.in_(ids), Opinion.parent_id.is_(None),
                Opinion.visibility == Visibility.SHOWN.value)
            .group_by(Opinion.matter_id, Opinion.stance)):
        counted[matter_id][stance] = int(n)
    out = {i: Digest("", counted[i]) for i in ids}
    for summary, name in db.session.execute(
            select(OpinionSummary, User.display_name).join(User, User.id == OpinionSummary.author_id)
            .where(OpinionSummary.matter_id.in_(ids))):
        out[summary.matter_id] = Digest(summary.text, counted[summary.matter_id], summary.updated_at,
                                        name)
    return out


def summary_for(matter_id: int) -> Digest:
    """The committee's opinion summary (empty text when none) and the counts per stance.

    The meetings package shows these on the agenda (会前公示) and in the minutes, for all items
    at once through `digests`.
    """
    return digests([matter_id])[matter_id]


def summary_problem(matter: Matter, user: User | None) -> str | None:
    if not (user and user.is_authenticated and user.sits_on_committee_of(matter.community_id)):
        return gettext("只有本社区居委会成员可以撰写意见汇总。")
    if matter.status != S.SCHEDULED or voting_open(matter):
        return gettext("议题列入会议议程后、表决开始前可以撰写意见汇总。")
    return None


def write_summary(matter: Matter, user: User, text: str) -> OpinionSummary:
    if not (user.is_authenticated and user.sits_on_committee_of(matter.community_id)):
        raise NotAllowed(gettext("只有本社区居委会成员可以撰写意见汇总。"))
    problem = summary_problem(matter, user)
    if problem:
        raise Refused(problem)
    text = (text or "").strip()
    if not text:
        raise Refused(gettext("请写下意见汇总。"))
    if len(text) > SUMMARY_MAX:
        raise Refused(gettext("意见汇总不能超过 %(n)d 个字。", n=SUMMARY_MAX))
    now = utcnow()
    summary = db.session.scalar(select(OpinionSummary).where(OpinionSummary.matter_id == matter.id))
    first = summary is None
    if first:
        summary = OpinionSummary(matter_id=matter.id, text=text, author_id=user.id, created_at=now)
        db.session.add(summary)
    summary.text, summary.author_id, summary.updated_at = text, user.id, now
    db.session.flush()
    audit.record(actor_id=user.id, subject_type="matter", subject_id=matter.id,
                 action="opinion_summary", details={"counts": counts(matter.id), "first": first})
    return summary


# --- notifications, batched ----------------------------------------------------------------------

def notify_new(matter: Matter, opinion: Opinion) -> set[int]:
    """Tell the proposer and followers about new opinions, at most once per matter per period.

    Whoever already had such a notice for this matter within the period hears nothing now;
    the notice they have leads to the page where every newer opinion is.
    """
    recipients = follows.followers(matter) - {opinion.author_id}
    if not recipients:
        return set()
    since = utcnow() - timedelta(minutes=setting("OPINION_NOTIFY_MINUTES"))
    recent = set(db.session.scalars(
        select(Notification.user_id).where(
            Notification.matter_id == matter.id, Notification.kind == NOTIFY_KIND,
            Notification.user_id.in_(recipients), Notification.created_at > since)))
    due = recipients - recent
    if due:
        notifications.notify_users(due, kind=NOTIFY_KIND, matter=matter, message=N_(
            "有居民对这个议题发表了新的意见，去议题页看看大家怎么说。"))
    return due
