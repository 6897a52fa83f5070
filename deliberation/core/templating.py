"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, gettext
from flask_login import current_user


def localtime(value: datetime | None) -> str:
    """Stored naive UTC → the street's local time (Asia/Shanghai by default)."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def state_label(value: str) -> str:
    from ..matters.states import MatterState

    try:
        return MatterState(value).label
    except ValueError:
        return value


# Steps a resident takes as a private person: the public sees a masked name (as for co-signers
# and opinion authors); the committee, the station and the resident see it in full.
RESIDENT_ACTIONS = frozenset({"objection"})


def actor_name(entry, matter) -> str:
    """Who did it, without ever revealing a hidden proposer to those who may not see them."""
    if entry.actor_id is None:
        return gettext("系统")
    is_proposer = entry.actor_id == matter.proposer_id
    if is_proposer and not matter.can_see_proposer(current_user):
        return matter.public_proposer_name()
    name = entry.actor.display_name if entry.actor else gettext("用户")
    own = current_user.is_authenticated and current_user.id == entry.actor_id
    if entry.action in RESIDENT_ACTIONS and not (is_proposer or own or matter.is_overseen_by(current_user)):
        from ..matters.support import public_name

        return public_name(name)
    return name


def init_app(app: Flask) -> None:
    from ..matters.workflow import action_label

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals.update(action_label=action_label, state_label=state_label,
                                 actor_name=actor_name)
