"""The residents' evaluation (评议 / 满意度测评), its outcome, and crossing the matter off (销号).

The outcome rule is DOMAIN.md's published local rule: "satisfied" if 满意 is more than half of
the ratings; "basically satisfied" if 满意 + 基本满意 is more than half; otherwise "not
satisfied", which sends the matter to rectification with the residents' comments attached.

No ratings is not a verdict (it used to read as 不满意 and could send a matter round and round
rectification for ever): a window that ends with fewer than MIN_RATINGS ratings is extended
once, by the street's evaluation days; if it ends again without them the round is recorded as
无人评议 and station staff decide, with a reason, to close the matter or send it to
rectification. The evaluation section publishes this policy.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import verification
from ..core import audit, errors
from ..core.time import localtime, utcnow
from ..extensions import db
from ..matters import follows, workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_, text
from .models import Choice, Evaluation, Outcome, Rating

if TYPE_CHECKING:
    from ..accounts.models import User

PASSED = frozenset({Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED})
# Fewer ratings than this at the end of a window: extend once, then staff decide.
MIN_RATINGS = 1


def outcome_of(satisfied: int, basically: int, not_satisfied: int) -> Outcome:
    """The published rule, as a pure function. "More than half" is strict: 2 of 4 is not."""
    total = satisfied + basically + not_satisfied
    if 2 * satisfied > total:
        return Outcome.SATISFIED
    if 2 * (satisfied + basically) > total:
        return Outcome.BASICALLY_SATISFIED
    return Outcome.NOT_SATISFIED


def latest_round(matter_id: int) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.matter_id == matter_id)
                             .order_by(Evaluation.round.desc()).limit(1))


def current_round(matter: Matter) -> Evaluation | None:
    """The round belonging to the matter's present stay in evaluation, if it has one yet."""
    if matter.status != MatterState.IN_EVALUATION:
        return None
    latest = latest_round(matter.id)
    if latest is not None and latest.opened_at >= matter.state_changed_at:
        return latest
    return None


def concluded_rounds(matter_id: int) -> list[Evaluation]:
    return list(db.session.scalars(select(Evaluation).where(
        Evaluation.matter_id == matter_id, Evaluation.outcome.is_not(None)).order_by(Evaluation.round)))


def open_round(matter: Matter) -> Evaluation:
    """Start the round for the matter's present evaluation window (idempotent)."""
    existing = current_round(matter)
    if existing is not None:
        return existing
    latest = latest_round(matter.id)
    ev = Evaluation(matter_id=matter.id, round=(latest.round + 1) if latest else 1,
                    opened_at=matter.state_changed_at, ends_at=matter.window_ends_at)
    db.session.add(ev)
    db.session.flush()
    return ev


def window_open(matter: Matter) -> bool:
    return (matter.status == MatterState.IN_EVALUATION and matter.window_ends_at is not None
            and utcnow() < matter.window_ends_at)


def rating_of(matter: Matter, user: User | None) -> Rating | None:
    ev = current_round(matter)
    return ev.rating_by(user) if ev is not None else None


def may_rate(matter: Matter, user: User | None) -> bool:
    """The "rate" ability (`matter.can("rate", user)`): the current round's answer; before the
    first rating opens the round, the same rule asked of the matter's window."""
    ev = current_round(matter)
    if ev is not None:
        return ev.can_rate(user)
    return (window_open(matter) and user is not None and user.is_authenticated
            and user.lives_in(matter.community_id)
            and verification.problem(user, matter.community, "rate") is None)


def rate(matter: Matter, user: User, *, choice: str, comment: str = "") -> Rating:
    """One rating per resident of the matter's community per round, only while the window runs."""
    if not user.lives_in(matter.community_id):
        raise errors.Forbidden(gettext("只有本社区的居民可以评议这件事。"))
    if not window_open(matter):
        raise errors.Refused(gettext("现在不在评议期内，不能评议。"))
    if unverified := verification.problem(user, matter.community, "rate"):
        raise errors.Refused(unverified)
    ev = open_round(matter)
    rating = Rating(evaluation_id=ev.id, user_id=user.id, choice=Choice(choice).value,
                    comment=comment.strip(), created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError as exc:
        raise errors.Refused(gettext("您已经评议过了，每人只能评一次。")) from exc
    return rating


def counts(evaluation_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Rating.choice, func.count()).where(
        Rating.evaluation_id == evaluation_id).group_by(Rating.choice)).all()
    found = dict(rows)
    return {c.value: int(found.get(c.value, 0)) for c in Choice}


def needs_conclusion(matter: Matter) -> bool:
    """In evaluation, window over, and this round's outcome not yet recorded."""
    if matter.status != MatterState.IN_EVALUATION or window_open(matter):
        return False
    ev = current_round(matter)
    return ev is None or ev.outcome is None


