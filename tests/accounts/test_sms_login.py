"""Login and registration by SMS code (验证码登录). Only the SMS provider is faked: a recorder
stands where the SMS service would be; everything else is the app as it runs."""

from __future__ import annotations

import logging
import re
import types
from datetime import datetime, timedelta

import limits.storage.memory
import limits.strategies
import pytest
from sqlalchemy import select

from deliberation.accounts.models import User
from deliberation.accounts.sms_login import SmsCode
from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.notifications import sms
from tests.conftest import REDIS_URL, Client, make_app

UNKNOWN = "13900001111"


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []
        self.fail: sms.SmsError | None = None

    def send(self, phone: str, template: str, params: dict[str, str]) -> str:
        if self.fail:
            raise self.fail
        self.sent.append((phone, template, dict(params)))
        return f"rec-{len(self.sent)}"

    def code_for(self, phone: str) -> str:
        return next(p["code"] for ph, _t, p in reversed(self.sent) if ph == phone)


@pytest.fixture
def outbox(monkeypatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(sms, "provider", lambda: recorder)
    return recorder


@pytest.fixture
def later(monkeypatch):
    """`later(seconds)` moves the rate limiter's clock (and the app's) forward."""
    import time as real_time

    state = {"offset": 0.0}
    fake = types.SimpleNamespace(time=lambda: real_time.time() + state["offset"],
                                 monotonic=real_time.monotonic, sleep=real_time.sleep)
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(limits.strategies, "time", fake)
    start = datetime(2026, 6, 1, 2, 0)
    clock.freeze(start)

    def _later(seconds: float) -> None:
        state["offset"] += seconds
        clock.freeze(start + timedelta(seconds=state["offset"]))

    return _later


def _ask(c: Client, phone: str, address: str = "10.0.0.1"):
    return c.post_form("/login/code", {"phone": phone}, environ_base={"REMOTE_ADDR": address})


def _enter(c: Client, code: str, address: str = "10.0.0.1"):
    return c.post_form("/login/code/verify", {"code": code}, environ_base={"REMOTE_ADDR": address})


def _logged_in(c: Client) -> bool:
    return c.get("/account/password").status_code == 200


def _actions(subject_type: str) -> list[str]:
    return list(db.session.scalars(select(audit.AuditEntry.action).where(
        audit.AuditEntry.subject_type == subject_type).order_by(audit.AuditEntry.id)))


def test_a_resident_logs_in_with_the_code_from_the_sms(world, outbox, client):
    phone = world.resident_a.phone
    r = _ask(client, phone)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/code/verify")
    assert [(p, t) for p, t, _ in outbox.sent] == [(phone, "login_code")]
    code = outbox.code_for(phone)
    assert re.fullmatch(r"\d{6}", code)
    page = client.get("/login/code/verify").get_data(as_text=True)
    assert phone[:3] + "****" + phone[-4:] in page and phone not in page

    r = _enter(client, code)
    assert r.status_code == 302 and _logged_in(client)
    # Stored hashed only, and spent: the same code opens nothing a second time.
    row = db.session.scalar(select(SmsCode))
    assert code not in row.code_hash and len(row.code_hash) == 64 and row.used_at is not None
    assert _actions("sms_code") == ["sms_code_sent"]
    assert _actions("user")[-1] == "login_by_code"
    entry = db.session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.action == "login_by_code"))
    assert entry.actor_id == world.resident_a.id and not entry.public


def factories_client(client: Client) -> Client:
    return client.application.test_client()


def test_a_spent_code_does_not_log_in_again(world, outbox, client):
    _ask(client, world.resident_a.phone)
    code = outbox.code_for(world.resident_a.phone)
    assert _enter(client, code).status_code == 302
    thief = factories_client(client)
    with thief.session_transaction() as s:
        s["code_phone"] = world.resident_a.phone
    assert _enter(thief, code).status_code == 422 and not _logged_in(thief)


