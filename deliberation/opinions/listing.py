"""Reading opinions: one page of them with their replies, as a given viewer may see them.

A page costs the same few queries however many opinions the matter has: the page's top-level
opinions (keyset, with their authors), their replies, and the viewer's agrees and reports.
Every page, partial and the export build their rows here, so what a hidden opinion shows (the
committee's reason, never its text) is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import and_, or_, select

from ..accounts.models import User
from ..core.inputs import MAX_ID
from ..extensions import db
from ..matters.models import Matter
from ..matters.support import public_name
from . import services
from .models import Opinion, OpinionAgree, OpinionReport, Visibility

SORTS = ("new", "top")


class BadCursor(ValueError):
    """A page cursor that does not parse (views answer 400)."""


@dataclass
class Entry:
    opinion: Opinion
    author: str
    proposer: bool = False      # the proposer badge (never for a hidden proposer to the public)
    committee: bool = False
    text_shown: bool = True
    own: bool = False
    notice: str = ""            # what stands in for the text when it is not public
    agreed: bool = False
    reported: bool = False
    can_agree: bool = False
    can_edit: bool = False
    can_reply: bool = False
    can_report: bool = False
    replies: list[Entry] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.opinion.id

    @property
    def public_text(self) -> str:
        """The text if shown to this viewer, else the notice (what exports and partials print)."""
        return self.opinion.text if self.text_shown else self.notice


@dataclass
class Page:
    entries: list[Entry]
    sort: str
    next_cursor: str | None


class Viewer:
    """Who is looking, asked once per page (so no question costs a query per opinion)."""

    def __init__(self, matter: Matter, user: User | None):
        self.user = user if user is not None and user.is_authenticated else None
        self.id = self.user.id if self.user else None
        self.insider = bool(self.user and (self.user.is_staff
                                           or self.user.sits_on_committee_of(matter.community_id)))
        self.moderator = bool(self.user and self.user.sits_on_committee_of(matter.community_id))
        self.sees_proposer = matter.can_see_proposer(user)
        self.resident = bool(self.user and self.user.lives_in(matter.community))
        self.closed = services.closed_reason(matter) is not None


def notice_for(opinion: Opinion) -> str:
    if opinion.visibility == Visibility.HIDDEN.value:
        return gettext("此意见已被居委会隐藏：%(reason)s", reason=opinion.hidden_reason)
    if opinion.visibility == Visibility.PENDING.value:
        return gettext("此意见被多位居民举报，暂时隐藏，等待居委会审核。")
    return ""


def may_see_text(opinion: Opinion, user: User | None, matter: Matter) -> bool:
    """Shown opinions to all; hidden or held ones to their author and the committee only."""
    if opinion.is_shown:
        return True
    return bool(user and user.is_authenticated and (
        user.id == opinion.author_id or user.sits_on_committee_of(matter.community_id)))


def _entry(opinion: Opinion, name: str, matter: Matter, v: Viewer, agreed: set[int],
           reported: set[int]) -> Entry:
    own = v.id == opinion.author_id
    # The page shows a non-public opinion's text to its author only (moderators read it in the
    # queue), so the page a committee member sees is the page the public sees.
    shown = opinion.is_shown or own
    is_proposer = opinion.author_id == matter.proposer_id and v.sees_proposer
    # The proposer's name is on the matter page already (unless hidden, when `is_proposer`
    # is false for the public): their opinions carry the same full name, not a masked one.
    full_name = v.insider or own or opinion.by_committee or (is_proposer and not matter.hide_name)
    top = opinion.parent_id is None
    can_act = v.resident and not v.closed and opinion.is_shown
    return Entry(
        opinion=opinion, author=name if full_name else public_name(name), proposer=is_proposer,
        committee=opinion.by_committee, text_shown=shown, own=own, notice=notice_for(opinion),
        agreed=opinion.id in agreed, reported=opinion.id in reported,
        can_agree=can_act and top and not own and opinion.id not in agreed,
        can_edit=own and services.can_edit(opinion, matter, v.user),
        can_reply=can_act and top,
        can_report=bool(v.user) and not own and opinion.is_shown and opinion.id not in reported,
    )


def _cursor(opinion: Opinion, sort: str) -> str:
    key = opinion.agree_count if sort == "top" else opinion.created_at.isoformat()
    return f"{key}~{opinion.id}"


def _after(query, sort: str, cursor: str):
    try:
        raw_key, raw_id = cursor.rsplit("~", 1)
        last_id = int(raw_id)
        key = int(raw_key) if sort == "top" else datetime.fromisoformat(raw_key)
        if not (0 <= last_id <= MAX_ID and (sort != "top" or 0 <= key <= MAX_ID)):
            raise ValueError(cursor)  # beyond any 64-bit column: the driver would raise
    except (ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc
    column = Opinion.agree_count if sort == "top" else Opinion.created_at
    return query.where(or_(column < key, and_(column == key, Opinion.id < last_id)))


def page(matter: Matter, user: User | None, *, sort: str = "new", after: str | None = None,
         per_page: int | None = None) -> Page:
    """One page of top-level opinions (newest or most agreed first) with all their replies."""
    sort = sort if sort in SORTS else "new"
    per_page = per_page or services.setting("OPINION_PAGE_SIZE")
    query = (select(Opinion, User.display_name).join(User, User.id == Opinion.author_id)
             .where(Opinion.matter_id == matter.id, Opinion.parent_id.is_(None)))
    if after:
        query = _after(query, sort, after)
    first = Opinion.agree_count.desc() if sort == "top" else Opinion.created_at.desc()
    rows = db.session.execute(query.order_by(first, Opinion.id.desc()).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    ids = [o.id for o, _name in rows]
    replies = db.session.execute(
        select(Opinion, User.display_name).join(User, User.id == Opinion.author_id)
        .where(Opinion.parent_id.in_(ids)).order_by(Opinion.created_at, Opinion.id)
    ).all() if ids else []
    v = Viewer(matter, user)
    agreed, reported = _mine(v.id, ids + [o.id for o, _n in replies])
    entries = [_entry(o, name, matter, v, agreed, reported) for o, name in rows]
    by_id = {e.id: e for e in entries}
    for o, name in replies:
        by_id[o.parent_id].replies.append(_entry(o, name, matter, v, agreed, reported))
    return Page(entries, sort, _cursor(rows[-1][0], sort) if more else None)


def _mine(user_id: int | None, ids: list[int]) -> tuple[set[int], set[int]]:
    if user_id is None or not ids:
        return set(), set()
    agreed = set(db.session.scalars(select(OpinionAgree.opinion_id).where(
        OpinionAgree.user_id == user_id, OpinionAgree.opinion_id.in_(ids))))
    reported = set(db.session.scalars(select(OpinionReport.opinion_id).where(
        OpinionReport.reporter_id == user_id, OpinionReport.opinion_id.in_(ids))))
    return agreed, reported


def one(opinion: Opinion, matter: Matter, user: User | None) -> Entry:
    """A single opinion's entry (the agree button's partial), without its replies."""
    name = db.session.scalar(select(User.display_name).where(User.id == opinion.author_id))
    v = Viewer(matter, user)
    agreed, reported = _mine(v.id, [opinion.id])
    return _entry(opinion, name or "", matter, v, agreed, reported)


def everything(matter: Matter, user: User | None, batch: int = 500):
    """Every top-level opinion with its replies, oldest page last (for the export)."""
    cursor = None
    while True:
        p = page(matter, user, sort="new", after=cursor, per_page=batch)
        yield from p.entries
        if p.next_cursor is None:
            return
        cursor = p.next_cursor
