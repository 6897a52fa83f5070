"""Voting on one agenda item: open, cast (phones), count (show of hands), close, defer.

The window and the vote are checked and written in one transaction. On PostgreSQL a vote takes
a shared lock on the item row and closing takes an exclusive one, so a close waits for votes in
flight and every vote that arrives after it sees the item closed. On SQLite every writing
transaction begins with BEGIN IMMEDIATE, which already serialises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select, update

from ..core import audit
from ..core.time import utcnow
from ..database import dialect_insert
from ..extensions import db
from ..matters import workflow
from . import ballot_box, rules
from .models import (
    AgendaItem,
    Ballot,
    BallotCast,
    Choice,
    ItemState,
    Meeting,
    MeetingState,
    Method,
    Outcome,
    Recusal,
    Vote,
)
from .services import (
    Forbidden,
    MeetingError,
    bump,
    expected_ids,
    present_ids,
    rule_of,
)

if TYPE_CHECKING:
    from ..accounts.models import User


@dataclass(frozen=True)
class Count:
    yes: int
    no: int
    abstain: int
    ballots: int  # how many members have voted (phones) or the counted hands

    def as_dict(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


def item_bases(item: AgendaItem) -> rules.Bases:
    expected = set(expected_ids(item.meeting))
    present = present_ids(item.meeting) & expected
    recused = set(db.session.scalars(select(Recusal.user_id).where(Recusal.item_id == item.id)))
    recused &= expected
    return rules.bases(len(expected), len(present), len(recused), len(recused & present))


def count(item: AgendaItem) -> Count:
    """The running (or final) count. For a show of hands, what the recorder entered. A secret
    ballot has no running count (its ballots stay sealed until the close), only how many voted."""
    if item.method == Method.HANDS.value:
        yes, no, abstain = item.yes or 0, item.no or 0, item.abstain or 0
        return Count(yes, no, abstain, yes + no + abstain)
    if item.is_secret:
        ballots = db.session.scalar(select(func.count()).select_from(BallotCast)
                                    .where(BallotCast.item_id == item.id)) or 0
        rows = {"yes": item.yes or 0, "no": item.no or 0, "abstain": item.abstain or 0}
    else:
        rows = dict(db.session.execute(select(Vote.choice, func.count()).where(Vote.item_id == item.id)
                                       .group_by(Vote.choice)).all())
        ballots = sum(rows.values())
    return Count(rows.get("yes", 0), rows.get("no", 0), rows.get("abstain", 0), ballots)


def ballot_fingerprint(item: AgendaItem | None) -> str:
    """Changes whenever anyone votes or changes a vote on the item (cheap: one aggregate)."""
    if item is None or item.method == Method.HANDS.value:
        return "-"
    model = BallotCast if item.is_secret else Vote
    n, revisions = db.session.execute(
        select(func.count(), func.coalesce(func.sum(model.revision), 0)).where(model.item_id == item.id)
    ).one()
    return f"{n}.{revisions}"


def _lock(item_id: int, *, exclusive: bool) -> AgendaItem:
    """Re-read the item under a row lock (PostgreSQL; SQLite's write lock is already held)."""
    query = (select(AgendaItem).where(AgendaItem.id == item_id)
             .with_for_update(read=not exclusive).execution_options(populate_existing=True))
    return db.session.scalars(query).one()


def open_vote(item: AgendaItem, actor: User, *, ballot: str = Ballot.OPEN.value,
              method: str = Method.PHONES.value) -> rules.Bases:
    meeting = item.meeting
    if not meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以开始表决。"))
    if ballot not in Ballot.values() or method not in Method.values():
        raise MeetingError(gettext("请选择表决方式。"))
    if method == Method.HANDS.value and ballot == Ballot.SECRET.value:
        raise MeetingError(gettext("举手表决不能无记名，请选手机投票。"))
    item = _lock(item.id, exclusive=True)
    if item.state != ItemState.DEBATE.value:
        raise MeetingError(gettext("请先开始讨论这一项，讨论后再表决。"))
    b = item_bases(item)
    rule = rule_of(meeting)
    if not rules.has_quorum(rule, b):
        raise MeetingError(gettext(
            "未达到法定人数：本项应到 %(m)d 人，需到会 %(need)d 人，实到 %(p)d 人，不能开始表决。",
            m=b.members, need=rules.quorum_needed(rule, b.members), p=b.present))
    item.state, item.ballot, item.method, item.opened_at = ItemState.VOTING.value, ballot, method, utcnow()
    db.session.flush()
    bump(meeting)
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=item.matter_id,
                 action="vote_opened", details={"meeting_id": meeting.id, "ballot": ballot,
                                                "method": method, "members": b.members,
                                                "present": b.present})
    return b


