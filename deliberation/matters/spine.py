"""The spine's extension points: what the stages after screening plug into at app start.

`matters` knows nothing of meetings, tracking or opinions. Each of them calls the `register_*`
functions here from its `init_app`; `create_app` then calls `check_wiring()`, which fails the boot
when the transition table names a guard or an actor nobody registered. Registration is
idempotent (several apps in one process register the same functions) but refuses a second,
different function under a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..accounts.models import User
    from .models import Matter
    from .states import MatterState

Guard = Callable[["Matter"], "str | None"]        # why not now (a message), or None
ActorTest = Callable[["Matter", "User"], bool]     # is this user that actor for this matter?


@dataclass(frozen=True)
class ClockStep:
    """What the clock does to a matter in `state` once its window has ended."""

    due: Callable[[Matter], bool]
    move: Callable[[Matter], Any]


@dataclass(frozen=True)
class Section:
    """A block of the matter page owned by a stage. `context(matter, page)` gets the page's
    context (with what a refused form kept) and returns the partial's data, `section_data[name]`
    in the template, or None to leave the block out."""

    name: str
    order: int
    template: str
    context: Callable[[Matter, dict[str, Any]], Any] = field(compare=False)


GUARDS: dict[str, Guard] = {}
ACTOR_TESTS: dict[str, ActorTest] = {}
CLOCK_STEPS: dict[str, ClockStep] = {}
SECTIONS: dict[str, Section] = {}

# Questions about a matter that one stage answers for another, named here so that neither
# imports the other and the boot fails when nobody answers one.
FACT_NAMES = frozenset({
    "vote_opened",      # (matter_id) -> bool: has the vote on its current agenda item opened? (meetings)
    "opinion_digests",  # (matter_ids) -> {matter_id: Digest}: residents' opinions summed up (opinions)
    "work_phases",      # (matter_id) -> [(phase_id, label)]: the phases of its work plan (tracking)
    "volunteer_minutes",  # (matter_ids) -> {matter_id: minutes}: confirmed volunteer time (volunteers)
    "shop_prizes",      # () -> [ShopItem]: the points shop's prizes on offer (volunteers)
})
FACTS: dict[str, Callable[..., Any]] = {}


def _put(registry: dict, name: str, value: Any, what: str) -> None:
    known = registry.setdefault(name, value)
    if known is not value and known != value:
        raise RuntimeError(f"{what} {name!r} registered twice with different code")


def register_guard(name: str, guard: Guard) -> None:
    _put(GUARDS, name, guard, "guard")


def register_actor(actor: str, test: ActorTest) -> None:
    _put(ACTOR_TESTS, actor, test, "actor test")


def register_clock_step(state: MatterState, step: ClockStep) -> None:
    _put(CLOCK_STEPS, state.value, step, "clock step")


def register_section(section: Section) -> None:
    _put(SECTIONS, section.name, section, "matter-page section")


def register_fact(name: str, answer: Callable[..., Any]) -> None:
    if name not in FACT_NAMES:
        raise RuntimeError(f"fact {name!r} is not declared in spine.FACT_NAMES")
    _put(FACTS, name, answer, "fact")


def fact(name: str) -> Callable[..., Any]:
    """The registered answer to a declared question (check_wiring made sure there is one)."""
    return FACTS[name]


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.name))


def check_wiring() -> None:
    """Every actor of the table has a test and every declared guard is registered."""
    from .workflow import TRANSITIONS, Actor

    problems = [f"actor {a.value!r} has no test" for a in Actor
                if a is not Actor.SYSTEM and a.value not in ACTOR_TESTS]
    problems += [f"transition {t.name!r} needs guard {g!r}, which nobody registered"
                 for t in TRANSITIONS.values() for g in t.guards if g not in GUARDS]
    problems += [f"nobody answers the fact {name!r}" for name in sorted(FACT_NAMES - set(FACTS))]
    if problems:
        raise RuntimeError("the matter spine is not wired: " + "; ".join(problems))