def test_five_wrong_codes_lock_the_code(world, outbox, client, later):
    phone = world.resident_a.phone
    _ask(client, phone)
    code = outbox.code_for(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert [_enter(client, wrong).status_code for _ in range(5)] == [422] * 5
    r = _enter(client, code)  # the right one, too late
    assert r.status_code == 422 and "输错 5 次" in r.get_data(as_text=True)
    assert not _logged_in(client)
    assert _actions("sms_code") == ["sms_code_sent", "sms_code_locked"]
    # A new code (a minute later) works.
    later(61)
    assert _ask(client, phone).status_code == 302
    assert _enter(client, outbox.code_for(phone)).status_code == 302 and _logged_in(client)


def test_four_wrong_codes_then_the_right_one_logs_in(world, outbox, client):
    _ask(client, world.resident_a.phone)
    code = outbox.code_for(world.resident_a.phone)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    assert [_enter(client, wrong).status_code for _ in range(4)] == [422] * 4
    assert _enter(client, code).status_code == 302


def test_a_code_expires_after_five_minutes(world, outbox, client, later):
    phone = world.resident_a.phone
    _ask(client, phone)
    later(5 * 60 + 1)
    assert _enter(client, outbox.code_for(phone)).status_code == 422
    assert not _logged_in(client)
    _ask(client, phone)
    later(4 * 60 + 50)
    assert _enter(client, outbox.code_for(phone)).status_code == 302


def test_a_new_code_replaces_the_old_one(world, outbox, client, later):
    phone = world.resident_a.phone
    _ask(client, phone)
    first = outbox.code_for(phone)
    later(61)
    _ask(client, phone)
    second = outbox.code_for(phone)
    if first != second:
        assert _enter(client, first).status_code == 422
    assert _enter(client, second).status_code == 302


def test_one_code_a_minute_and_ten_a_day_per_number(world, outbox, client, later):
    phone = world.resident_a.phone
    assert _ask(client, phone, "10.0.0.1").status_code == 302
    r = _ask(client, phone, "10.0.0.2")  # another address, same number
    assert r.status_code == 429 and len(outbox.sent) == 1
    for i in range(9):
        later(61)
        assert _ask(client, phone, f"10.0.1.{i}").status_code == 302
    later(61)
    assert _ask(client, phone, "10.0.2.1").status_code == 429  # the eleventh today
    assert len(outbox.sent) == 10
    # Another number is not held up.
    assert _ask(client, world.resident_a2.phone, "10.0.2.2").status_code == 302
    later(24 * 3600)
    assert _ask(client, phone, "10.0.3.1").status_code == 302


def test_one_code_a_minute_and_ten_a_day_per_address(world, outbox, client, later):
    assert _ask(client, "13900000000", "10.0.0.9").status_code == 302
    assert _ask(client, "13900000001", "10.0.0.9").status_code == 429
    for i in range(2, 11):
        later(61)
        assert _ask(client, f"139000000{i:02d}", "10.0.0.9").status_code == 302
    later(61)
    assert _ask(client, "13900000099", "10.0.0.9").status_code == 429
    assert len(outbox.sent) == 10
    assert _ask(client, "13900000099", "10.0.0.10").status_code == 302


def test_a_mistyped_number_costs_no_code(world, outbox, client):
    assert _ask(client, "12345").status_code == 422
    assert _ask(client, world.resident_a.phone).status_code == 302
    assert len(outbox.sent) == 1


def test_the_answer_is_the_same_whether_or_not_the_number_is_registered(world, outbox, app):
    known, unknown = app.test_client(), app.test_client()
    a = _ask(known, world.resident_a.phone, "10.0.0.1")
    b = _ask(unknown, UNKNOWN, "10.0.0.2")
    assert (a.status_code, a.headers["Location"]) == (b.status_code, b.headers["Location"])
    assert a.get_data() == b.get_data()
    # The code pages differ only by the (masked) number; a wrong code reads the same.
    pa = _enter(known, "000000", "10.0.0.1").get_data(as_text=True)
    pb = _enter(unknown, "000000", "10.0.0.2").get_data(as_text=True)

    def strip(html: str) -> str:
        html = re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", html)  # per-session tokens
        return re.sub(r"1\d\d\*\*\*\*\d{4}", "N", html)
    assert strip(pa) == strip(pb)
    # Both numbers got a text; only its owner reads which kind.
    assert [t for _p, t, _ in outbox.sent] == ["login_code", "register_code"]


def test_a_new_resident_registers_by_code(world, outbox, client):
    _ask(client, UNKNOWN)
    r = _enter(client, outbox.code_for(UNKNOWN))
    assert r.status_code == 302 and r.headers["Location"] == "/register/code"
    page = client.get("/register/code").get_data(as_text=True)
    assert "139****1111" in page and 'name="password"' not in page
    r = client.post_form("/register/code", {"display_name": "孙阿姨", "community_id": world.a.id,
                                            "household": "7 栋 302"})
    assert r.status_code == 302 and _logged_in(client)
    user = db.session.scalar(select(User).where(User.phone == UNKNOWN))
    assert (user.display_name, user.community_id, user.household) == ("孙阿姨", world.a.id, "7 栋 302")
    assert user.role == "resident" and not user.must_change_password
    assert "register" in _actions("user")
    sent = db.session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.action == "sms_code_sent"))
    assert sent.details == {"phone": "139****1111", "registered": False}


