"""The residents' evaluation (评议 / 满意度测评), its outcome, and crossing the matter off (销号).

The outcome rule is DOMAIN.md's published local rule: "satisfied" if 满意 is more than half of
the ratings; "basically satisfied" if 满意 + 基本满意 is more than half; otherwise "not
satisfied", which sends the matter to rectification with the residents' comments attached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from ..matters import workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_, text
from .models import Choice, Evaluation, Outcome, Rating

if TYPE_CHECKING:
    from ..accounts.models import User

PASSED = frozenset({Outcome.SATISFIED, Outcome.BASICALLY_SATISFIED})


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


def is_resident_of(matter: Matter, user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.community_id == matter.community_id)


def rating_of(matter: Matter, user: User | None) -> Rating | None:
    ev = current_round(matter)
    if ev is None or not (user and user.is_authenticated):
        return None
    return db.session.scalar(select(Rating).where(Rating.evaluation_id == ev.id,
                                                  Rating.user_id == user.id))


def can_rate(matter: Matter, user: User | None) -> bool:
    return window_open(matter) and is_resident_of(matter, user) and rating_of(matter, user) is None


def rate(matter: Matter, user: User, *, choice: str, comment: str = "") -> Rating:
    """One rating per resident of the matter's community per round, only while the window runs."""
    if not is_resident_of(matter, user):
        raise workflow.NotAllowed(gettext("只有本社区的居民可以评议这件事。"))
    if not window_open(matter):
        raise workflow.Refused(gettext("现在不在评议期内，不能评议。"))
    ev = open_round(matter)
    rating = Rating(evaluation_id=ev.id, user_id=user.id, choice=Choice(choice).value,
                    comment=comment.strip(), created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError as exc:
        raise workflow.Refused(gettext("您已经评议过了，每人只能评一次。")) from exc
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


def conclude(matter: Matter) -> Outcome:
    """Record the outcome of an ended window (the clock's actor); rectify when not satisfied."""
    ev = open_round(matter)
    n = counts(ev.id)
    outcome = outcome_of(n["satisfied"], n["basically_satisfied"], n["not_satisfied"])
    ev.satisfied, ev.basically_satisfied, ev.not_satisfied = (
        n["satisfied"], n["basically_satisfied"], n["not_satisfied"])
    ev.outcome, ev.concluded_at = outcome.value, utcnow()
    db.session.flush()
    entry = audit.record(actor_id=None, subject_type="matter", subject_id=matter.id,
                         action="evaluation_result", reason=str(outcome.label),
                         details={"round": ev.round, "outcome": outcome.value, "counts": n})
    notifications.notify_followers(matter, entry)
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

        others = responsible_user_ids(matter) - notifications.followers(matter)
        notifications.notify_users(others, kind="rectify", message=notice, matter=matter,
                                   entry=rectify_entry)
    return outcome


def close_problem(matter: Matter) -> str | None:
    """Why the matter may not be crossed off yet (the workflow's guard on `close`)."""
    ev = current_round(matter)
    if ev is None or ev.outcome is None:
        return gettext("评议结果尚未产生，评议期结束后才能销号。")
    if ev.outcome_enum not in PASSED:
        return gettext("评议结果为不满意，需要整改后重新评议。")
    return None


def close(matter: Matter, actor: User, *, summary: str) -> audit.AuditEntry:
    """Cross the matter off (销号) with a published result summary (结果公示)."""
    if workflow.due_for_tick(matter):
        workflow.tick_one(matter)
    entry = workflow.close(matter, actor, reason=summary)
    from .assignment import responsible_user_ids

    others = responsible_user_ids(matter) - notifications.followers(matter) - {actor.id}
    notifications.notify_users(others, kind="close", message=summary.strip(), matter=matter,
                               entry=entry)
    return entry
