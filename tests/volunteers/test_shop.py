"""The points ledger and the shop: no negative balance under parallel redemptions, stock taken
once per item, a code handed over once, an expired redemption refunded once (tick run twice),
adjustments by staff with a reason, every ledger entry audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from deliberation.core import audit, clock
from deliberation.core import time as frozen
from deliberation.core.audit import AuditEntry
from deliberation.extensions import db
from deliberation.volunteers import services
from deliberation.volunteers.models import PointsAccount, PointsEntry, Redemption, ShopItem
from tests.parallel import post_together
from tests.volunteers.conftest import give_points, shop_item


def _redemptions(user=None) -> list[Redemption]:
    query = select(Redemption).order_by(Redemption.id)
    if user is not None:
        query = query.where(Redemption.user_id == user.id)
    return list(db.session.scalars(query))


def _tick_expiry() -> int:
    [job] = [j for j in clock.jobs() if j.name == "redemptions_expire"]
    n = job.run(frozen.utcnow())
    db.session.commit()
    return n


def test_a_resident_redeems_after_confirming_and_gets_a_code(world, login):
    give_points(world, world.resident_a, 250)
    item = shop_item(world, price=100, stock=2)
    client = login(world.resident_a)
    page = client.get("/volunteers/shop").get_data(as_text=True)
    assert "大米 5 斤" in page and "您现有 250 分" in page
    asked = client.post_form(f"/volunteers/shop/{item.id}/redeem", {})
    assert asked.status_code == 200 and "用 100 积分兑换" in asked.get_data(as_text=True)
    assert _redemptions() == []
    done = client.post_form(f"/volunteers/shop/{item.id}/redeem", {"confirmed": "1"})
    assert done.status_code == 302
    [r] = _redemptions()
    assert services.balance(world.resident_a.id) == 150 == services.ledger_sum(world.resident_a.id)
    page = client.get("/volunteers/points").get_data(as_text=True)
    assert r.code in page and "现有 150 分" in page and "-100" in page
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 1


def test_not_enough_points_is_refused_in_plain_words(world, login):
    give_points(world, world.resident_a, 50)
    item = shop_item(world, price=100)
    response = login(world.resident_a).post_form(f"/volunteers/shop/{item.id}/redeem",
                                                 {"confirmed": "1"}, follow_redirects=True)
    assert "积分不够：兑换需要 100 分，您现有 50 分" in response.get_data(as_text=True)
    assert _redemptions() == [] and services.balance(world.resident_a.id) == 50
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 10  # the stock taken is given back


def test_twenty_parallel_redemptions_never_overspend(world, login):
    give_points(world, world.resident_a, 300)
    item = shop_item(world, price=100, stock=50)
    codes = post_together([login(world.resident_a) for _ in range(20)],
                          f"/volunteers/shop/{item.id}/redeem", {"confirmed": "1"})
    assert codes == [302] * 20
    assert len(_redemptions()) == 3
    assert services.balance(world.resident_a.id) == 0 == services.ledger_sum(world.resident_a.id)
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 47


def test_twenty_residents_in_parallel_share_the_last_two_items(world, login):
    from tests import factories

    people = [factories.user(world.a) for _ in range(20)]
    db.session.commit()
    for u in people:
        give_points(world, u, 100)
    item = shop_item(world, price=100, stock=2)
    post_together([login(u) for u in people], f"/volunteers/shop/{item.id}/redeem", {"confirmed": "1"})
    assert len(_redemptions()) == 2
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 0
    assert sorted(services.balance(u.id) for u in people) == [0, 0] + [100] * 18


def test_the_database_refuses_a_negative_balance(world):
    give_points(world, world.resident_a, 10)
    with pytest.raises(IntegrityError):
        db.session.execute(update(PointsAccount).where(PointsAccount.user_id == world.resident_a.id)
                           .values(balance=-1))
        db.session.flush()
    db.session.rollback()


def test_a_code_is_handed_over_once_by_staff(world, login):
    give_points(world, world.resident_a, 100)
    item = shop_item(world, price=100)
    r = services.redeem(item, world.resident_a)
    db.session.commit()
    assert login(world.resident_a).post_form("/volunteers/handover", {"code": r.code,
                                                                      "confirmed": "1"}).status_code == 403
    desk = login(world.staff)
    asked = desk.post_form("/volunteers/handover", {"code": r.code.lower()})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "大米 5 斤" in page and world.resident_a.display_name in page
    codes = post_together([login(world.staff) for _ in range(5)], "/volunteers/handover",
                          {"code": r.code, "confirmed": "1"})
    assert sorted(codes) == [302] + [422] * 4
    again = desk.post_form("/volunteers/handover", {"code": r.code})  # not asked again
    assert again.status_code == 422 and "已经领取过了" in again.get_data(as_text=True)
    unknown = desk.post_form("/volunteers/handover", {"code": "NOPE2345", "confirmed": "1"})
    assert unknown.status_code == 422 and "没有这个兑换码" in unknown.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Redemption, r.id).state == "handed"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "redemption_handed")) == 1


def test_an_uncollected_redemption_expires_and_is_refunded_once(world, login):
    give_points(world, world.resident_a, 100)
    item = shop_item(world, price=100, stock=1)
    r = services.redeem(item, world.resident_a)
    db.session.commit()
    frozen.freeze(r.expires_at - timedelta(minutes=1))
    assert _tick_expiry() == 0
    frozen.freeze(r.expires_at + timedelta(minutes=1))
    assert (_tick_expiry(), _tick_expiry()) == (1, 0)
    db.session.expire_all()
    assert db.session.get(Redemption, r.id).state == "expired"
    assert db.session.get(ShopItem, item.id).stock == 1
    assert services.balance(world.resident_a.id) == 100 == services.ledger_sum(world.resident_a.id)
    kinds = db.session.scalars(select(PointsEntry.kind).order_by(PointsEntry.id)).all()
    assert kinds == ["adjusted", "spent", "refunded"]
    late = login(world.staff).post_form("/volunteers/handover", {"code": r.code, "confirmed": "1"})
    assert late.status_code == 422 and "已过期" in late.get_data(as_text=True)
    assert "逾期未领取" in login(world.resident_a).get("/notifications/").get_data(as_text=True)


def test_staff_adjust_with_a_reason_and_never_below_zero(world, login):
    desk = login(world.staff)
    phone = world.resident_a.phone
    no_reason = desk.post_form("/volunteers/adjust", {"phone": phone, "delta": "20", "reason": ""})
    assert no_reason.status_code == 422 and "请写明调整原因" in no_reason.get_data(as_text=True)
    asked = desk.post_form("/volunteers/adjust", {"phone": phone, "delta": "20",
                                                  "reason": "补记 11 月服务"})
    assert asked.status_code == 200 and world.resident_a.display_name in asked.get_data(as_text=True)
    assert services.balance(world.resident_a.id) == 0  # asking changes nothing
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"  # typed with spaces, as printed on cards
    assert desk.post_form("/volunteers/adjust", {"phone": spaced, "delta": "20", "confirmed": "1",
                                                 "reason": "补记 11 月服务"}).status_code == 302
    below = desk.post_form("/volunteers/adjust", {"phone": phone, "delta": "-30", "reason": "误记",
                                                  "confirmed": "1"})
    page = below.get_data(as_text=True)
    assert below.status_code == 422 and "余额会小于零" in page and "误记" in page  # kept as typed
    assert login(world.resident_a).post_form("/volunteers/adjust", {
        "phone": phone, "delta": "1000", "reason": "给自己加分", "confirmed": "1"}).status_code == 403
    own = desk.post_form("/volunteers/adjust", {"phone": world.staff.phone, "delta": "100",
                                                "reason": "给自己加分", "confirmed": "1"})
    assert own.status_code == 422 and services.balance(world.staff.id) == 0
    assert services.balance(world.resident_a.id) == 20 == services.ledger_sum(world.resident_a.id)


def test_every_ledger_entry_has_an_audit_entry_and_the_chain_verifies(world):
    give_points(world, world.resident_a, 300)
    item = shop_item(world, price=100, stock=3)
    for _ in range(2):
        services.redeem(item, world.resident_a)
        db.session.commit()
    entries = db.session.scalars(select(PointsEntry)).all()
    audited = db.session.execute(select(AuditEntry.subject_id, AuditEntry.action).where(
        AuditEntry.subject_type == "points_entry")).all()
    assert sorted(audited) == sorted((e.id, f"points_{e.kind}") for e in entries)
    assert len(entries) == 3
    db.session.commit()  # the seal writes on a session of its own
    audit.seal()
    assert audit.verify().ok
    # The ledger is append-only: a changed amount is caught by nothing but the audit trail,
    # which still names what was written.
    db.session.execute(text("UPDATE points_entry SET delta = 999 WHERE kind = 'adjusted'"))
    db.session.commit()
    [trail] = [a for a in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "points_adjusted"))]
    assert trail.details["delta"] == 300


def test_a_business_gives_a_prize_from_the_resource_list(world, login):
    owner = login(world.shop_owner)
    listing = owner.get("/resources").get_data(as_text=True)
    assert 'href="/volunteers/shop/new"' in listing and "还没有兑换物品" in listing
    refused = owner.post_form("/volunteers/shop/new", {
        "organisation_id": str(world.shop.id), "name": "洗衣液一桶", "points_price": "0",
        "stock": "5", "collect_at": "五金店柜台"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "所需积分请填 1 到 100000" in page and "五金店柜台" in page
    assert owner.post_form("/volunteers/shop/new", {
        "organisation_id": str(world.shop.id), "name": "洗衣液一桶", "points_price": "30",
        "stock": "5", "collect_at": "五金店柜台"}).status_code == 302
    listing = login(world.resident_a).get("/resources").get_data(as_text=True)
    assert "洗衣液一桶" in listing and "剩 5 件，30 积分" in listing
    assert 'href="/volunteers/shop/new"' not in listing  # residents do not give prizes
    assert login(world.resident_a).get("/volunteers/shop/new").status_code == 403


def test_the_street_sets_the_points_rule_and_the_collection_days(world, login):
    desk = login(world.staff)
    fields = {"name": world.street.name, "first_answer_days": "10", "notice_days": "5",
              "evaluation_days": "7", "no_report_days": "14", "volunteer_points_per_hour": "12",
              "redemption_days": "3"}
    assert desk.post_form("/admin/street", fields).status_code == 302
    assert services.street_rule() == (12, 3)
    give_points(world, world.resident_a, 100)
    r = services.redeem(shop_item(world, price=10), world.resident_a)
    from flask_babel import to_user_timezone

    last_day = to_user_timezone(r.expires_at - timedelta(seconds=1)).date()
    assert last_day == to_user_timezone(r.created_at).date() + timedelta(days=3)


def test_the_giving_shop_hands_over_its_own_prizes_only(world, login):
    from deliberation.directory import services as directory
    from deliberation.directory.models import Organisation, OrganisationKind
    from tests import factories

    give_points(world, world.resident_a, 300)
    ours = shop_item(world, price=100)  # given by world.shop, collected at its counter
    other_org = directory.save(Organisation(), world.admin.id,
                               {"name": "别家超市", "kind": OrganisationKind.SOCIAL.value})
    other_owner = factories.user(world.a, name="别家老板")
    directory.add_org_member(other_org, other_owner.id, world.admin.id)
    theirs = services.add_item(other_owner, organisation_id=other_org.id, name="食用油一桶",
                               points_price=100, stock=3, collect_at="别家超市柜台")
    db.session.commit()
    mine = services.redeem(ours, world.resident_a)
    elsewhere = services.redeem(theirs, world.resident_a)
    db.session.commit()
    counter = login(world.shop_owner)
    assert 'href="/volunteers/handover"' in counter.get("/volunteers/shop").get_data(as_text=True)
    refused = counter.post_form("/volunteers/handover", {"code": elsewhere.code, "confirmed": "1"})
    assert refused.status_code == 422 and "没有这个兑换码" in refused.get_data(as_text=True)
    assert counter.post_form("/volunteers/handover", {"code": mine.code,
                                                      "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    states = dict(db.session.execute(select(Redemption.id, Redemption.state)).all())
    assert states == {mine.id: "handed", elsewhere.id: "pending"}
    assert login(world.resident_a2).get("/volunteers/handover").status_code == 403


def test_a_code_runs_out_at_the_end_of_a_street_day(world):
    from datetime import datetime

    give_points(world, world.resident_a, 100)
    frozen.freeze(datetime(2026, 12, 4, 17, 59))  # 01:59 on 12-05 street time
    r = services.redeem(shop_item(world, price=10), world.resident_a)
    db.session.commit()
    # Seven days: the whole of 12-12 street time, i.e. until 16:00 UTC that day.
    assert r.expires_at == datetime(2026, 12, 12, 16, 0)
