"""Jobs of the periodic tick (`flask tick`, from cron or a systemd timer), filled at app start.

Each package registers what the clock does for it; the tick runs them in order, each in its
own transaction, and reports what each did. A job is `run(now) -> int` (how many things it
moved or sent) and must be safe to run twice and on several nodes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Job:
    name: str
    order: int
    run: Callable[[datetime], int] = field(compare=False)
    summary: str = "{n}"   # how the tick reports it, e.g. "{n} matter(s) moved on."


JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    known = JOBS.setdefault(job.name, job)
    if known != job or known.run is not job.run and getattr(known.run, "__qualname__", None) != \
            getattr(job.run, "__qualname__", None):
        raise RuntimeError(f"clock job {job.name!r} registered twice with different code")


def jobs() -> list[Job]:
    return sorted(JOBS.values(), key=lambda j: (j.order, j.name))
