"""Every admin and staff route: residents and other non-staff get 403, anonymous users are
sent to log in, staff and admins get in. Enumerated from the URL map."""

from __future__ import annotations

import pytest

from tests.security.test_csrf_and_headers import _fill

STAFF_PREFIXES = ("/admin", "/staff")


def staff_get_urls(app, world) -> list[str]:
    urls = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES) and "GET" in rule.methods:
            url = _fill(rule)
            url = url.replace("/bodies/1/", f"/bodies/{world.committee_a.id}/")
            url = url.replace("/organisations/1/", f"/organisations/{world.shop.id}/")
            url = url.replace("/staff/residents/1/", f"/staff/residents/{world.resident_a.id}/")
            urls.add(url)
    return sorted(urls)


@pytest.mark.parametrize("role, expected", [
    ("anonymous", 302), ("resident", 403), ("committee", 403), ("council", 403),
    ("business", 403), ("staff", 200), ("admin", 200),
])
def test_staff_pages_by_role(app, world, login, role, expected):
    user = world.roles()[role]
    c = login(user) if user else app.test_client()
    urls = staff_get_urls(app, world)
    assert len(urls) >= 8
    for url in urls:
        r = c.get(url)
        assert r.status_code == expected, f"{role} GET {url} -> {r.status_code}"
        if expected == 302:
            assert "/login" in r.headers["Location"]


@pytest.mark.parametrize("role", ["resident", "committee", "council", "business"])
def test_non_staff_cannot_change_the_directory(world, login, role):
    c = login(world.roles()[role])
    assert c.post_form("/admin/communities/new", {"name": "黑客社区", "kind": "community"}).status_code == 403
    assert c.post_form(f"/admin/bodies/{world.committee_a.id}/members",
                       {"phone": world.resident_a.phone, "role": "chair"}).status_code == 403
    assert c.post_form("/staff/residents/new", {"phone": "13700000999"}).status_code == 403


def test_staff_manage_the_directory(world, login):
    from deliberation.directory.models import Community
    from deliberation.extensions import db

    c = login(world.staff)
    r = c.post_form("/admin/communities/new", {"name": "光明村", "kind": "village"})
    assert r.status_code == 302
    assert db.session.scalar(db.select(Community).where(Community.name == "光明村")).kind == "village"
    r = c.post_form("/admin/communities/new", {"name": "光明村", "kind": "village"})
    assert r.status_code == 422 and "名称已被使用" in r.get_data(as_text=True)
    r = c.post_form("/admin/bodies/new", {"name": "无社区居委会", "kind": "committee", "community_id": "0"})
    assert r.status_code == 422 and "必须属于一个社区" in r.get_data(as_text=True)
    r = c.post_form(f"/admin/bodies/{world.committee_a.id}/members",
                    {"phone": world.resident_a2.phone, "role": "member"})
    assert r.status_code == 302
    db.session.expire_all()
    assert world.resident_a2.sits_on_committee_of(world.a.id)
    r = c.post_form(f"/admin/bodies/{world.committee_a.id}/members",
                    {"phone": "13000000000", "role": "member"})
    assert r.status_code == 422 and "没有找到这个手机号" in r.get_data(as_text=True)
    r = c.post_form("/admin/street", {"name": "测试街道", "first_answer_days": "7", "notice_days": "5",
                                      "evaluation_days": "7", "no_report_days": "14"})
    assert r.status_code == 302
    db.session.expire_all()
    assert world.street.first_answer_days == 7