def test_registration_needs_a_fresh_verified_number(world, outbox, client, later):
    r = client.get("/register/code")
    assert r.status_code == 302 and r.headers["Location"] == "/login/code"
    r = client.post_form("/register/code", {"display_name": "冒名", "community_id": world.a.id,
                                            "household": "1 栋"})
    assert r.status_code == 302 and db.session.scalar(select(User).where(User.display_name == "冒名")) is None
    _ask(client, UNKNOWN)
    _enter(client, outbox.code_for(UNKNOWN))
    later(16 * 60)
    assert client.get("/register/code").headers["Location"] == "/login/code"


def test_registration_form_errors_keep_the_verified_number(world, outbox, client):
    _ask(client, UNKNOWN)
    _enter(client, outbox.code_for(UNKNOWN))
    r = client.post_form("/register/code", {"display_name": "", "community_id": 0, "household": ""})
    assert r.status_code == 422 and "请填写称呼" in r.get_data(as_text=True)


def test_when_the_sms_cannot_be_sent_no_code_lingers_and_none_is_counted(world, outbox, client):
    outbox.fail = sms.SmsError("quota", permanent=False)
    r = _ask(client, world.resident_a.phone)
    assert r.status_code == 503 and "短信暂时发不出去" in r.get_data(as_text=True)
    assert db.session.scalar(select(SmsCode)) is None  # rolled back with the 503
    outbox.fail = None
    assert _ask(client, world.resident_a.phone).status_code == 302


def test_the_login_page_links_to_code_login(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/login/code"' in html and "用验证码登录" in html


def test_the_console_provider_logs_the_text(app, caplog):
    caplog.set_level(logging.INFO, logger="deliberation")
    with app.test_request_context():
        message_id = sms.provider().send("13800000000", "login_code", {"code": "123456"})
    assert message_id.startswith("console-")
    assert "123456" in caplog.text and "5分钟内有效" in caplog.text
    with pytest.raises(sms.SmsError) as info:
        sms.ConsoleProvider().send("13800000000", "nope", {})
    assert info.value.permanent


def test_on_redis_the_per_number_limit_is_shared(redis_db, database_url, tmp_path_factory, world,
                                                  outbox):
    """Two app instances (two workers) on one Redis: the second code within a minute is refused."""
    db.session.commit()
    first = make_app(database_url, tmp_path_factory, RATELIMIT_STORAGE_URI=REDIS_URL)
    first.test_client_class = Client
    assert _ask(first.test_client(), world.resident_a.phone, "10.0.0.1").status_code == 302
    second = make_app(database_url, tmp_path_factory, RATELIMIT_STORAGE_URI=REDIS_URL)
    second.test_client_class = Client
    assert _ask(second.test_client(), world.resident_a.phone, "10.0.0.2").status_code == 429
    assert any(k.startswith(b"LIMITS") or b"sms-code-phone" in k for k in redis_db.keys("*"))
