"""Template helpers about matters: state labels and who did a step of the trail."""

from __future__ import annotations

from flask_babel import gettext
from flask_login import current_user

from .states import MatterState
from .support import public_name

# Steps a resident takes as a private person: the public sees a masked name (as for co-signers
# and opinion authors); the committee, the station and the resident see it in full.
RESIDENT_ACTIONS = frozenset({"objection"})


def state_label(value: str) -> str:
    try:
        return MatterState(value).label
    except ValueError:
        return value


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
        return public_name(name)
    return name