def cast(item_id: int, user: User, choice: str, receipt: str | None = None) -> str | None:
    """A member's phone vote; changeable until the vote closes. Returns a secret ballot's new
    receipt (None for an open ballot).

    Open ballot: an upsert on (item, member). Secret ballot: see `ballot_box`; changing it
    needs the receipt that only the member's own phone holds.
    """
    if choice not in Choice.values():
        raise MeetingError(gettext("请选择同意、反对或弃权。"))
    item = _lock(item_id, exclusive=False)
    if item.state != ItemState.VOTING.value or item.method != Method.PHONES.value:
        raise MeetingError(gettext("表决没有开放（尚未开始或已经结束），这一票没有计入。"))
    if not item.can_vote(user):
        raise Forbidden(gettext("只有已签到、未回避的本会成员可以投票。"))
    if item.is_secret:
        return _cast_secret(item, user, choice, receipt)
    now = utcnow()
    stmt = dialect_insert(Vote).values(item_id=item.id, user_id=user.id, choice=choice, revision=1,
                               updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "user_id"],
        set_={"choice": stmt.excluded.choice, "revision": Vote.revision + 1, "updated_at": now})
    db.session.execute(stmt)
    return None


def _already_voted() -> MeetingError:
    return MeetingError(gettext("您已经投过票。无记名表决只能在投票的那台手机上修改。"))


def _cast_secret(item: AgendaItem, user: User, choice: str, receipt: str | None) -> str:
    if receipt is None:
        # The mark is the "only once" rule: an insert that does nothing when the member's row
        # exists, so parallel first votes wait for each other and all but one see it there.
        marked = db.session.execute(
            dialect_insert(BallotCast).values(item_id=item.id, user_id=user.id, revision=1)
            .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
            .returning(BallotCast.user_id)).scalar()
        if marked is None:
            raise _already_voted()
    else:
        # Changing: take back the ballot the receipt stands for (once: a second use finds it
        # gone), and always replace it, even by the same choice, so nothing shows a change.
        if not has_voted(item, user.id) or not ballot_box.take_back(item.id, receipt):
            raise _already_voted()
        db.session.execute(update(BallotCast).where(BallotCast.item_id == item.id,
                                                    BallotCast.user_id == user.id)
                           .values(revision=BallotCast.revision + 1)
                           .execution_options(synchronize_session=False))
    new_receipt = ballot_box.drop(item.id, choice)
    db.session.flush()
    return new_receipt


def my_vote(item: AgendaItem, user_id: int) -> str | None:
    """An open-ballot member's current choice (secret ballots have none to show)."""
    if item.is_secret:
        return None
    return db.session.scalar(select(Vote.choice).where(Vote.item_id == item.id, Vote.user_id == user_id))


def has_voted(item: AgendaItem, user_id: int) -> bool:
    model = BallotCast if item.is_secret else Vote
    return bool(db.session.scalar(select(func.count()).select_from(model).where(
        model.item_id == item.id, model.user_id == user_id)))


def enter_hands(item: AgendaItem, actor: User, *, yes: int, no: int, abstain: int) -> None:
    """The recorder enters the counts of a show of hands (may correct them until closing)."""
    if not item.meeting.can_record(actor):
        raise Forbidden(gettext("只有记录员可以录入举手票数。"))
    item = _lock(item.id, exclusive=True)
    if item.state != ItemState.VOTING.value or item.method != Method.HANDS.value:
        raise MeetingError(gettext("现在不是举手表决，不能录入票数。"))
    b = item_bases(item)
    try:
        rules.check_counts(b, yes, no, abstain)
    except rules.CountError as exc:
        raise MeetingError(gettext("票数有误：同意、反对、弃权合计 %(n)d，超过了本项到会可表决的 %(p)d 人。",
                                   n=yes + no + abstain, p=b.present)) from exc
    item.yes, item.no, item.abstain = yes, no, abstain
    db.session.flush()
    bump(item.meeting)
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=item.matter_id,
                 action="hands_counted", details={"yes": yes, "no": no, "abstain": abstain})


