"""The pages: supervision board and notices, the two public lists, ledger, photos, htmx rating."""

from __future__ import annotations

import io
from datetime import timedelta

from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.core.time import utcnow
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.notifications.models import Notification
from deliberation.tracking import reports, resources
from deliberation.tracking.models import Offer

from .conftest import assign, put_in
from .test_loop import assign_form, jpeg


def test_supervision_board_orders_by_risk_and_notice_reaches_the_responsible(tworld, login):
    calm = put_in(tworld.matter(title="健身器材生锈"), MatterState.IN_PROGRESS)
    late = put_in(tworld.matter(title="东门乱停车"), MatterState.IN_PROGRESS)
    assign(calm, tworld, days=60)
    assign(late, tworld, days=3, budget_cents=10_000)
    reports.add_spending(late, tworld.staff, amount_cents=20_000, what="隔离桩",
                         spent_on=utcnow().date())
    db.session.commit()
    clock.freeze(utcnow() + timedelta(days=20))  # late is past due; both quiet for 20 days
    staff = login(tworld.staff)
    page = staff.get("/supervision").get_data(as_text=True)
    assert page.index("东门乱停车") < page.index("健身器材生锈")
    assert "已超过完成期限" in page and "超出预算" in page and "20 天没有进展报告" in page

    r = staff.post_form(f"/tracking/{late.id}/supervise",
                        {"message": "请本周内完成隔离桩安装", "next": "board"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/supervision")
    worker_id = tworld.extra["worker"].id
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == worker_id,
                                                           Notification.kind == "supervise"))
    assert note is not None and "隔离桩" in note.message
    assert [e.action for e in audit.timeline("matter", late.id)][-1] == "supervise"
    detail = login(tworld.resident_a).get(f"/matters/{late.id}").get_data(as_text=True)
    assert "社工站督办" in detail


def test_supervision_board_pages_riskiest_first(tworld, login):
    for i in range(32):
        m = put_in(tworld.matter(title=f"在办事项{i:02d}"), MatterState.IN_PROGRESS)
        if i >= 2:
            assign(m, tworld, days=60)  # the first two are unassigned: the riskiest
    db.session.commit()
    staff = login(tworld.staff)
    first = staff.get("/supervision").get_data(as_text=True)
    assert first.count("在办事项") == 30 and "共 32 件" in first and "第 1 / 2 页" in first
    assert "在办事项00" in first and "在办事项01" in first
    second = staff.get("/supervision?page=2").get_data(as_text=True)
    assert second.count("在办事项") == 2 and 'start="31"' in second


def test_problem_list_is_public_filterable_and_paginated(tworld, client, app):
    done = put_in(tworld.matter(title="楼道灯"), MatterState.IN_PROGRESS)
    assign(done, tworld)
    put_in(tworld.matter(title="垃圾点太臭"), MatterState.IN_NOTICE, window_days=5)
    tworld.matter(title="还没审的事")  # submitted: not on this list
    page = client.get("/progress").get_data(as_text=True)
    assert "楼道灯" in page and "垃圾点太臭" in page and "还没审的事" not in page
    assert "暖阳为老服务中心" in page and "待派单" in page
    only = client.get("/progress?state=in_notice").get_data(as_text=True)
    assert "垃圾点太臭" in only and "楼道灯" not in only
    by_org = client.get(f"/progress?organisation={tworld.extra['org'].id}").get_data(as_text=True)
    assert "楼道灯" in by_org and "垃圾点太臭" not in by_org
    other = client.get(f"/progress?community={tworld.b.id}").get_data(as_text=True)
    assert "楼道灯" not in other and "没有符合条件的事项" in other
    # Unknown parameters and bad values are ignored rather than failing.
    r = client.get("/progress?state=drop%20table&community=abc&sort=evil&page=-3")
    assert r.status_code == 200 and "楼道灯" in r.get_data(as_text=True)
    clock.freeze(utcnow() + timedelta(days=40))
    assert "楼道灯" in client.get("/progress?overdue=1").get_data(as_text=True)
    app.config["PAGE_SIZE"] = 1
    try:
        first = client.get("/progress").get_data(as_text=True)
        assert "第 1 / 2 页" in first
    finally:
        app.config["PAGE_SIZE"] = 20


def test_resource_list_offers_and_withdrawal(tworld, client, login):
    shop = login(tworld.shop_owner)
    r = shop.post_form("/resources/new", {"organisation_id": tworld.shop.id, "kind": "labour",
                                          "description": "周末两名电工", "quantity": "每月 8 小时"})
    assert r.status_code == 302
    assert "周末两名电工" in client.get("/resources").get_data(as_text=True)
    bad = shop.post_form("/resources/new", {"organisation_id": tworld.shop.id, "kind": "labour"})
    assert bad.status_code == 422 and "请写明可以提供什么" in bad.get_data(as_text=True)
    # Only for one's own organisation.
    r = login(tworld.extra["outsider"]).post_form(
        "/resources/new", {"organisation_id": tworld.shop.id, "kind": "venue", "description": "x"})
    assert r.status_code == 422  # not among the outsider's choices
    offer = db.session.scalar(db.select(Offer))
    assert shop.post_form(f"/resources/{offer.id}/withdraw").status_code == 302
    assert "周末两名电工" not in client.get("/resources").get_data(as_text=True)


