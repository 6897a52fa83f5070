"""Logout ends every copy of the session; the README's commands run without SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deliberation import create_app
from deliberation.config import ConfigError
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_is_anonymous_after_logout(app, login, world):
    member = login(world.resident_a)
    thief = _copy_of(app, member)
    assert thief.get("/matters/mine").status_code == 200  # the copy works while logged in
    r = member.post_form("/logout", follow_redirects=True)
    assert "已退出登录" in r.get_data(as_text=True)
    mine = thief.get("/matters/mine")
    assert mine.status_code == 302 and "/login" in mine.headers["Location"]
    assert world.resident_a.display_name not in thief.get("/").get_data(as_text=True)


def test_changing_the_password_ends_a_copied_session(app, login, world):
    member = login(world.resident_a)
    thief = _copy_of(app, member)
    r = member.post_form("/account/password", {"current": factories.PASSWORD,
                                               "password": "New-lamp-2026", "confirm": "New-lamp-2026"})
    assert r.status_code == 302
    assert member.get("/matters/mine").status_code == 200
    assert thief.get("/matters/mine").status_code == 302


def test_logging_in_again_after_logout_works(login, world):
    member = login(world.resident_a)
    member.post_form("/logout")
    again = login(world.resident_a)
    assert again.get("/matters/mine").status_code == 200


def _cli(tmp_path, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "APP_ENV", "DATABASE_URL", "FLASK_RUN_FROM_CLI")}
    env["INSTANCE_PATH"] = str(tmp_path)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_readme_commands_run_without_secret_key(tmp_path):
    """`flask --app wsgi audit verify` and `tick`, as the README writes them (no SECRET_KEY,
    no APP_ENV), run instead of stopping at the missing key."""
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    verify = _cli(tmp_path, "audit", "verify")
    assert verify.returncode == 0, verify.stderr[-2000:]
    assert "SECRET_KEY" not in verify.stderr
    tick = _cli(tmp_path, "tick")
    assert tick.returncode == 0, tick.stderr[-2000:]


def test_flask_run_without_secret_key_refuses_to_serve(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        app.test_client().get("/")
