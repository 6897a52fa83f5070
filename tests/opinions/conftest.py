"""Fixtures for the opinions tests: an accepted matter and a quick way to post through the service."""

from __future__ import annotations

import pytest

from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.opinions import services
from deliberation.opinions.models import Opinion


def set_state(matter: Matter, state: str) -> Matter:
    """Test set-up only: put a matter in a starting state (app code uses the workflow)."""
    from tests import factories

    factories.reach(matter, state)
    db.session.commit()
    return matter


@pytest.fixture
def matter(world) -> Matter:
    return set_state(world.matter(), "accepted")


def say(matter: Matter, user, text: str = "我支持尽快修好。", stance: str = "for",
        parent: Opinion | None = None) -> Opinion:
    opinion = services.post(matter, user, text=text, stance=None if parent else stance,
                            parent=parent)
    db.session.commit()
    return opinion


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)
