"""A plan of one phase or nine; every plan mistake on the first answer; dates in a sane range.

Meetings, due dates, phase dates and spending dates outside 2000..2100 are refused next to
their field with a Chinese message, and what was typed stays in the form.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.meetings import services as meetings
from deliberation.meetings.models import Meeting
from deliberation.tracking import reports
from deliberation.tracking.models import PhaseKey, Spending

from .conftest import assign, put_in
from .test_loop import assign_form

RANGE = "请填写 2000 年到 2100 年之间的日期"


def _bare_form(world, **phases) -> dict:
    due = utcnow().date() + timedelta(days=20)
    data = {"organisation_id": world.extra["org"].id, "lead_id": world.extra["worker"].id,
            "budget": "50", "due_on": due.isoformat()}
    data.update({f"phase_{k}": v for k, v in phases.items()})
    return data


def test_a_light_bulb_needs_one_phase(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    day = (utcnow().date() + timedelta(days=3)).isoformat()
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign",
                                      _bare_form(tworld, organise=day))
    assert r.status_code == 302, r.get_data(as_text=True)
    phases = reports.assignment_of(matter.id).phases
    assert [(p.key, p.due_on.isoformat()) for p in phases] == [("organise", day)]
    page = login(tworld.staff).get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "组织实施" in page and "调研" not in page


def test_a_plan_needs_at_least_one_phase(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign", _bare_form(tworld))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "请至少为一个阶段填写完成日期" in page
    assert 'value="50"' in page  # the budget typed stays
    assert reports.assignment_of(matter.id) is None


def test_a_shorter_plan_drops_phases_not_yet_done(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    a = assign(matter, tworld)
    assert len(a.phases) == len(PhaseKey)
    day = (utcnow().date() + timedelta(days=5)).isoformat()
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign",
                                      _bare_form(tworld, research=day, organise=day))
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert [p.key for p in reports.assignment_of(matter.id).phases] == ["research", "organise"]


def test_a_done_phase_cannot_be_dropped(tworld, login):
    from deliberation.tracking import assignment

    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    a = assign(matter, tworld)
    assignment.complete_phase(a.phases[0], matter, tworld.extra["worker"])
    db.session.commit()
    day = (utcnow().date() + timedelta(days=5)).isoformat()
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign",
                                      _bare_form(tworld, organise=day))
    assert r.status_code == 422
    assert "已完成的阶段不能从计划中去掉：调研" in r.get_data(as_text=True)
    db.session.expire_all()
    assert len(reports.assignment_of(matter.id).phases) == len(PhaseKey)


def test_phase_date_errors_show_on_the_first_answer_with_the_others(tworld, login):
    """A bad budget and a phase after the due date: both on the same answer, each at its
    field, with the typed dates kept (before, the phase error came only on the next submit)."""
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    data = assign_form(tworld)
    late = (utcnow().date() + timedelta(days=99)).isoformat()
    data.update(budget="十块", phase_research=late)
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "请填写金额（元）" in page
    assert 'id="phase_research-error">阶段日期不能晚于完成期限' in page
    assert f'value="{late}"' in page and 'value="十块"' in page


@pytest.mark.parametrize("bad", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_due_and_phase_dates_out_of_range(tworld, login, bad):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    data = _bare_form(tworld, organise=(utcnow().date() + timedelta(days=2)).isoformat())
    data["due_on"] = bad
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="due_on-error">' + RANGE in page and f'value="{bad}"' in page
    data = _bare_form(tworld, organise=bad)
    r = login(tworld.staff).post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422
    assert 'id="phase_organise-error">' + RANGE in r.get_data(as_text=True)
    assert reports.assignment_of(matter.id) is None


@pytest.mark.parametrize("bad", ["0001-01-01", "1900-05-01"])
def test_spending_date_out_of_range(tworld, login, bad):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld)
    r = login(tworld.extra["worker"]).post_form(f"/tracking/{matter.id}/spending", {
        "amount": "12", "what": "灯泡", "spent_on": bad})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="spent_on-error">' + RANGE in page and f'value="{bad}"' in page
    assert 'value="灯泡"' in page
    assert db.session.scalar(select(func.count()).select_from(Spending)) == 0


def _meeting_form(world, starts_at: str) -> dict:
    return {"body_ids": str(world.committee_a.id), "title": "六月议事会", "starts_at": starts_at,
            "minutes_planned": "90", "place": "活动中心", "mode": "in_person",
            "chair_id": str(world.chair_a.id), "recorder_id": str(world.recorder_a.id),
            "speaker_seconds": "120", "max_turns": "2"}


@pytest.mark.parametrize("bad", ["0001-01-01T00:30", "9999-12-31T23:30", "2101-01-01T09:00"])
def test_meeting_time_out_of_range(world, login, bad):
    r = login(world.chair_a).post_form("/meetings/new", _meeting_form(world, bad))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="starts_at-error">' + RANGE in page and f'value="{bad}"' in page
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_meeting_service_refuses_out_of_range_times(world):
    with pytest.raises(meetings.MeetingError, match="2000 年到 2100 年"):
        meetings.create_meeting(
            world.chair_a, body_ids=[world.committee_a.id], title="议事会",
            starts_at=datetime(9999, 12, 31, 20, 0), place="", mode="in_person",
            chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