def extend(matter: Matter, ev: Evaluation) -> None:
    """The window ended without ratings: the clock gives the residents one more window."""
    from ..directory.models import Street

    now = utcnow()
    street = db.session.get(Street, matter.community.street_id)
    until = now + timedelta(days=street.evaluation_days)
    # Compare-and-set on the window, so two ticks at once extend it only once.
    result = db.session.execute(
        update(Matter).where(Matter.id == matter.id, Matter.state == MatterState.IN_EVALUATION.value,
                             Matter.window_ends_at == matter.window_ends_at)
        .values(window_ends_at=until, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(matter)
        raise errors.Refused(gettext("此议题的状态刚刚被他人更改，请刷新后再试。"))
    db.session.refresh(matter)
    ev.ends_at, ev.extended_at = until, now
    db.session.flush()
    entry = audit.record(actor_id=None, subject_type="matter", subject_id=matter.id,
                         action="evaluation_extended",
                         reason=gettext("评议期内无人评议，评议期自动延长到 %(end)s。",
                                        end=localtime(until)),
                         details={"round": ev.round, "until": until.isoformat()})
    follows.notify_followers(matter, entry)


def conclude(matter: Matter) -> Outcome | None:
    """Record the outcome of an ended window (the clock's actor); rectify when not satisfied.
    Too few ratings: extend the window once (None), then record 无人评议 for staff to decide."""
    ev = open_round(matter)
    n = counts(ev.id)
    if sum(n.values()) < MIN_RATINGS:
        if ev.extended_at is None:
            extend(matter, ev)
            return None
        outcome = Outcome.NO_RATINGS
    else:
        outcome = outcome_of(n["satisfied"], n["basically_satisfied"], n["not_satisfied"])
    ev.satisfied, ev.basically_satisfied, ev.not_satisfied = (
        n["satisfied"], n["basically_satisfied"], n["not_satisfied"])
    ev.outcome, ev.concluded_at = outcome.value, utcnow()
    db.session.flush()
    entry = audit.record(actor_id=None, subject_type="matter", subject_id=matter.id,
                         action="evaluation_result", reason=str(outcome.label),
                         details={"round": ev.round, "outcome": outcome.value, "counts": n})
    follows.notify_followers(matter, entry)
    if outcome == Outcome.NO_RATINGS:
        from ..accounts.models import Role, User

        staff = set(db.session.scalars(select(User.id).where(
            User.role == Role.STAFF.value, User.active.is_(True))))
        notifications.notify_users(
            staff - follows.followers(matter), kind="evaluation_result", matter=matter,
            entry=entry, message=gettext("「%(t)s」两个评议期都无人评议，请说明理由后决定销号或整改。",
                                         t=matter.title))
    if outcome == Outcome.NOT_SATISFIED:
        comments = list(db.session.scalars(
            select(Rating.comment).where(Rating.evaluation_id == ev.id, Rating.comment != "")
            .order_by(Rating.id)))
        reason = gettext("评议结果：不满意（满意 %(s)d，基本满意 %(b)d，不满意 %(n)d）。",
                         s=n["satisfied"], b=n["basically_satisfied"], n=n["not_satisfied"])
        if comments:
            reason += "\n" + gettext("居民意见：") + "\n" + "\n".join(f"· {c}" for c in comments)
        rectify_entry = workflow.rectify(matter, reason=reason)
        notice = [N_("评议结果：不满意（满意 %(s)d，基本满意 %(b)d，不满意 %(n)d）。",
                     s=n["satisfied"], b=n["basically_satisfied"], n=n["not_satisfied"])]
        if comments:
            notice += [N_("居民意见："), text("\n".join(f"· {c}" for c in comments))]
        from .assignment import responsible_user_ids

        others = responsible_user_ids(matter) - follows.followers(matter)
        notifications.notify_users(others, kind="rectify", message=notice, matter=matter,
                                   entry=rectify_entry)
    return outcome


def close_problem(matter: Matter) -> str | None:
    """Why the matter may not be crossed off yet (the workflow's guard on `close`)."""
    ev = current_round(matter)
    if ev is None or ev.outcome is None:
        return gettext("评议结果尚未产生，评议期结束后才能销号。")
    if ev.outcome_enum not in PASSED | {Outcome.NO_RATINGS}:
        return gettext("评议结果为不满意，需要整改后重新评议。")
    return None


def rectify_problem(matter: Matter) -> str | None:
    """Why the matter may not go to rectification (the workflow's guard on `rectify`)."""
    ev = current_round(matter)
    if ev is None or ev.outcome is None:
        return gettext("评议结果尚未产生，评议期结束后才能决定整改。")
    if ev.outcome_enum in PASSED:
        return gettext("评议结果为「%(o)s」，不需要整改。", o=ev.outcome_enum.label)
    return None


def awaits_staff(matter: Matter) -> bool:
    """Nobody rated in the window nor in its extension: staff decide, close or rectify."""
    ev = current_round(matter)
    return ev is not None and ev.outcome == Outcome.NO_RATINGS.value


def decide_unrated(matter: Matter, actor: User, *, decision: str, reason: str) -> audit.AuditEntry:
    """Staff's decision on a round nobody rated, with a reason that is published."""
    if not actor.is_staff:
        raise errors.Forbidden(gettext("只有社工站工作人员可以作出决定。"))
    if not awaits_staff(matter):
        raise errors.Refused(gettext("只有无人评议的议题才由工作人员决定销号或整改。"))
    if not reason.strip():
        raise errors.Refused(gettext("请写明作出这个决定的理由。"))
    if decision == "close":
        return close(matter, actor, summary=reason)
    if decision != "rectify":
        raise errors.Refused(gettext("请选择销号或整改。"))
    entry = workflow.rectify(matter, actor, reason=reason)
    from .assignment import responsible_user_ids

    others = responsible_user_ids(matter) - follows.followers(matter) - {actor.id}
    notifications.notify_users(others, kind="rectify", message=reason.strip(), matter=matter,
                               entry=entry)
    return entry


def close(matter: Matter, actor: User, *, summary: str) -> audit.AuditEntry:
    """Cross the matter off (销号) with a published result summary (结果公示)."""
    if workflow.due_for_tick(matter):
        workflow.tick_one(matter)
    entry = workflow.close(matter, actor, reason=summary)
    from .assignment import responsible_user_ids

    others = responsible_user_ids(matter) - follows.followers(matter) - {actor.id}
    notifications.notify_users(others, kind="close", message=summary.strip(), matter=matter,
                               entry=entry)
    return entry
