"""A worker that dies between the SMS provider's answer and recording it: the row stays
"sending"; once the lease runs out the next worker asks the provider (Aliyun QuerySendDetails,
by the attempt's OutId) before sending, so the resident gets the message once either way.
The far side of Aliyun is tests/fake_aliyun.py on a free port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.notifications import delivery, preferences
from deliberation.notifications.channels import CHANNELS
from deliberation.notifications.models import Delivery, Notification
from tests.fake_aliyun import fake_aliyun

SECRET = "interrupted-secret"


@pytest.fixture(scope="module")
def provider_server():
    with fake_aliyun(SECRET) as fake:
        yield fake


@pytest.fixture
def aliyun(app, monkeypatch, provider_server):
    for key, value in {"SMS_PROVIDER": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "LTAItest",
                       "ALIYUN_SMS_ACCESS_KEY_SECRET": SECRET, "ALIYUN_SMS_SIGN_NAME": "社区议事厅",
                       "ALIYUN_SMS_ENDPOINT": provider_server.endpoint,
                       "ALIYUN_SMS_TEMPLATE_NOTICE": "SMS_100001",
                       "ALIYUN_SMS_TEMPLATE_NOTICE_PLAIN": "SMS_100002"}.items():
        monkeypatch.setitem(app.config, key, value)
    provider_server.reset()
    return provider_server


@pytest.fixture
def row(world, daytime, aliyun):
    """The proposer's SMS for a screening decision, claimed by a worker (attempt 1)."""
    resident = world.resident_a
    resident.phone_verified_at = clock.utcnow()
    preferences.save(resident, email=None, sms={"matters"}, email_groups=set(), digest=False)
    db.session.commit()
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    [(row_id, attempt, interrupted)] = delivery.claim(daytime)
    assert (attempt, interrupted) == (1, False)
    found = db.session.get(Delivery, row_id)
    assert found.state == "sending"
    return found


def _worker_sends_then_dies(row: Delivery, user) -> str:
    """What a worker does up to the provider's answer, without recording it."""
    note = db.session.get(Notification, row.notification_id)
    return CHANNELS["sms"].send(row, note, user)


def test_an_sms_that_went_out_before_its_worker_died_is_not_sent_again(world, daytime, aliyun, row):
    _worker_sends_then_dies(row, world.resident_a)
    assert aliyun.per_phone[world.resident_a.phone] == 1
    assert aliyun.out_ids[world.resident_a.phone] == [f"d{row.id}-1"]
    db.session.rollback()
    # Within the lease nobody touches it; after it, the next worker asks and records.
    assert delivery.deliver_due(daytime + timedelta(minutes=1)) == 0
    assert delivery.deliver_due(daytime + delivery.LEASE) == 1
    db.session.expire_all()
    found = db.session.get(Delivery, row.id)
    assert (found.state, found.attempts, found.provider_message_id) == ("sent", 2, f"out:d{row.id}-1")
    assert aliyun.per_phone[world.resident_a.phone] == 1 and aliyun.queries >= 1


def test_an_sms_whose_worker_died_before_sending_goes_once(world, daytime, aliyun, row):
    assert delivery.deliver_due(daytime + delivery.LEASE) == 1
    db.session.expire_all()
    found = db.session.get(Delivery, row.id)
    assert (found.state, found.attempts) == ("sent", 2)
    assert aliyun.out_ids[world.resident_a.phone] == [f"d{row.id}-2"]
    assert aliyun.queries == 1


def test_when_the_provider_cannot_say_the_row_waits_and_is_never_sent_blind(world, daytime, aliyun, row):
    aliyun.query_answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    assert delivery.deliver_due(daytime + delivery.LEASE) == 0
    db.session.expire_all()
    found = db.session.get(Delivery, row.id)
    assert found.state == "sending" and "BUSINESS_LIMIT_CONTROL" in found.last_error
    assert aliyun.per_phone[world.resident_a.phone] == 0
    # Asked again after the backoff, the provider answers: it had not gone out, so it goes now.
    aliyun.query_answer = None
    later = found.next_attempt_at
    assert delivery.deliver_due(later) == 1
    assert aliyun.per_phone[world.resident_a.phone] == 1


def test_staff_resending_a_row_in_flight_changes_nothing(world, daytime, aliyun, row, login):
    staff = login(world.staff)
    assert staff.post_form(f"/notifications/deliveries/{row.id}/resend").status_code == 303
    page = staff.get("/notifications/deliveries?state=sending").get_data(as_text=True)
    assert "这条通知已在等待发送。" in page and "发送中" in page
    db.session.expire_all()
    found = db.session.get(Delivery, row.id)
    assert (found.state, found.attempts) == ("sending", 1)
