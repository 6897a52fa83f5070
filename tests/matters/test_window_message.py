"""A refusal that names when a window ends says it in the street's local time, not UTC."""

from __future__ import annotations

from datetime import datetime

from deliberation.core import time as clock
from deliberation.matters import workflow


def test_window_end_is_told_in_beijing_time(world):
    matter = world.matter()
    matter.window_ends_at = datetime(2026, 6, 1, 1, 0)  # UTC
    clock.freeze(datetime(2026, 5, 30))
    try:
        problem = workflow.guard_problem(workflow.TRANSITIONS["rectify"], matter)
    finally:
        clock.freeze(None)
    assert "2026-06-01 09:00" in problem
