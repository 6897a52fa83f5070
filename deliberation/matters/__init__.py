"""Matters: filing, co-signing, screening, and the spine every later stage plugs into."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..core import clock
    from . import abilities, templating, workflow  # noqa: F401  (workflow registers its rules)

    abilities.register()
    clock.register(clock.Job("matters", 10, _tick, "{n} matter(s) moved on."))

    app.jinja_env.globals.update(state_label=templating.state_label,
                                 actor_name=templating.actor_name)


def _tick(now) -> int:
    from . import workflow

    return workflow.tick()
