"""The tracking stage's answers about a matter (`Matter.can(action, user)`): dispatching,
pledging, reporting progress, supervising, rating, and staff deciding a round nobody rated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..matters.models import Matter
from ..matters.states import MatterState
from . import evaluation, reports, resources
from .assignment import may_assign
from .models import WORKING

if TYPE_CHECKING:
    from ..accounts.models import User

SUPERVISED = WORKING | {MatterState.IN_EVALUATION}


def _staff(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


def may_supervise(matter: Matter, user: User | None) -> bool:
    """Station staff chase (督办) matters being carried out, rectified or evaluated."""
    return _staff(user) and matter.status in SUPERVISED


def may_decide_evaluation(matter: Matter, user: User | None) -> bool:
    """Station staff decide (close or rectify) a round nobody rated."""
    return _staff(user) and evaluation.awaits_staff(matter)


def register() -> None:
    Matter.register_ability("assign", may_assign)
    Matter.register_ability("pledge", resources.may_pledge)
    Matter.register_ability("report_progress", reports.may_report)
    Matter.register_ability("supervise", may_supervise)
    Matter.register_ability("rate", evaluation.may_rate)
    Matter.register_ability("decide_evaluation", may_decide_evaluation)
