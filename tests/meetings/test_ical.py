"""Issue 15 item 25 (iCal): written with icalendar, with SEQUENCE, STATUS and a UID unique to
the installation; moving the meeting bumps SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from deliberation.extensions import db
from deliberation.meetings import minutes, services
from deliberation.meetings.models import Meeting

from .conftest import accepted_matter


def _event(client, meeting_id: int) -> icalendar.Event:
    r = client.get(f"/meetings/{meeting_id}/meeting.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(r.data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_ical_parses_with_the_fields_right(world, client, meeting_of, app):
    matter = accepted_matter(world)
    meeting = meeting_of(matter, start=False)
    event = _event(client, meeting.id)
    assert event["SUMMARY"] == "幸福社区议事会"
    assert event.decoded("DTSTART") == datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    assert event["LOCATION"] == "社区活动中心"
    assert matter.title in str(event["DESCRIPTION"])
    assert event["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    uid = str(event["UID"])
    assert uid == f"meeting-{meeting.id}@{minutes.installation_id()}"
    assert uid != f"meeting-{meeting.id}@yishiyiyi"  # the same string in every installation


def test_the_uid_differs_between_installations(app):
    with app.test_request_context():
        ours = minutes.installation_id()
        app.config["SECRET_KEY"], saved = "another-installation-secret", app.config["SECRET_KEY"]
        try:
            theirs = minutes.installation_id()
            app.config["INSTALLATION_ID"] = "jiedao-42"
            configured = minutes.installation_id()
        finally:
            app.config["SECRET_KEY"] = saved
            app.config.pop("INSTALLATION_ID", None)
    assert ours != theirs and configured == "jiedao-42"
    assert "test-secret-key" not in ours


def test_moving_the_meeting_bumps_sequence(world, client, meeting_of):
    meeting = meeting_of(accepted_matter(world), start=False)
    assert services.reschedule(meeting, world.chair_a, starts_at=datetime(2026, 6, 2, 1, 0),
                               place="社区活动中心二楼")
    db.session.commit()
    event = _event(client, meeting.id)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
    assert event["LOCATION"] == "社区活动中心二楼"
    # Unchanged: no bump. Started: refused.
    assert not services.reschedule(meeting, world.chair_a, starts_at=datetime(2026, 6, 2, 1, 0),
                                   place="社区活动中心二楼")
    services.start(meeting, world.chair_a)
    with pytest.raises(services.MeetingError):
        services.reschedule(meeting, world.chair_a, starts_at=datetime(2026, 6, 3, 1, 0), place="x")
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).sequence == 1
    with pytest.raises(services.Forbidden):
        services.reschedule(meeting, world.member_a, starts_at=datetime(2026, 6, 3, 1, 0), place="x")
