"""Login limits that fit a meeting room: only failures count, per account and per address."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from deliberation.extensions import db, limiter
from tests import factories
from tests.conftest import REDIS_URL, Client, make_app
from tests.meetings.conftest import accepted_matter, meeting_of  # noqa: F401,F811  (fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limited(database_url, tmp_path_factory):
    """An app with the production defaults for login limits (the suite's own are loose)."""
    from deliberation.config import DEFAULTS

    app = make_app(database_url, tmp_path_factory, PROXY_FIX_X_FOR=1,
                   LOGIN_RATE_LIMIT=DEFAULTS["LOGIN_RATE_LIMIT"],
                   LOGIN_ACCOUNT_LIMIT=DEFAULTS["LOGIN_ACCOUNT_LIMIT"])
    app.test_client_class = Client
    return app


def _login(c, phone, password, address="10.0.0.7"):
    return c.post_form("/login", {"phone": phone, "password": password},
                       headers={"X-Forwarded-For": address})


def test_twelve_members_log_in_one_after_another_from_one_wifi(limited):
    members = [factories.user(name=f"委员{i}") for i in range(12)]
    db.session.commit()
    codes = [_login(limited.test_client(), m.phone, factories.PASSWORD).status_code for m in members]
    assert codes == [302] * 12


def test_failures_on_one_account_lock_that_account_only(limited, world):
    c = limited.test_client()
    codes = [_login(c, world.resident_a.phone, "Wrong-pass-9").status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    # Even the right password waits now, from any address: guessing is spread out in vain.
    locked = _login(limited.test_client(), world.resident_a.phone, factories.PASSWORD, "10.9.9.9")
    assert locked.status_code == 429 and "登录失败的次数太多" in locked.get_data(as_text=True)
    # Another member in the same room logs in as usual.
    assert _login(c, world.resident_a2.phone, factories.PASSWORD).status_code == 302


def test_failures_from_one_address_limit_that_address(limited, world):
    c = limited.test_client()
    codes = [_login(c, f"1370000{i:04d}", "Wrong-pass-9", "10.0.0.66").status_code
             for i in range(51)]
    assert codes == [422] * 50 + [429]
    assert _login(c, world.resident_a.phone, factories.PASSWORD, "10.0.0.66").status_code == 429
    # Behind the proxy every client has its own address: the next one is not held up.
    assert _login(c, world.resident_a.phone, factories.PASSWORD, "10.0.0.67").status_code == 302


def test_a_locked_member_still_checks_in_by_code(limited, world, meeting_of):  # noqa: F811
    """Someone mistyping (or guessing) a member's password does not keep them out of the
    meeting: the member's session checks in by the code on the screen."""
    meeting = meeting_of(accepted_matter(world))
    member = limited.test_client()
    assert _login(member, world.member_a.phone, factories.PASSWORD).status_code == 302
    other = limited.test_client()
    for _ in range(6):
        _login(other, world.member_a.phone, "Wrong-pass-9", "10.1.1.1")
    assert _login(other, world.member_a.phone, factories.PASSWORD, "10.1.1.1").status_code == 429
    r = member.post_form("/meetings/checkin", {"code": meeting.checkin_code},
                         headers={"X-Forwarded-For": "10.0.0.7"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


OTHER_WORKER = textwrap.dedent("""
    import sys
    from deliberation import create_app
    from tests.conftest import Client
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "INSTANCE_PATH": sys.argv[2], "RATELIMIT_STORAGE_URI": sys.argv[3],
                      "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes"})
    app.test_client_class = Client
    c = app.test_client()
    with app.app_context():
        codes = [c.post_form("/login", {"phone": sys.argv[4], "password": "Wrong-pass-9"}).status_code
                 for _ in range(5)]
    print(codes)
""")


def test_with_redis_the_count_is_shared_by_workers(redis_db, database_url, tmp_path, world,
                                                   tmp_path_factory):
    """Five failures in another process (another gunicorn worker) lock the account here."""
    phone = world.resident_a.phone
    db.session.commit()  # the other process needs the database's write lock
    done = subprocess.run([sys.executable, "-c", OTHER_WORKER, database_url, str(tmp_path), REDIS_URL,
                           phone], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str([422] * 5)
    here = make_app(database_url, tmp_path_factory, RATELIMIT_STORAGE_URI=REDIS_URL,
                    LOGIN_ACCOUNT_LIMIT="5 per 15 minutes")
    here.test_client_class = Client
    c = here.test_client()
    assert c.post_form("/login", {"phone": world.resident_a.phone,
                                  "password": factories.PASSWORD}).status_code == 429
    assert c.post_form("/login", {"phone": world.resident_a2.phone,
                                  "password": factories.PASSWORD}).status_code == 302


def test_redis_url_is_used_for_the_limits_when_no_storage_is_named(tmp_path, monkeypatch):
    from deliberation import create_app

    saved = (limiter._storage, limiter._limiter)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                          "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        assert type(limiter._storage).__name__.startswith("Redis")
    finally:
        limiter._storage, limiter._limiter = saved
