"""Issue 13: no node-local state. Two app nodes (own empty instance folders; the same database,
Redis and bucket) take one user's consecutive requests in turn, as behind a load balancer.

Sessions are signed cookies; the signing key (development: shared through Redis, production:
SECRET_KEY) is the same on both, so are CSRF tokens; rate limits are counted in Redis; photos
are in the bucket; the live meeting screens poll a version kept in the database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deliberation import config as app_config
from deliberation.extensions import limiter

from . import s3server
from .conftest import REDIS_URL, Client, make_app
from .factories import PASSWORD
from .test_photos import filed_photo_key, filing_with_photo


@pytest.fixture
def nodes(database_url, tmp_path_factory, redis_db):
    """Nodes A and B: no SECRET_KEY (development), so the key must come from Redis."""
    saved = (limiter._storage, limiter._limiter)
    shared = {"SECRET_KEY": None, "REDIS_URL": REDIS_URL, "LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
              **s3server.storage_config("cluster")}
    apps = []
    for _ in range(2):
        app = make_app(database_url, tmp_path_factory, **shared)
        app.test_client_class = Client
        apps.append(app)
    yield apps
    limiter._storage, limiter._limiter = saved


class Roaming:
    """One browser whose requests alternate between the nodes (one cookie jar for both)."""

    def __init__(self, apps):
        self.clients = [app.test_client() for app in apps]
        for c in self.clients[1:]:
            c._cookies = self.clients[0]._cookies
        self.turn = 0

    def on(self, index: int) -> Client:
        return self.clients[index]

    def next(self) -> Client:
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        return client


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_one_user_across_two_nodes(nodes, world):
    a, b = nodes
    assert a.instance_path != b.instance_path
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"]  # from Redis, not per process
    browser = Roaming(nodes)

    # Log in on A with a form whose CSRF token came from B.
    token = _token(browser.on(1).get("/login").get_data(as_text=True))
    login = browser.on(0).post("/login", data={"csrf_token": token, "phone": world.resident_a.phone,
                                               "password": PASSWORD})
    assert login.status_code == 302
    assert "退出" in browser.on(1).get("/").get_data(as_text=True)  # B knows the session

    # File a matter with a photo on A; B serves the photo.
    form = browser.on(1).get("/matters/new").get_data(as_text=True)
    filed = browser.on(0).post("/matters/new", data={
        "csrf_token": _token(form), **filing_with_photo(world, "two-nodes-token-0123456789")},
        content_type="multipart/form-data")
    assert filed.status_code == 302, filed.get_data(as_text=True)[:500]
    matter, key = filed_photo_key()
    served = browser.on(1).get(f"/matters/{matter.id}/photos/{key}.jpg")
    assert served.status_code == 200 and served.data.startswith(b"\xff\xd8")
    assert not any((Path(p) / "uploads").exists() for p in (a.instance_path, b.instance_path))

    # A CSRF-protected POST on B with the token A's page gave; a forged one is refused.
    token_from_a = _token(browser.on(0).get("/notifications/").get_data(as_text=True))
    assert browser.on(1).post("/notifications/read", data={"csrf_token": "forged"}).status_code == 400
    assert browser.on(1).post("/notifications/read",
                              data={"csrf_token": token_from_a}).status_code == 302


def test_failed_logins_are_counted_across_both_nodes(nodes, world, redis_db):
    """LOGIN_ACCOUNT_LIMIT is 3: two wrong passwords on A and one on B use it up on both.
    (In one test process the nodes share the Limiter object, so the proof that separate
    processes share the count is that the count lives in Redis.)"""
    assert all(app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL for app in nodes)
    browser = Roaming(nodes)
    for _ in range(3):
        c = browser.next()
        token = _token(c.get("/login").get_data(as_text=True))
        wrong = c.post("/login", data={"csrf_token": token, "phone": world.resident_a.phone,
                                       "password": "wrong-password-1"})
        assert wrong.status_code == 422
    for c in (browser.on(0), browser.on(1)):
        token = _token(c.get("/login").get_data(as_text=True))
        assert c.post("/login", data={"csrf_token": token, "phone": world.resident_a.phone,
                                      "password": PASSWORD}).status_code == 429
    assert redis_db.keys("LIMITS*")  # counted in the shared Redis, not in a process


def test_the_development_secret_is_shared_through_redis_not_made_per_process(redis_db, tmp_path):
    first = app_config._development_secret(tmp_path / "a", REDIS_URL)
    second = app_config._development_secret(tmp_path / "b", REDIS_URL)
    assert first == second and len(first) == 64
    assert not (tmp_path / "a" / "dev-secret-key").exists()
    # Without Redis: one key per instance folder, kept there (the same on every start).
    assert app_config._development_secret(tmp_path / "c") == app_config._development_secret(tmp_path / "c")
