"""Registration, login, logout, passwords, staff-created accounts."""

from __future__ import annotations

import re

import pytest

from deliberation.accounts.models import User
from deliberation.extensions import db
from tests import factories


def register_data(world, **overrides):
    data = {"phone": "13912345678", "display_name": "王阿姨", "community_id": str(world.a.id),
            "household": "5 栋 301", "password": "Lamp-post-77", "confirm": "Lamp-post-77"}
    data.update(overrides)
    return data


def test_register_logs_in_and_hashes_with_a_modern_kdf(client, world):
    r = client.post_form("/register", register_data(world))
    assert r.status_code == 302
    user = db.session.scalar(db.select(User).where(User.phone == "13912345678"))
    assert user.password_hash.startswith("scrypt:")
    assert user.community_id == world.a.id
    assert "王阿姨" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("overrides, message", [
    ({"phone": "12345"}, "11 位中国大陆手机号"),
    ({"phone": "23912345678"}, "11 位中国大陆手机号"),
    ({"password": "short1", "confirm": "short1"}, "至少需要 8 位"),
    ({"password": "12345678", "confirm": "12345678"}, "太常见"),
    ({"password": "woaini1314", "confirm": "woaini1314"}, "太常见"),
    ({"password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"}, "太常见"),
    ({"password": "x13912345678", "confirm": "x13912345678"}, "太常见"),
    ({"confirm": "Different-99"}, "两次输入的密码不一致"),
    ({"display_name": ""}, "请填写称呼"),
    ({"community_id": "0"}, "请选择所在社区"),
])
def test_register_rejects_bad_input_in_chinese_and_keeps_what_was_typed(client, world, overrides,
                                                                        message):
    data = register_data(world, **overrides)
    r = client.post_form("/register", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in html
    if data["display_name"]:
        assert f'value="{data["display_name"]}"' in html
    assert 'value="5 栋 301"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(
        User.phone == data["phone"])) == 0


def test_register_duplicate_phone(client, world):
    r = client.post_form("/register", register_data(world, phone=world.resident_a.phone))
    assert r.status_code == 422
    assert "已经注册过了" in r.get_data(as_text=True)


def test_phone_accepts_spaces_and_country_code(client, world):
    r = client.post_form("/register", register_data(world, phone="+86 139-1234-5678"))
    assert r.status_code == 302
    assert db.session.scalar(db.select(User).where(User.phone == "13912345678"))


def test_login_and_logout(client, world):
    r = client.post_form("/login", {"phone": world.resident_a.phone, "password": factories.PASSWORD})
    assert r.status_code == 302
    assert world.resident_a.display_name in client.get("/").get_data(as_text=True)
    client.post_form("/logout")
    assert "登录" in client.get("/").get_data(as_text=True)
    assert client.get("/matters/mine").status_code == 302


def test_login_renews_the_session(client, world):
    client.get("/")
    with client.session_transaction() as s:
        s["planted"] = "by-an-attacker"
    client.post_form("/login", {"phone": world.resident_a.phone, "password": factories.PASSWORD})
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"].startswith(f"{world.resident_a.id}:")


def test_login_answers_the_same_for_unknown_and_known_numbers(client, world):
    unknown = client.post_form("/login", {"phone": "13999999999", "password": "Whatever-123"})
    known = client.post_form("/login", {"phone": world.resident_a.phone, "password": "Wrong-123"})
    assert unknown.status_code == known.status_code == 422

    def strip(html):
        html = re.sub(r'value="[^"]*"', "", html)  # CSRF tokens and the typed phone differ
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)

    assert strip(unknown.get_data(as_text=True)) == strip(known.get_data(as_text=True))
    assert "手机号或密码不正确" in known.get_data(as_text=True)


def test_login_is_rate_limited(app, database_url, tmp_path_factory, world):
    from tests.conftest import Client, make_app

    limited = make_app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute")
    limited.test_client_class = Client
    c = limited.test_client()
    phone = world.resident_a.phone
    codes = [c.post_form("/login", {"phone": phone, "password": "Bad-pass-1"}).status_code
             for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    blocked = c.post_form("/login", {"phone": phone, "password": factories.PASSWORD})
    assert blocked.status_code == 429
    assert "操作太频繁" in blocked.get_data(as_text=True)


def test_change_password_logs_out_other_sessions(login, world):
    first = login(world.resident_a)
    second = login(world.resident_a)
    r = first.post_form("/account/password", {"current": factories.PASSWORD,
                                              "password": "New-lamp-2026", "confirm": "New-lamp-2026"})
    assert r.status_code == 302
    assert first.get("/matters/mine").status_code == 200
    assert second.get("/matters/mine").status_code == 302  # old session no longer valid


def test_change_password_wrong_current(login, world):
    c = login(world.resident_a)
    r = c.post_form("/account/password", {"current": "nope-nope-1", "password": "New-lamp-2026",
                                          "confirm": "New-lamp-2026"})
    assert r.status_code == 422 and "当前密码不正确" in r.get_data(as_text=True)


def test_staff_creates_account_for_an_elderly_resident(login, world, app):
    c = login(world.staff)
    r = c.post_form("/staff/residents/new", {"phone": "13700001111", "display_name": "刘奶奶",
                                             "community_id": str(world.a.id), "household": "9 栋 101"})
    assert r.status_code == 200
    password = re.search(r'id="temporary-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    fresh = app.test_client()
    assert fresh.post_form("/login", {"phone": "13700001111", "password": password}).status_code == 302
    created = db.session.scalar(db.select(User).where(User.phone == "13700001111"))
    assert created.created_by_id == world.staff.id


def test_staff_resets_a_password_after_confirming(login, world, app):
    resident = login(world.resident_a)
    c = login(world.staff)
    confirm = c.get(f"/staff/residents/{world.resident_a.id}/reset")
    assert confirm.status_code == 200 and "确定要重置密码吗" in confirm.get_data(as_text=True)
    r = c.post_form(f"/staff/residents/{world.resident_a.id}/reset")
    password = re.search(r'id="temporary-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    assert resident.get("/matters/mine").status_code == 302  # the old session is gone
    fresh = app.test_client()
    assert fresh.post_form("/login", {"phone": world.resident_a.phone,
                                      "password": password}).status_code == 302


def test_staff_cannot_reset_an_admin(login, world):
    c = login(world.staff)
    assert c.post_form(f"/staff/residents/{world.admin.id}/reset").status_code == 403


def test_open_redirect_after_login_is_refused(client, world):
    r = client.post_form("/login?next=https://evil.example/", {
        "phone": world.resident_a.phone, "password": factories.PASSWORD})
    assert r.headers["Location"] == "/"


def test_large_text_and_language_switches(client, world):
    client.post_form("/prefs/text")
    assert 'class="large-text"' in client.get("/").get_data(as_text=True)
    client.post_form("/prefs/lang", {"lang": "en"})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html
