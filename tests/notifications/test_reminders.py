"""Reminders by the clock: the tick (run twice, as cron would) queues each reminder once per
person per window, to the right people only."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from deliberation import reminders
from deliberation.core import time as clock
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters import follows
from deliberation.matters.states import MatterState
from deliberation.meetings import services as meetings
from deliberation.notifications.models import Notification
from deliberation.reminders import ReminderSent
from deliberation.tracking import evaluation
from tests import factories

START = datetime(2026, 6, 1, 2, 0)  # 10:00 street time


def _tick(app) -> str:
    out = app.test_cli_runner().invoke(args=["tick"])
    assert out.exit_code == 0, out.output
    return out.output


def _reminded(kind: str) -> Counter:
    """user id -> how many reminders of that kind they got."""
    return Counter(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == f"reminder_{kind}")))


def _meeting(world, starts_at=START):
    meeting = meetings.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会", starts_at=starts_at,
        place="社区活动中心", mode="in_person", chair_id=world.chair_a.id,
        recorder_id=world.recorder_a.id, rule_preset=None)
    db.session.commit()
    return meeting


def _in(matter, state: MatterState, ends_at: datetime):
    factories.reach(matter, state)
    matter.state_changed_at = utcnow()
    matter.decided_at = utcnow()
    matter.window_ends_at = ends_at
    db.session.commit()
    return matter


def test_meeting_members_are_reminded_a_day_and_an_hour_before_once_each(world, app):
    meeting = _meeting(world)
    members = {world.chair_a.id, world.recorder_a.id, world.member_a.id}
    clock.freeze(START - timedelta(days=2))
    _tick(app)
    assert not _reminded("meeting_day")  # too early

    clock.freeze(START - timedelta(hours=20))
    assert "3 reminder(s) queued" in _tick(app)
    assert "0 reminder(s) queued" in _tick(app)
    assert _reminded("meeting_day") == Counter(dict.fromkeys(members, 1))
    assert not _reminded("meeting_hour")

    clock.freeze(START - timedelta(minutes=50))
    _tick(app)
    _tick(app)
    assert _reminded("meeting_hour") == Counter(dict.fromkeys(members, 1))
    assert _reminded("meeting_day") == Counter(dict.fromkeys(members, 1))
    # Not on committee A: nothing.
    for outsider in (world.chair_b, world.resident_a, world.council_member, world.staff):
        assert outsider.id not in _reminded("meeting_hour")
    note = db.session.scalar(select(Notification).where(Notification.kind == "reminder_meeting_hour",
                                                        Notification.user_id == world.member_a.id))
    assert "幸福社区议事会" in note.message and "2026-06-01 10:00" in note.message

    clock.freeze(START + timedelta(minutes=5))  # it has begun: no more reminders
    assert "0 reminder(s) queued" in _tick(app)
    assert meeting.id


def test_a_meeting_moved_to_another_day_is_a_new_window(world, app):
    meeting = _meeting(world)
    clock.freeze(START - timedelta(hours=20))
    _tick(app)
    meeting = db.session.get(type(meeting), meeting.id)
    meeting.starts_at = START + timedelta(days=1)
    db.session.commit()
    _tick(app)  # the new time is more than a day away
    assert _reminded("meeting_day")[world.member_a.id] == 1
    clock.freeze(START + timedelta(hours=4))
    _tick(app)
    _tick(app)
    assert _reminded("meeting_day")[world.member_a.id] == 2


def test_the_committee_hears_two_days_before_the_first_answer_target(world, app):
    clock.freeze(datetime(2026, 5, 1, 2, 0))
    matter = world.matter()
    answered = world.matter(title="垃圾桶满了")
    answered = db.session.get(type(answered), answered.id)
    answered.first_answer_at = utcnow()
    matter_b = world.matter(proposer=world.resident_b, title="和平社区的路灯")
    db.session.commit()
    due = matter.created_at + timedelta(days=world.street.first_answer_days)

    clock.freeze(due - timedelta(days=3))
    assert "0 reminder(s) queued" in _tick(app)
    clock.freeze(due - timedelta(days=2) + timedelta(minutes=1))
    _tick(app)
    _tick(app)
    committee_a = {world.chair_a.id, world.recorder_a.id, world.member_a.id}
    got = db.session.execute(select(Notification.user_id, Notification.matter_id).where(
        Notification.kind == "reminder_first_answer")).all()
    # Each committee hears of its own community's matter, once; nobody of the answered one.
    assert sorted(got) == sorted([(u, matter.id) for u in committee_a] + [(world.chair_b.id, matter_b.id)])
    assert answered.id not in {m for _u, m in got}
    clock.freeze(due - timedelta(days=1))
    assert "0 reminder(s) queued" in _tick(app)
    # Overdue: the window has passed, no reminder for a matter screened late.
    clock.freeze(due + timedelta(hours=1))
    assert "0 reminder(s) queued" in _tick(app)


def test_residents_who_have_not_rated_hear_a_day_before_the_evaluation_closes(world, app):
    matter = _in(world.matter(), MatterState.IN_EVALUATION, utcnow() + timedelta(days=7))
    evaluation.rate(matter, world.resident_a2, choice="satisfied")
    db.session.commit()
    residents_a = set(db.session.scalars(select(factories.User.id).where(
        factories.User.community_id == world.a.id)))

    clock.freeze(matter.window_ends_at - timedelta(days=2))
    assert "0 reminder(s) queued" in _tick(app)
    clock.freeze(matter.window_ends_at - timedelta(hours=12))
    _tick(app)
    _tick(app)
    got = _reminded("evaluation")
    assert set(got) == residents_a - {world.resident_a2.id}
    assert set(got.values()) == {1}
    assert world.resident_a2.id not in got  # already rated
    assert world.resident_b.id not in got and world.staff.id not in got


def test_only_verified_residents_are_reminded_where_only_they_may_rate(world, app):
    world.street.verified_only = True
    resident = db.session.get(factories.User, world.resident_a.id)
    resident.verified_at = utcnow()
    db.session.commit()
    matter = _in(world.matter(), MatterState.IN_EVALUATION, utcnow() + timedelta(hours=10))
    _tick(app)
    assert set(_reminded("evaluation")) == {world.resident_a.id}
    assert matter.id


def test_followers_hear_a_day_before_the_resolution_notice_ends(world, app):
    matter = _in(world.matter(), MatterState.IN_NOTICE, utcnow() + timedelta(days=5))
    follows.follow(matter, world.resident_b.id)
    db.session.commit()

    clock.freeze(matter.window_ends_at - timedelta(days=1, minutes=5))
    assert "0 reminder(s) queued" in _tick(app)
    clock.freeze(matter.window_ends_at - timedelta(hours=23))
    _tick(app)
    _tick(app)
    assert _reminded("notice") == Counter({world.resident_a.id: 1, world.resident_b.id: 1})
    assert world.resident_a2.id not in _reminded("notice")  # not following


def test_a_reminder_claimed_by_a_parallel_tick_is_not_queued_again(world, app):
    """Two ticks at once: the unique row is the claim; whoever inserts second queues nothing."""
    matter = _in(world.matter(), MatterState.IN_NOTICE, utcnow() + timedelta(hours=5))
    db.session.add(ReminderSent(kind="notice", subject_id=matter.id,
                                window_key=matter.window_ends_at.isoformat(),
                                user_id=world.resident_a.id))
    db.session.commit()
    assert reminders.run(utcnow()) == 0
    db.session.commit()
    assert not _reminded("notice")


def test_reminders_are_read_in_the_readers_language(world, login, app):
    user = db.session.get(factories.User, world.resident_a.id)
    user.locale = "en"
    matter = _in(world.matter(), MatterState.IN_NOTICE, utcnow() + timedelta(hours=5))
    db.session.commit()
    _tick(app)
    page = login(world.resident_a).get("/notifications/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Reminder" in html and matter.title in html
