"""200 members vote at once against a real threaded server (SQLite or PostgreSQL, whichever the
suite runs on): every member's last accepted choice is counted exactly once, nothing errors,
and votes that arrive after the close are refused (even when the close races them)."""

from __future__ import annotations

import http.client
import random
import re
import urllib.parse
from collections import Counter

import pytest
from sqlalchemy import select

from deliberation.directory.models import Body, BodyKind, BodyRole, Membership
from deliberation.extensions import db
from deliberation.meetings.models import AgendaItem, Meeting, Vote
from tests import factories
from tests.parallel import served, together

from .conftest import accepted_matter

VOTERS = 200


@pytest.fixture
def server(app):
    with served(app) as port:
        yield port




class Voter:
    def __init__(self, port: int, user_id: int, cookie: str, token: str):
        self.port, self.user_id, self.cookie, self.token = port, user_id, cookie, token

    def post(self, path: str, **fields) -> int:
        body = urllib.parse.urlencode({"csrf_token": self.token, **fields})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": f"session={self.cookie}"})
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            if m := re.match(r"session=([^;]+)", header):
                self.cookie = m.group(1)  # the secret ballot's receipt travels in the session
        conn.close()
        return response.status




@pytest.mark.parametrize("ballot", ["open", "secret"])
def test_two_hundred_members_vote_at_once(app, world, server, ballot):
    body = Body(name="大议事会", kind=BodyKind.COUNCIL.value)
    world.street.council_decides = True  # a street-level council decides the community's matter
    db.session.add(body)
    db.session.flush()
    members = [factories.user(world.a, name=f"代表{i}") for i in range(VOTERS)]
    for u in members:
        db.session.add(Membership(body_id=body.id, user_id=u.id, role=BodyRole.MEMBER.value))
    matter = accepted_matter(world)
    db.session.expire_all()
    staff = db.session.get(type(world.staff), world.staff.id)
    item = factories.vote_under_way(staff, [body.id], matter, members, ballot=ballot, check_in=False,
                                    title="代表大会")
    item_id, meeting_id = item.id, item.meeting_id
    voters = [Voter(server, u.id, *factories.signed_in(app, u)) for u in members]
    chair = Voter(server, staff.id, *factories.signed_in(app, staff))
    db.session.commit()
    path = f"/meetings/items/{item_id}/vote"

    # Wave 1: everyone votes at once, then changes their mind once, at once again.
    rng = random.Random(5)
    first = {v.user_id: rng.choice(["yes", "no", "abstain"]) for v in voters}
    second = {v.user_id: rng.choice(["yes", "no", "abstain"]) for v in voters}
    assert together(voters, lambda v: v.post(path, choice=first[v.user_id])) == [303] * VOTERS
    assert together(voters, lambda v: v.post(path, choice=second[v.user_id])) == [303] * VOTERS
    last = dict(second)

    # Wave 2: half change again while the chair closes the vote in the middle of them.
    racers = voters[: VOTERS // 2]
    third = {v.user_id: ("no" if second[v.user_id] == "yes" else "yes") for v in racers}

    def race(v):
        if v is chair:
            return v.post(f"/meetings/items/{item_id}/close", confirmed="1")
        return v.post(path, choice=third[v.user_id])

    results = together(racers + [chair], race)
    assert results[-1] == 302, results[-1]
    assert all(r in (303, 409) for r in results[:-1]), Counter(map(str, results))
    for v, status in zip(racers, results[:-1], strict=True):
        if status == 303:
            last[v.user_id] = third[v.user_id]

    # After the close: every vote is refused.
    assert set(together(voters[:50], lambda v: v.post(path, choice="yes"))) == {409}

    db.session.expire_all()
    item = db.session.get(AgendaItem, item_id)
    expected = Counter(last.values())
    assert item.state == "closed"
    assert (item.yes, item.no, item.abstain) == (expected["yes"], expected["no"], expected["abstain"])
    assert item.yes + item.no + item.abstain == VOTERS
    if ballot == "open":
        query = select(Vote.user_id, Vote.choice).where(Vote.item_id == item_id)
        rows = dict(db.session.execute(query).all())
        assert rows == last  # one row per member, holding their last accepted choice
    assert db.session.get(Meeting, meeting_id).state == "in_session"
