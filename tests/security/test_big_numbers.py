"""Numbers no database column can hold are refused (404/400), never a 500.

A 25-digit id overflows SQLite's 64-bit INTEGER (Python's sqlite3 raises OverflowError) and
PostgreSQL's bigint; every `<int:>` route in the URL map is asked with one, by GET and, where
the route takes it, by POST with a valid CSRF token.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from deliberation import create_app
from deliberation.extensions import db

HUGE = "9" * 25


def _int_rules() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if "int" not in {type(c).__name__ for c in rule._converters.values()} and \
                "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method))
    return sorted(out)


def _fill(rule: str) -> str:
    url = re.sub(r"<int:[^>]+>", HUGE, rule)
    return re.sub(r"<(?:[a-z]+:)?([^>]+)>", lambda m: {"kind": "bodies", "view": "chair"}.get(
        m.group(1), "x"), url)


INT_RULES = _int_rules()


def test_the_map_has_int_routes():
    assert len(INT_RULES) > 30


@pytest.mark.parametrize(("rule", "method"), INT_RULES)
def test_a_25_digit_id_is_not_found(app, world, login, rule, method):
    c = login(world.admin)
    url = _fill(rule)
    if method == "GET":
        r = c.get(url)
    else:
        r = c.open(url, method=method, data={"csrf_token": c.csrf_token()})
    assert r.status_code in (404, 400), (url, method, r.status_code)


# --- numeric fields and cursors ------------------------------------------------------------------

def _token(*parts) -> str:
    import base64
    import json

    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(("sort", "token"), [
    ("new", _token("new", "2026-01-01T00:00:00", int(HUGE))),
    ("cosigns", _token("cosigns", int(HUGE), 1)),
    ("cosigns", _token("cosigns", 3, int(HUGE))),
])
def test_needs_list_cursor_beyond_64_bits_is_refused(client, world, sort, token):
    world.matter()
    r = client.get(f"/matters/?sort={sort}&after={token}")
    assert r.status_code == 400
    assert "翻页参数无效" in r.get_data(as_text=True)


@pytest.mark.parametrize(("sort", "cursor"), [
    ("new", f"2026-01-01T00:00:00~{HUGE}"), ("top", f"{HUGE}~1"), ("top", f"3~{HUGE}")])
def test_opinion_cursor_beyond_64_bits_is_refused(client, world, sort, cursor):
    from deliberation.matters import workflow

    matter = world.matter()
    workflow.accept(matter, world.chair_a)
    r = client.get(f"/matters/{matter.id}/opinions?sort={sort}&after={cursor}")
    assert r.status_code == 400


def test_merge_target_id_beyond_64_bits_is_a_message(world, login):
    matter = world.matter()
    r = login(world.chair_a).post_form(f"/screening/{matter.id}", {
        "decision": "merge", "target_id": HUGE, "reason": "同一件事"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "请填写要合并到的议题编号" in page and HUGE in page  # what was typed stays


def test_reply_parent_id_beyond_64_bits_is_refused(world, login):
    from deliberation.matters import workflow
    from deliberation.opinions.models import Opinion

    matter = world.matter()
    workflow.accept(matter, world.chair_a)
    r = login(world.resident_a2).post_form(f"/matters/{matter.id}/opinions", {
        "parent_id": HUGE, "text": "我也同意。"})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_agenda_matter_id_beyond_64_bits_is_a_message(world, login):
    from deliberation.meetings import services as meetings
    from deliberation.meetings.models import AgendaItem

    meeting = meetings.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会",
        starts_at=datetime(2026, 6, 1, 1, 0), place="社区活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    db.session.commit()
    c = login(world.chair_a)
    r = c.post_form(f"/meetings/{meeting.id}/agenda", {"matter_id": HUGE})
    assert r.status_code == 302
    assert "请选择一个议题" in c.get(r.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 0


@pytest.mark.parametrize("target", ["/matters/\r\nSet-Cookie: a=b", "/x\nLocation: //evil.example",
                                    "/\\evil.example/"])
def test_login_next_with_control_characters_goes_home(client, world, target):
    from urllib.parse import quote

    from tests import factories

    r = client.post_form(f"/login?next={quote(target)}",
                         {"phone": world.resident_a.phone, "password": factories.PASSWORD})
    assert r.status_code == 302
    location = r.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location
    assert urlsplit(location).path == "/"
