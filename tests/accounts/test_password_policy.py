"""Password policy on the change-password form; temporary passwords must be replaced."""

from __future__ import annotations

import re

import pytest

from deliberation.accounts import passwords
from deliberation.accounts.models import User
from deliberation.extensions import db
from tests import factories


def _token(c) -> str:
    """The CSRF token from the change-password page (the only page a temporary password sees)."""
    html = c.get("/account/password").get_data(as_text=True)
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def _change(c, new, current=factories.PASSWORD):
    return c.post("/account/password", data={"current": current, "password": new, "confirm": new,
                                             "csrf_token": _token(c)})


@pytest.mark.parametrize("new, message", [
    ("{phone}", "太常见"),
    ("Wo{phone}!", "太常见"),
    ("19800101", "日期"),
    ("Lamp19800101", "日期"),
    ("01011980xy", "日期"),
    ("password1", "太常见"),
    ("short1", "至少需要 8 位"),
])
def test_change_password_refuses_own_phone_dates_and_common_words(login, world, new, message):
    c = login(world.resident_a)
    r = _change(c, new.format(phone=world.resident_a.phone))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and message in html
    assert "密码需要重新输入" in html  # the form says the password fields are empty again
    assert world.resident_a.check_password(factories.PASSWORD)


def test_a_good_password_is_accepted(login, world):
    assert _change(login(world.resident_a), "Lamp-post-19").status_code == 302


@pytest.mark.parametrize("text, found", [
    ("19800101", True), ("x20251231y", True), ("31121999", True), ("12311999", True),
    ("19801301", False), ("12345679", False), ("2024010", False), ("99999999", False),
])
def test_dates_are_eight_digit_calendar_days(text, found):
    assert passwords.contains_date(text) is found


def _temporary(r) -> str:
    return re.search(r'id="temporary-password">([^<]+)<', r.get_data(as_text=True)).group(1)


def test_a_staff_created_account_must_change_its_password_first(login, world, app):
    staff = login(world.staff)
    r = staff.post_form("/staff/residents/new", {"phone": "13700001111", "display_name": "刘奶奶",
                                                 "community_id": str(world.a.id), "household": "9 栋 101"})
    temporary = _temporary(r)
    c = app.test_client()
    first = c.post_form("/login", {"phone": "13700001111", "password": temporary})
    assert first.status_code == 302
    for url in ("/", "/matters/new", "/matters/mine", "/notifications/"):
        r = c.get(url)
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), url
    page = c.get("/account/password").get_data(as_text=True)
    assert "临时密码" in page
    assert c.get("/static/css/app.css").status_code in (200, 304)  # static files still load
    assert _change(c, "Garden-gate-58", current=temporary).status_code == 302
    assert c.get("/matters/mine").status_code == 200
    user = db.session.scalar(db.select(User).where(User.phone == "13700001111"))
    assert user.must_change_password is False


def test_a_reset_password_must_be_changed_and_logout_stays_possible(login, world, app):
    staff = login(world.staff)
    temporary = _temporary(staff.post_form(f"/staff/residents/{world.resident_a.id}/reset"))
    c = app.test_client()
    assert c.post_form("/login", {"phone": world.resident_a.phone, "password": temporary}).status_code == 302
    assert c.get("/matters/mine").headers["Location"].endswith("/account/password")
    out = c.post("/logout", data={"csrf_token": _token(c)})
    assert out.status_code == 302 and not out.headers["Location"].endswith("/account/password")


def test_residents_who_register_themselves_are_not_sent_to_change_it(login, world):
    assert login(world.resident_a).get("/matters/mine").status_code == 200


def test_registration_error_says_the_passwords_must_be_typed_again(client, world):
    r = client.post_form("/register", {"phone": "13912345678", "display_name": "王阿姨",
                                       "community_id": str(world.a.id), "household": "5 栋 301",
                                       "password": "short1", "confirm": "short1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "其他内容都保留着，密码需要重新输入" in html
    assert "已填写的内容都保留着" not in html
    assert 'value="5 栋 301"' in html and 'value="short1"' not in html
