"""The opinions stage's answers about a matter (`Matter.can(action, user)`): posting an
online opinion (线上议事) and moderating them."""

from __future__ import annotations

from ..matters.models import Matter
from . import moderation, services


def register() -> None:
    Matter.register_ability("comment", services.may_post)
    Matter.register_ability("moderate", moderation.is_moderator)
