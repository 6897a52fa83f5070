"""Tracking: assignment, progress, resources, evaluation and 销号 of adopted matters."""

from __future__ import annotations

from flask import Flask

LABELS = {
    "assign": "社工站派单",
    "reassign": "调整派单",
    "phase_done": "完成一个阶段",
    "pledge": "认捐资源",
    "pledge_fulfilled": "认捐资源已到位",
    "progress_report": "报告进展",
    "spending": "记一笔支出",
    "supervise": "社工站督办",
    "evaluation_result": "评议结果",
    "evaluation_extended": "无人评议，评议期自动延长一次",
}


def init_app(app: Flask) -> None:
    """Plug the stage into the spine: who implements, when a matter may close or be rectified,
    and what the clock does once an evaluation window ends."""
    from . import abilities

    abilities.register()
    from ..core import labels
    from ..matters import spine
    from ..matters.states import MatterState
    from . import assignment, evaluation

    spine.register_actor("implementer", assignment.implements)
    spine.register_guard("evaluation_passed", evaluation.close_problem)
    spine.register_guard("may_rectify", evaluation.rectify_problem)
    spine.register_clock_step(MatterState.IN_EVALUATION, spine.ClockStep(
        due=evaluation.needs_conclusion, move=evaluation.conclude))
    spine.register_fact("work_phases", _work_phases)
    labels.register(LABELS)
    spine.register_section(spine.Section("tracking", 30, "tracking/_matter_section.html", _section))


def _section(matter, page: dict):
    from .blueprint import tracking_section

    return tracking_section(matter)


def _work_phases(matter_id: int) -> list[tuple[int, str]]:
    from .assignment import assignment_of

    a = assignment_of(matter_id)
    return [(p.id, str(p.phase.label)) for p in a.phases] if a is not None else []