def close_vote(item: AgendaItem, actor: User) -> Outcome:
    """Close the vote, compute the outcome from the rule set, move the matter on."""
    meeting: Meeting = item.meeting
    if not meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以结束表决。"))
    item = _lock(item.id, exclusive=True)
    if item.state != ItemState.VOTING.value:
        raise MeetingError(gettext("这一项不在表决中。"))
    if item.method == Method.HANDS.value and item.yes is None:
        raise MeetingError(gettext("请记录员先录入举手表决的票数。"))
    c = count(item)
    b = item_bases(item)
    present = max(b.present, c.ballots)  # a voter marked absent after voting still counted
    b = rules.Bases(max(b.members, present), present)
    rule = rule_of(meeting)  # the meeting's snapshot, not the body's current rule
    # The quorum is the room's at the close, not at the opening: members may have left since.
    if not rules.has_quorum(rule, b):
        raise MeetingError(gettext(
            "现在不足法定人数：本项应到 %(m)d 人，需到会 %(need)d 人，现在实到 %(p)d 人，不能宣布表决结果。"
            "请离场的成员回到会场签到后再结束表决，或者搁置本项（已投的票作废，议题退回待议）。",
            m=b.members, need=rules.quorum_needed(rule, b.members), p=b.present))
    if item.is_secret:
        c = _open_box(item, c.ballots)
        ballot_box.reshuffle_voters(item.id)
    passed = rules.passes(rule, b, c.yes, c.no, c.abstain)
    outcome = Outcome.ADOPTED if passed else Outcome.NOT_ADOPTED
    now = utcnow()
    item.yes, item.no, item.abstain = c.yes, c.no, c.abstain
    item.members_base, item.present_base = b.members, b.present
    item.state, item.outcome, item.closed_at = ItemState.CLOSED.value, outcome.value, now
    db.session.flush()
    bump(meeting)
    counts = {**c.as_dict(), "members": b.members, "present": b.present, "rule": rule.key,
              "rule_params": rules.params_of(rule)}
    if passed:
        workflow.adopt(item.matter, actor, meeting=meeting, vote_id=item.id, counts=counts)
        workflow.open_notice(item.matter, actor)
    else:
        workflow.not_adopt(item.matter, actor, meeting=meeting, vote_id=item.id, counts=counts)
    return outcome


def _open_box(item: AgendaItem, voters: int) -> Count:
    try:
        counts = ballot_box.open_and_empty(item.id)
    except ballot_box.BoxError as exc:
        raise MeetingError(gettext(
            "无记名票箱与投票名单对不上，不能计票。请管理员确认服务器密钥（SECRET_KEY）在表决中没有更换。"
        )) from exc
    return Count(counts["yes"], counts["no"], counts["abstain"], voters)


def defer_item(item: AgendaItem, actor: User, *, reason: str = "") -> None:
    """搁置: the item is closed without a vote and the matter goes back to the queue. Once
    members have voted, only when the room has lost its quorum (the votes are then void)."""
    if not item.meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以搁置议程。"))
    item = _lock(item.id, exclusive=True)
    if item.state == ItemState.CLOSED.value:
        raise MeetingError(gettext("这一项已经表决，不能搁置。"))
    if item.meeting.state == MeetingState.ENDED.value:
        raise MeetingError(gettext("会议已经结束。"))
    if (item.state == ItemState.VOTING.value and has_any_vote(item)
            and rules.has_quorum(rule_of(item.meeting), item_bases(item))):
        raise MeetingError(gettext("已经有人投票，请结束表决而不是搁置。"))
    if item.is_secret:
        ballot_box.empty(item.id)
    item.state, item.outcome, item.closed_at = ItemState.CLOSED.value, Outcome.DEFERRED.value, utcnow()
    item.yes = item.no = item.abstain = None
    db.session.flush()
    bump(item.meeting)
    workflow.defer(item.matter, actor, reason=reason or gettext("会议决定搁置，退回待议。"))


def has_any_vote(item: AgendaItem) -> bool:
    if item.method == Method.HANDS.value:
        return item.yes is not None
    return ballot_fingerprint(item) != "0.0"


def vote_opened_on(matter_id: int) -> bool:
    """Has voting opened on the matter's current scheduling? Opinions close then.

    Only the matter's latest agenda item counts: an item deferred (搁置, also when a meeting
    ended before reaching it) was closed without a vote, and an earlier decision that an
    upheld objection sent back belongs to a past scheduling. Voting has opened when that
    item is in voting or was closed by a vote.
    """
    row = db.session.execute(
        select(AgendaItem.state, AgendaItem.outcome).where(AgendaItem.matter_id == matter_id)
        .order_by(AgendaItem.id.desc()).limit(1)).first()
    if row is None:
        return False
    state, outcome = row
    return state == ItemState.VOTING.value or (
        state == ItemState.CLOSED.value and outcome != Outcome.DEFERRED.value)
