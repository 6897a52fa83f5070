"""The invariant "adopted implies a recorded vote" is the database's: a decided matter refers
to the agenda item whose vote decided it, a scheduled one to its item (foreign key + CHECK)."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import Matter
from deliberation.matters.states import MatterState

from .conftest import accepted_matter


def test_adopt_with_a_vote_that_does_not_exist_is_refused_by_the_database(world, meeting_of):
    matter = accepted_matter(world)
    meeting = meeting_of(matter)
    assert matter.status == MatterState.SCHEDULED and matter.agenda_item_id is not None
    with pytest.raises(workflow.Refused):
        workflow.adopt(matter, world.chair_a, meeting=meeting, vote_id=424242)
    db.session.rollback()
    assert db.session.get(Matter, matter.id).status == MatterState.SCHEDULED


def test_adopt_with_another_matters_item_is_refused(world, meeting_of):
    lamp, bench = accepted_matter(world), accepted_matter(world, title="小区长椅坏了")
    meeting = meeting_of(lamp, bench)
    with pytest.raises(workflow.Refused):
        workflow.adopt(lamp, world.chair_a, meeting=meeting, vote_id=bench.agenda_item_id)
    db.session.rollback()
    assert db.session.get(Matter, lamp.id).decided_by_item_id is None


def test_schedule_on_a_meeting_the_matter_is_not_on_is_refused(world, meeting_of):
    other = meeting_of(accepted_matter(world, title="别的议题"))
    matter = accepted_matter(world)
    with pytest.raises(workflow.Refused):
        workflow.schedule(matter, world.chair_a, meeting=other)
    db.session.rollback()
    assert db.session.get(Matter, matter.id).status == MatterState.ACCEPTED


@pytest.mark.parametrize("state", ["adopted", "in_notice", "closed"])
def test_a_raw_update_to_a_decided_state_without_its_item_is_refused(world, state):
    matter = accepted_matter(world)
    with pytest.raises(IntegrityError):
        db.session.execute(update(Matter).where(Matter.id == matter.id).values(state=state))
        db.session.flush()
    db.session.rollback()


def test_a_raw_update_to_scheduled_without_an_item_is_refused(world):
    matter = accepted_matter(world)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE matter SET state = 'scheduled' WHERE id = :id"),
                           {"id": matter.id})
        db.session.flush()
    db.session.rollback()
