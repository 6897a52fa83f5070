"""Pages kept for visitors without an account (core/page_cache.py): served from memory until
the next write anywhere, never to a signed-in user, never stale for whoever wrote, each visitor
with their own CSRF token and language."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from deliberation import create_app
from deliberation.core import page_cache
from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.models import Matter
from tests.querycount import count_queries


@pytest.fixture(autouse=True)
def _one_time_slot():
    """The clock stands still (conftest releases it after each test): a request pair that
    straddled a 5 s slot boundary of the real clock would rightly miss."""
    clock.freeze(clock.utcnow())


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_visitors_page_is_served_from_memory_until_the_next_write(world, client, login):
    m = world.matter(title="小区东门路灯不亮")
    url = f"/matters/{m.id}"
    first = client.get(url)
    assert first.status_code == 200 and "小区东门路灯不亮" in first.get_data(as_text=True)
    with count_queries() as q:
        again = client.get(url)
    assert again.status_code == 200 and q.count == 0, q.statements
    assert "小区东门路灯不亮" in again.get_data(as_text=True)

    # A resident co-signs: the very next anonymous request shows the new count.
    assert 'id="cosign-count">0<' in again.get_data(as_text=True)
    resident = login(world.resident_a2)
    assert resident.post_form(f"{url}/cosign").status_code == 303
    with count_queries() as q:
        after = client.get(url)
    assert q.count > 0
    assert 'id="cosign-count">1<' in after.get_data(as_text=True)


def test_the_writer_sees_their_own_edit_on_the_shared_page(world, client, login):
    m = world.matter(title="旧标题：楼道灯")
    assert "旧标题：楼道灯" in client.get("/matters/").get_data(as_text=True)
    assert "旧标题：楼道灯" in client.get("/matters/").get_data(as_text=True)  # kept
    db.session.get(Matter, m.id).title = "新标题：楼道灯已报修"
    db.session.commit()  # any write, from anywhere: here the test's own session
    page = client.get("/matters/").get_data(as_text=True)
    assert "新标题：楼道灯已报修" in page and "旧标题：楼道灯" not in page


def test_each_visitor_gets_their_own_csrf_token_and_it_works(world, app):
    one, two = app.test_client(), app.test_client()
    html_one = one.get("/").get_data(as_text=True)
    with count_queries() as q:
        response = two.get("/")
    assert q.count == 0  # served from memory
    html_two = response.get_data(as_text=True)
    assert "\x00" not in html_two
    assert _token(html_one) != _token(html_two)
    assert "session=" in response.headers.get("Set-Cookie", "")  # the new visitor's own session
    # The token in the kept page is the second visitor's: switching language works with it...
    switched = two.post("/prefs/lang", data={"csrf_token": _token(html_two), "lang": "en"})
    assert switched.status_code == 302
    # ...and the first visitor's token does not work for the second.
    fresh = app.test_client()
    fresh.get("/")
    refused = fresh.post("/prefs/lang", data={"csrf_token": _token(html_one), "lang": "en"})
    assert refused.status_code == 400


def test_language_and_text_size_get_their_own_copies(world, client, app):
    chinese = client.get("/matters/").get_data(as_text=True)
    english = app.test_client()
    english.set_cookie("lang", "en")
    assert '<html lang="en">' in english.get("/matters/").get_data(as_text=True)
    assert '<html lang="en">' not in client.get("/matters/").get_data(as_text=True)
    large = app.test_client()
    large.set_cookie("text", "large")
    assert "large-text" in large.get("/matters/").get_data(as_text=True)
    assert "large-text" not in chinese and "large-text" not in client.get("/matters/").get_data(as_text=True)


def test_signed_in_users_and_flashed_messages_are_never_served_a_kept_page(world, client, login):
    client.get("/")
    client.get("/")
    resident = login(world.resident_a)
    with count_queries() as q:
        page = resident.get("/").get_data(as_text=True)
    assert q.count > 0 and "王阿姨" in page
    assert "王阿姨" not in client.get("/").get_data(as_text=True)
    # Logging out flashes a message on the home page: that page is the visitor's own.
    out = resident.post_form("/logout")
    assert out.status_code == 302
    assert "已退出登录" in resident.get("/").get_data(as_text=True)
    assert "已退出登录" not in resident.get("/").get_data(as_text=True)  # shown once


def test_a_page_that_changes_with_time_is_at_most_one_slot_old(world, client, app):
    now = clock.utcnow()
    clock.freeze(now)
    client.get("/")
    with count_queries() as q:
        client.get("/")
    assert q.count == 0
    clock.freeze(now + timedelta(seconds=app.config.get("PAGE_CACHE_SECONDS", 5) + 1))
    with count_queries() as q:
        client.get("/")
    assert q.count > 0


def test_switched_off_nothing_is_kept(world, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    client.get("/")
    with count_queries() as q:
        client.get("/")
    assert q.count > 0


def test_error_pages_and_htmx_partials_are_kept_apart(world, client):
    full = client.get("/matters/").get_data(as_text=True)
    partial = client.get("/matters/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in full and "<html" not in partial
    assert "<html" in client.get("/matters/").get_data(as_text=True)
    assert client.get("/matters/999999").status_code == 404
    assert client.get("/matters/999999").status_code == 404


@pytest.mark.parametrize("statement,writes", [
    ("SELECT 1", False), ("  select * from matter for update", False), ("PRAGMA foreign_keys=ON", False),
    ("BEGIN IMMEDIATE", False), ("SAVEPOINT sa_1", False), ("RELEASE SAVEPOINT sa_1", False),
    ("SET LOCAL lock_timeout = 1", False), ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("INSERT INTO cosign VALUES (1)", True), ("update matter set title='x'", True),
    ("DELETE FROM matter", True), ("TRUNCATE matter", True),
    ("WITH x AS (SELECT 1) UPDATE matter SET id = id", True), ("CREATE INDEX i ON m (a)", True),
])
def test_what_counts_as_a_write(statement, writes):
    assert page_cache.is_write(statement) is writes


OTHER_PROCESS = """
import sys
from deliberation import create_app
from deliberation.extensions import db
from deliberation.matters.models import Matter

