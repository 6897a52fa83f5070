"""What a user may do to a matter, as `Matter.can(action, user)` answers it: every workflow
transition by its name, and the abilities the matters package owns. Other packages register
theirs the same way from their own `abilities.register()`; `create_app` calls each once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import services, support, workflow
from .models import Matter

if TYPE_CHECKING:
    from ..accounts.models import User


def _transition(name: str) -> Callable[[Matter, User | None], bool]:
    def answer(matter: Matter, user: User | None) -> bool:
        return workflow.allowed(matter, name, user)

    answer.__name__ = f"can_{name}"
    return answer


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated)


def register() -> None:
    for name in workflow.TRANSITIONS:
        Matter.register_ability(name, _transition(name))
    Matter.register_ability("screen", lambda m, u: m.can_screen(u))
    Matter.register_ability("edit", services.may_edit)
    Matter.register_ability("cosign", lambda m, u: support.cosign_problem(m, u) is None)
    Matter.register_ability("follow", lambda m, u: _signed_in(u))
    Matter.register_ability("note", lambda m, u: m.is_overseen_by(u))
