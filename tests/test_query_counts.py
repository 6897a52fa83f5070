"""Pages issue a constant number of SQL statements whatever the number of items on them.

Each item gets its own proposer, category and community (one community per five items), so a
lazy load per item (N+1) shows up as a growing count. Add a page by adding a row to PAGES.
"""

from __future__ import annotations

import pytest

from deliberation.core import audit
from deliberation.directory import services as directory
from deliberation.directory.models import Category, Community
from deliberation.extensions import db
from tests import factories
from tests.querycount import count_queries

# (name, role in world.roles(), url builder); a known N+1 is a strict xfail that names its owner.
PAGES = [
    ("home", "anonymous", lambda w, m: "/"),
    ("needs list", "anonymous", lambda w, m: "/matters/"),
    ("matter page", "anonymous", lambda w, m: f"/matters/{m.id}"),
    ("matter page (committee)", "committee", lambda w, m: f"/matters/{m.id}"),
    ("matter page (staff)", "staff", lambda w, m: f"/matters/{m.id}"),
    ("screening queue", "staff", lambda w, m: "/screening/"),
    ("residents", "staff", lambda w, m: "/staff/residents"),
    ("admin categories", "staff", lambda w, m: "/admin/categories/"),
    ("notifications", "resident", lambda w, m: "/notifications/"),
]


def grow(world, n: int):
    """n matters by n different residents in n different categories, and n timeline entries
    by n different actors on the first one. Returns the first matter."""
    communities = [directory.save(Community(), world.admin.id,
                                  {"name": f"社区{n}-{i}", "street_id": world.street.id})
                   for i in range(max(1, n // 5))]
    first = None
    for i in range(n):
        category = directory.save(Category(), world.admin.id, {"name": f"分类{n}-{i}", "position": i})
        resident = factories.user(communities[i % len(communities)], name=f"居民{i}")
        m = world.matter(resident, title=f"议题 {i}", category_id=category.id)
        first = first or m
    for i in range(n):
        actor = factories.user(world.a, name=f"备注人{i}")
        audit.record(actor_id=actor.id, subject_type="matter", subject_id=first.id,
                     action="note", reason=f"备注 {i}", public=i % 2 == 0)
    db.session.commit()
    return first


def _counts(app, world, login, first) -> dict[str, int]:
    counts = {}
    clients = {}
    for name, role, url in (p.values if hasattr(p, "values") else p for p in PAGES):
        user = world.roles()[role]
        if role not in clients:
            clients[role] = login(user) if user else app.test_client()
        c = clients[role]
        c.get(url(world, first))  # warm: session, locale, template caches
        with count_queries() as q:
            r = c.get(url(world, first))
        assert r.status_code == 200, (name, r.status_code)
        counts[name] = q
    return counts


@pytest.mark.parametrize("page", [
    pytest.param(p.values[0], marks=p.marks) if hasattr(p, "values") else p[0] for p in PAGES])
def test_query_count_does_not_grow_with_items(app, world, login, page, monkeypatch):
    # What the page itself costs: a visitor's page kept between writes would count 0 twice.
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    small = _counts(app, world, login, grow(world, 10))[page]
    db.session.commit()
    # Same pages again with ten times the items: a fresh world would change ids, so add more.
    large = _counts(app, world, login, grow(world, 100))[page]
    assert large.count == small.count, f"{page}: " + large.diff(small)
