"""The meetings stage's answers about a matter: objecting during the resolution notice (异议)
and the committee deciding on objections."""

from __future__ import annotations

from ..matters.models import Matter
from . import objections


def register() -> None:
    Matter.register_ability("object", objections.may_object)
    Matter.register_ability("decide_objection", objections.may_decide)