app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "INSTANCE_PATH": sys.argv[2]})
with app.app_context():
    db.session.get(Matter, int(sys.argv[3])).title = sys.argv[4]
    db.session.commit()
"""


def test_a_write_in_another_process_reaches_this_ones_kept_pages(world, client, app, database_url):
    import subprocess
    import sys

    matter_id = world.matter(title="二号楼电梯异响").id
    url = f"/matters/{matter_id}"
    client.get(url)
    client.get(url)
    db.session.commit()  # the test holds no transaction while the other process writes
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, database_url, app.instance_path,
                           str(matter_id), "二号楼电梯已修好"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    page = client.get(url).get_data(as_text=True)
    assert "二号楼电梯已修好" in page and "二号楼电梯异响" not in page


def test_the_counter_in_redis_is_shared_by_every_node(world, database_url, tmp_path_factory, redis_db):
    from tests.conftest import make_app

    shared = {"REDIS_URL": "redis://" + redis_db.connection_pool.connection_kwargs["host"] + ":"
              + str(redis_db.connection_pool.connection_kwargs["port"]) + "/"
              + str(redis_db.connection_pool.connection_kwargs["db"]),
              "RATELIMIT_STORAGE_URI": "memory://"}
    node_a = make_app(database_url, tmp_path_factory, **shared)
    node_b = make_app(database_url, tmp_path_factory, **shared)
    assert isinstance(node_a.extensions["page_cache"].generation, page_cache.RedisGeneration)
    matter_id = world.matter(title="三号楼门禁坏了").id
    url = f"/matters/{matter_id}"
    visitor = node_a.test_client()
    assert "三号楼门禁坏了" in visitor.get(url).get_data(as_text=True)
    db.session.commit()
    before = redis_db.get(page_cache.REDIS_KEY)
    with node_b.app_context():
        db.session.get(Matter, matter_id).title = "三号楼门禁已更换"
        db.session.commit()
        db.session.remove()
    assert redis_db.get(page_cache.REDIS_KEY) != before
    assert "三号楼门禁已更换" in visitor.get(url).get_data(as_text=True)


def test_the_file_counter_survives_parallel_bumps(tmp_path):
    generation = page_cache.FileGeneration(tmp_path / "gen")
    start = generation.read()
    threads = [threading.Thread(target=lambda: [generation.bump() for _ in range(50)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert generation.read() != start
    assert (tmp_path / "gen").stat().st_size == 200


def test_a_fresh_app_boots_with_the_cache(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    assert isinstance(app.extensions["page_cache"].generation, page_cache.FileGeneration)
