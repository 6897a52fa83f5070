"""The outbox and the delivery engine: a screening decision reaches its proposer by SMS
(console provider) and email (a real SMTP server), once; quiet hours hold SMS; parallel workers
send each row once; permanent refusals fail for good, transient ones retry with backoff."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.notifications import delivery, preferences
from deliberation.notifications.models import Delivery, Notification, SmsConsoleMessage


def _opt_in(user, email="wang@example.cn", **kw):
    user.phone_verified_at = clock.utcnow()
    preferences.save(user, email=email, sms=kw.get("sms", {"matters"}),
                     email_groups=kw.get("email_groups", {"matters"}), digest=kw.get("digest", False))
    db.session.commit()


def _states(user=None):
    query = select(Delivery.channel, Delivery.state)
    if user is not None:
        query = query.where(Delivery.user_id == user.id)
    return dict(db.session.execute(query).all())


def test_a_screening_decision_reaches_the_proposer_by_sms_and_email_once(world, inbox, daytime):
    _opt_in(world.resident_a)
    matter = world.matter()
    workflow.reject(matter, world.chair_a, reason="不属于社区事务")
    db.session.commit()
    # Written with the notice, nothing sent yet (no web request sends).
    assert _states(world.resident_a) == {"sms": "pending", "email": "pending"}
    assert inbox.messages == [] and db.session.scalar(select(func.count(SmsConsoleMessage.id))) == 0

    assert delivery.deliver_due(daytime) == 2  # the committee members have no address: suppressed
    assert delivery.deliver_due(daytime + timedelta(hours=1)) == 0  # a second cycle sends nothing
    assert _states(world.resident_a) == {"sms": "sent", "email": "sent"}
    [sms] = db.session.scalars(select(SmsConsoleMessage)).all()
    assert sms.phone == world.resident_a.phone and "不属于社区事务" in sms.text
    assert matter.title[:20] in sms.text
    [mail] = inbox.messages
    assert mail["To"].addresses[0].addr_spec == "wang@example.cn"
    assert "初审：不予受理" in mail.get_body(("plain",)).get_content()
    assert "不属于社区事务" in mail.get_body(("html",)).get_content()
    assert mail["List-Unsubscribe"].startswith("<http") and "One-Click" in mail["List-Unsubscribe-Post"]
    db.session.expire_all()
    row = db.session.scalar(select(Delivery).where(Delivery.channel == "email",
                                                   Delivery.user_id == world.resident_a.id))
    assert row.provider_message_id == mail["Message-ID"] and row.attempts == 1


def test_the_message_is_in_the_readers_language(world, inbox, daytime):
    world.resident_a.locale = "en"
    _opt_in(world.resident_a)
    workflow.reject(world.matter(), world.chair_a, reason="不属于社区事务")
    db.session.commit()
    delivery.deliver_due(daytime)
    [mail] = inbox.messages
    body = mail.get_body(("plain",)).get_content()
    assert "View details: http" in body and "Unsubscribe: http" in body
    assert "：" not in body  # the reader's punctuation, not the Chinese colon
    assert "不属于社区事务" in body  # what the committee typed stays as written


def test_sms_at_night_is_held_until_eight_in_the_morning(world, daytime):
    _opt_in(world.resident_a, email=None, email_groups=set())
    night = datetime(2026, 12, 3, 14, 30)  # 22:30 street time
    clock.freeze(night)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    row = db.session.scalar(select(Delivery))
    assert row.state == "held" and row.next_attempt_at == datetime(2026, 12, 4, 0, 0)  # 08:00
    assert delivery.deliver_due(night + timedelta(hours=5)) == 0  # 03:30 street time
    assert delivery.deliver_due(datetime(2026, 12, 4, 0, 1)) == 1
    assert db.session.scalar(select(Delivery.state)) == "sent"


def test_a_retry_that_falls_in_the_night_waits_for_the_morning(world, daytime):
    _opt_in(world.resident_a, email=None, email_groups=set())
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    late = datetime(2026, 12, 3, 13, 30)  # 21:30
    assert delivery.deliver_due(late) == 0
    row = db.session.scalar(select(Delivery))
    assert row.state == "held" and row.attempts == 0 and row.next_attempt_at == datetime(2026, 12, 4)


def test_no_sms_before_the_phone_is_verified(world, daytime):
    preferences.save(world.resident_a, email=None, sms={"matters"}, email_groups=set(), digest=False)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    row = db.session.scalar(select(Delivery))
    assert row.state == "suppressed" and row.last_error == "phone not verified"
    assert delivery.deliver_due(daytime) == 0


def test_preferences_decide_the_channels(world, inbox, daytime):
    _opt_in(world.resident_a, sms=set(), email_groups={"meetings"})
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    mine = select(func.count(Delivery.id)).where(Delivery.user_id == world.resident_a.id)
    assert db.session.scalar(mine) == 0
    assert db.session.scalar(select(func.count(Notification.id))) >= 1  # the bell still has it


def test_two_workers_in_parallel_send_every_row_once(app, world, daytime):
    residents = []
    from tests import factories

    for _ in range(30):
        u = factories.user(world.a)
        u.phone_verified_at = daytime
        residents.append(u)
    db.session.commit()
    from deliberation.notifications import services

    services.notify_users({u.id for u in residents}, kind="close", message="街道通知")
    db.session.commit()
    assert db.session.scalar(select(func.count(Delivery.id))) == 30
    db.session.commit()  # the test's own transaction would hold SQLite's write lock

    results, errors = [], []

    def work():
        try:
            with app.app_context():
                n = 0
                while sent := delivery.deliver_due(daytime, limit=4):
                    n += sent
                results.append(n)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(results) == 30
    phones = db.session.scalars(select(SmsConsoleMessage.phone)).all()
    assert sorted(phones) == sorted(u.phone for u in residents)  # each exactly once
    assert set(db.session.scalars(select(Delivery.state))) == {"sent"}


def test_an_smtp_refusal_fails_for_good_and_a_busy_server_is_retried(world, inbox, daytime):
    _opt_in(world.resident_a, email="refuse@example.cn", sms=set())
    _opt_in(world.resident_a2, email="busy@example.cn", sms=set())
    world.matter()
    m2 = world.matter(world.resident_a2, title="路灯")
    workflow.reject(db.session.get(type(m2), 1), world.chair_a, reason="不予受理")
    workflow.reject(m2, world.chair_a, reason="不予受理")
    db.session.commit()
    assert delivery.deliver_due(daytime) == 0
    refused = db.session.scalar(select(Delivery).where(Delivery.user_id == world.resident_a.id))
    busy = db.session.scalar(select(Delivery).where(Delivery.user_id == world.resident_a2.id))
    assert refused.state == "failed" and "550" in refused.last_error
    assert busy.state == "pending" and busy.attempts == 1
    assert busy.next_attempt_at == daytime + timedelta(minutes=1)
    assert delivery.deliver_due(daytime + timedelta(seconds=30)) == 0  # not due yet
    delivery.deliver_due(daytime + timedelta(minutes=1))
    db.session.expire_all()
    busy = db.session.get(Delivery, busy.id)
    assert busy.attempts == 2 and busy.next_attempt_at == daytime + timedelta(minutes=3)
    assert db.session.get(Delivery, refused.id).attempts == 1  # never tried again


def test_a_crashed_workers_claim_comes_due_again_after_the_lease(world, daytime):
    _opt_in(world.resident_a, email=None, email_groups=set())
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    assert len(delivery.claim(daytime)) == 1  # claimed, then the worker died before sending
    assert delivery.deliver_due(daytime + timedelta(minutes=1)) == 0
    assert delivery.deliver_due(daytime + delivery.LEASE) == 1
    assert db.session.scalar(select(Delivery.attempts)) == 2


def test_a_meeting_notice_by_email_carries_the_meeting_as_an_ical_file(world, inbox, daytime):
    import icalendar

    from deliberation.meetings import services as meetings
    from tests.meetings.conftest import accepted_matter

    _opt_in(world.member_a, email="huang@example.cn", sms=set(), email_groups={"meetings"})
    meeting = meetings.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会",
        starts_at=datetime(2026, 12, 10, 7, 0), place="社区活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    meetings.add_item(meeting, accepted_matter(world), world.chair_a)
    meetings.publish(meeting, world.chair_a)
    db.session.commit()

    delivery.deliver_due(daytime)
    [mail] = [m for m in inbox.messages if m["To"].addresses[0].addr_spec == "huang@example.cn"]
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "meeting.ics" and ics.get_param("method") == "PUBLISH"
    assert ics.get_content_charset() == "utf-8"  # else clients read the Chinese title as ASCII
    [event] = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "幸福社区议事会" and str(event["LOCATION"]) == "社区活动中心"
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    assert str(event["STATUS"]) == "CONFIRMED" and "5 栋楼道灯坏了" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/meetings/{meeting.id}")


def test_a_notice_without_a_meeting_has_no_attachment(world, inbox, daytime):
    _opt_in(world.resident_a)
    workflow.reject(world.matter(), world.chair_a, reason="不属于社区事务")
    db.session.commit()
    delivery.deliver_due(daytime)
    [mail] = inbox.messages
    assert list(mail.iter_attachments()) == []