def test_matter_page_shows_pledged_versus_delivered(tworld, login, client):
    matter = put_in(tworld.matter(), MatterState.IN_NOTICE, window_days=5)
    shop = login(tworld.shop_owner)
    assert shop.post_form(f"/tracking/{matter.id}/pledge", {
        "kind": "money", "description": "维修资金", "amount": "500"}).status_code == 302
    missing = shop.post_form(f"/tracking/{matter.id}/pledge", {
        "kind": "money", "description": "没写金额"})
    assert missing.status_code == 422 and "认捐资金请填写金额" in missing.get_data(as_text=True)
    p2 = resources.pledge(matter, tworld.shop_owner, kind="materials", description="灯泡 10 个",
                          organisation_id=tworld.shop.id)
    db.session.commit()
    login(tworld.staff).post_form(f"/tracking/pledges/{p2.id}/fulfil")
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "认捐 2 项，已到位 1 项" in page and "资金认捐 ¥500，已到位 ¥0" in page
    closed = put_in(matter, MatterState.CLOSED)
    r = shop.post_form(f"/tracking/{closed.id}/pledge", {"kind": "materials", "description": "x"})
    assert r.status_code == 422 and "不再接受认捐" in r.get_data(as_text=True)


def test_assignment_validation_keeps_input(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    staff = login(tworld.staff)
    data = assign_form(tworld)
    data["budget"] = "十块"
    r = staff.post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422 and "请填写金额（元）" in r.get_data(as_text=True)
    data = assign_form(tworld)
    data["phase_research"] = (utcnow().date() + timedelta(days=99)).isoformat()
    r = staff.post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422 and "阶段日期不能晚于完成期限" in r.get_data(as_text=True)
    data = assign_form(tworld)
    data["lead_id"] = tworld.resident_a.id  # not in the organisation
    r = staff.post_form(f"/tracking/{matter.id}/assign", data)
    assert r.status_code == 422
    assert reports.assignment_of(matter.id) is None
    # Not before the notice has ended.
    put_in(matter, MatterState.IN_NOTICE, window_days=5)
    assert staff.get(f"/tracking/{matter.id}/assign").status_code == 403


def test_ledger_and_photos_are_public_and_checked(tworld, login, client):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld, budget_cents=10_000)
    worker = login(tworld.extra["worker"])
    r = worker.post_form(f"/tracking/{matter.id}/spending", {
        "amount": "120", "what": "灯具", "spent_on": utcnow().date().isoformat(),
        "receipt": (jpeg(), "r.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(f"/tracking/{matter.id}/ledger").get_data(as_text=True)
    assert "合计支出 ¥120" in page and "预算 ¥100" in page and "灯具" in page
    key = reports.ledger(matter.id)[0].receipt_key
    assert client.get(f"/tracking/photos/{key}").mimetype == "image/jpeg"
    assert client.get(f"/tracking/photos/{key}/thumb").status_code == 200
    assert client.get("/tracking/photos/0123456789abcdef0123456789abcdef").status_code == 404
    assert client.get("/tracking/photos/..%2Fsecret").status_code == 404
    bad = worker.post_form(f"/tracking/{matter.id}/report", {
        "body": "x", "percent": "10", "photos": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "不是 JPEG" in bad.get_data(as_text=True)
    assert "超出预算" in client.get(f"/matters/{matter.id}").get_data(as_text=True)


def test_rating_through_htmx_returns_the_partial(tworld, login):
    matter = put_in(tworld.matter(), MatterState.IN_PROGRESS)
    assign(matter, tworld)
    reports.report_done(matter, tworld.extra["worker"], summary="完成")
    db.session.commit()
    resident = login(tworld.resident_a)
    page = resident.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert 'hx-post="/tracking/' in page and "提交评议" in page
    r = resident.post_form(f"/tracking/{matter.id}/rate", {"choice": "basically_satisfied"},
                           headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Vary" in r.headers and "HX-Request" in r.headers["Vary"]
    assert body.lstrip().startswith("<section") and "谢谢您的评议" in body
    assert "您的评议：基本满意" in body and "<html" not in body
    again = resident.post_form(f"/tracking/{matter.id}/rate", {"choice": "satisfied"},
                               headers={"HX-Request": "true"})
    assert again.status_code == 409 and "<html" not in again.get_data(as_text=True)
