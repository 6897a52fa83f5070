"""The matter page costs the same number of queries with 10 opinions as with 200."""

from __future__ import annotations

import re

from deliberation.extensions import db
from deliberation.opinions.models import Opinion, OpinionAgree
from tests import factories
from tests.querycount import page_queries

from .conftest import say


def add_opinions(matter, authors, n: int, start: int) -> None:
    """Bulk set-up: top-level opinions of every stance by distinct residents (so a lazy load per
    author would show), each with a reply and an agree."""
    stances = ("for", "against", "suggestion")
    for i in range(start, start + n):
        author = factories.user(matter.community)
        o = Opinion(matter_id=matter.id, author_id=author.id, stance=stances[i % 3],
                    text=f"意见{i}", by_committee=i % 7 == 0, agree_count=1)
        db.session.add(o)
        db.session.flush()
        db.session.add(Opinion(matter_id=matter.id, author_id=authors[(i + 1) % len(authors)].id,
                               parent_id=o.id, text=f"回复{i}"))
        db.session.add(OpinionAgree(opinion_id=o.id, user_id=authors[(i + 2) % len(authors)].id))
    db.session.commit()


def test_matter_page_queries_do_not_grow_with_opinions(world, login, client, matter):
    authors = [world.resident_a, world.resident_a2, world.member_a]
    db.session.commit()
    say(matter, world.resident_a, "提议人的话")
    add_opinions(matter, authors, 9, 0)
    viewers = {"anonymous": client, "resident": login(world.resident_a2),
               "committee": login(world.chair_a)}
    url = f"/matters/{matter.id}"
    ten = {k: page_queries(c, url) for k, c in viewers.items()}
    ten_top = page_queries(viewers["resident"], url + "?sort=top")
    add_opinions(matter, authors, 190, 100)
    two_hundred = {k: page_queries(c, url) for k, c in viewers.items()}
    assert ten == two_hundred
    assert ten_top == page_queries(viewers["resident"], url + "?sort=top")
    html = client.get(url).get_data(as_text=True)
    assert len(re.findall(r'class="opinion"', html)) == 20  # one page of top-level opinions
    assert len(re.findall(r'class="opinion reply', html)) == 20  # and their replies
    assert "更多意见" in html
