"""The pages: people's settings, one-click unsubscribe, staff's delivery list with resend."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.notifications import channels, delivery, preferences
from deliberation.notifications.models import Delivery


def test_a_resident_chooses_channels_and_digest(world, login, inbox, daytime):
    c = login(world.resident_a)
    page = c.get("/notifications/settings").get_data(as_text=True)
    assert "还没有验证" in page
    r = c.post_form("/notifications/settings", {"sms": ["meetings"], "email_groups": ["matters"],
                                                "email": "wang@example.cn", "digest": "y"})
    assert r.status_code == 303
    chosen = preferences.choice(world.resident_a)
    assert chosen.sms == {"meetings"} and chosen.email_groups == {"matters"} and chosen.digest
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    row = db.session.scalar(select(Delivery).where(Delivery.user_id == world.resident_a.id))
    assert row.channel == "email" and row.state == "held" and row.digest  # waits for the digest
    assert c.post_form("/notifications/settings", {"email": "not-an-address"}).status_code == 422


def test_the_digest_sends_yesterdays_notices_in_one_email_after_eight(world, inbox, daytime):
    from datetime import datetime

    from deliberation.core import time as clock
    from deliberation.notifications.digest import run_digest

    preferences.save(world.resident_a, email="wang@example.cn", sms=set(),
                     email_groups={"matters"}, digest=True)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    workflow.reject(world.matter(title="路灯"), world.chair_a, reason="重复")
    db.session.commit()
    assert run_digest(daytime) == 0  # today's notices wait for tomorrow's digest
    early = datetime(2026, 12, 3, 23, 0)  # 07:00 next day
    assert run_digest(early) == 0
    morning = datetime(2026, 12, 4, 0, 30)
    clock.freeze(morning)
    assert run_digest(morning) == 1 and run_digest(morning) == 0
    [mail] = inbox.messages
    text = mail.get_body(("plain",)).get_content()
    assert "路灯" in text and "5 栋楼道灯坏了" in text


def test_one_click_unsubscribe_needs_the_signed_token_only(app, world, client):
    preferences.save(world.resident_a, email="wang@example.cn", sms=set(),
                     email_groups={"matters", "meetings"}, digest=False)
    db.session.commit()
    token = channels.unsubscribe_token(world.resident_a.id, "matters")
    assert "确认退订" in client.get(f"/notifications/unsubscribe/{token}").get_data(as_text=True)
    r = client.post(f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "已退订" in r.get_data(as_text=True)
    assert preferences.choice(world.resident_a).email_groups == {"meetings"}
    assert client.post(f"/notifications/unsubscribe/{token[:-2]}xx").status_code == 404


def test_staff_see_failures_search_by_person_and_resend(world, login, inbox, daytime):
    preferences.save(world.resident_a, email="refuse@example.cn", sms=set(),
                     email_groups={"matters"}, digest=False)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    delivery.deliver_due(daytime)
    row = db.session.scalar(select(Delivery).where(Delivery.user_id == world.resident_a.id))
    assert row.state == "failed"
    staff = login(world.staff)
    page = staff.get("/notifications/deliveries?state=failed&q=王阿姨").get_data(as_text=True)
    assert "发送失败" in page and "550" in page and "王阿姨" in page
    assert "王阿姨" not in staff.get("/notifications/deliveries?q=李大爷").get_data(as_text=True)
    assert login(world.resident_a).get("/notifications/deliveries").status_code == 403
    assert login(world.resident_a).post_form(f"/notifications/deliveries/{row.id}/resend").status_code == 403
    r = staff.post_form(f"/notifications/deliveries/{row.id}/resend")
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Delivery, row.id).state == "pending"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resend_delivery"))
    assert entry.actor_id == world.staff.id and entry.subject_id == row.id


def test_the_statistics_page_shows_delivery_counts_to_staff_only(world, login, client):
    assert "delivery-counts" in login(world.staff).get("/stats").get_data(as_text=True)
    assert "delivery-counts" not in client.get("/stats").get_data(as_text=True)


def test_staff_filing_on_behalf_can_choose_sms_for_the_resident(world, login):
    preferences.save(world.resident_a, email=None, sms=set(), email_groups=set(), digest=False)
    db.session.commit()
    staff = login(world.staff)
    r = staff.post_form("/matters/new", {
        "title": "楼下路灯不亮", "description": "王阿姨打电话说的。", "category_id": world.categories[0].id,
        "channel": "phone", "resident_phone": world.resident_a.phone, "community_id": world.a.id,
        "notify_by_sms": "y", "submit_token": "tok-1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert "matters" in preferences.choice(world.resident_a).sms
