"""Secret ballots against the attacks of issue 15: WAL replay, xmin join, the session cookie;
and one member's parallel first votes (one counted, no 500)."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from deliberation.extensions import db
from deliberation.meetings import voting
from deliberation.meetings.models import AgendaItem, Choice
from tests.factories import signed_in
from tests.parallel import together

from . import secrecy_attacks as attack
from .conftest import council_vote
from .test_vote_storm import Voter, server  # noqa: F401 (server: a fixture)

# Six voters with mixed choices, so a count that moves names one of them; voter 2 changes once.
CHOICES = ["yes", "no", "yes", "abstain", "no", "yes"]


def secret_vote(world, n: int):
    """An open secret phone vote of a council of `n` checked-in members, run by staff."""
    _, _, item, members = council_vote(world, n, n, "secret")
    return item, members


def sqlite_path() -> Path:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL replay attacks SQLite's write-ahead log "
                    "(the PostgreSQL suite runs the xmin join)")
    return Path(db.engine.url.database)


def checkpoint() -> None:
    """Move everything so far into the database file and empty the WAL (an attacker's copy of
    the file before the vote; from here on every commit is a frame sequence in the WAL)."""
    db.session.commit()  # the test's own transaction would hold the WAL open
    raw = db.engine.raw_connection()
    try:
        busy, _log, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    assert busy == 0


def test_wal_replay_links_no_voter_to_a_choice(world, login, app, tmp_path):
    path = sqlite_path()
    item, members = secret_vote(world, len(CHOICES))
    item_id, staff = item.id, world.staff
    phones = [login(u) for u in members]
    chair = login(staff)
    truth = {u.id: c for u, c in zip(members, CHOICES, strict=True)}
    checkpoint()
    base = path.read_bytes()

    for phone, choice in zip(phones, CHOICES, strict=True):
        assert phone.post_form(f"/meetings/items/{item_id}/vote", {"choice": choice}).status_code == 303
    assert phones[2].post_form(f"/meetings/items/{item_id}/vote", {"choice": "no"}).status_code == 303
    truth[members[2].id] = "no"
    assert chair.post_form(f"/meetings/items/{item_id}/close", {"confirmed": "1"}).status_code == 302
    wal = Path(f"{path}-wal").read_bytes()

    links, commits = attack.link_by_wal(base, wal, tmp_path, item_id)
    assert commits >= len(CHOICES) + 2  # every vote, the change and the close are in the WAL
    assert links == {}  # nobody's choice (issue 15's main: 6 of 6, see the test below)
    final_voters, final_counts = attack.observe(list(attack.replay(base, wal))[-1], tmp_path, 999, item_id)
    assert set(final_voters) == set(truth)  # the attacker does see who voted...
    assert final_counts == Counter(truth.values())  # ...and the result, once the vote is closed
    db.session.expire_all()
    closed = db.session.get(AgendaItem, item_id)
    assert (closed.yes, closed.no, closed.abstain) == (2, 3, 1)


def test_the_wal_replay_attack_does_link_the_old_scheme(tmp_path):
    """The same attacker against the scheme of issue 15 (the who-voted row and the tally
    increment in one transaction) recovers every voter's choice: the attack has teeth."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE agenda_item (id INTEGER PRIMARY KEY, yes INT, no INT, abstain INT)")
    conn.execute("CREATE TABLE ballot_cast (item_id INT, user_id INT, revision INT, "
                 "PRIMARY KEY (item_id, user_id))")
    conn.execute("CREATE TABLE vote_tally (item_id INT, choice TEXT, count INT, "
                 "PRIMARY KEY (item_id, choice))")
    conn.execute("INSERT INTO agenda_item (id) VALUES (1)")
    conn.executemany("INSERT INTO vote_tally VALUES (1, ?, 0)", [(c,) for c in Choice.values()])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    base = path.read_bytes()
    truth = {}
    for user_id, choice in enumerate(CHOICES, start=1):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO ballot_cast VALUES (1, ?, 1)", (user_id,))
        conn.execute("UPDATE vote_tally SET count = count + 1 WHERE choice = ?", (choice,))
        conn.execute("COMMIT")
        truth[user_id] = choice
    wal = Path(f"{path}-wal").read_bytes()
    conn.close()
    links, _ = attack.link_by_wal(base, wal, tmp_path, 1)
    assert links == truth


def _postgres():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's row-version metadata (SQLite runs the WAL replay)")


def test_xmin_join_names_no_voter(world, login):
    _postgres()
    item, members = secret_vote(world, 4)
    item_id = item.id
    for u, choice in zip(members, ["yes", "no", "abstain", "yes"], strict=True):
        assert login(u).post_form(f"/meetings/items/{item_id}/vote", {"choice": choice}).status_code == 303
    tables = [t.name for t in db.metadata.sorted_tables]
    db.session.commit()
    with db.engine.connect() as conn:
        during = attack.named_by_xmin(conn, item_id, tables)
    staff = login(world.staff)
    assert staff.post_form(f"/meetings/items/{item_id}/close", {"confirmed": "1"}).status_code == 302
    with db.engine.connect() as conn:
        after = attack.named_by_xmin(conn, item_id, tables)
        voters = conn.execute(text("SELECT count(*) FROM ballot_cast WHERE item_id = :i"),
                              {"i": item_id}).scalar()
    assert voters == 4  # who voted is still known
    assert during == {} and after == {}


def test_the_xmin_join_does_name_voters_of_the_old_scheme():
    _postgres()
    with db.engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE old_ballot_cast (item_id int, user_id int)"))
        conn.execute(text("CREATE TEMP TABLE old_vote_tally (item_id int, choice text, count int)"))
        conn.execute(text("INSERT INTO old_vote_tally VALUES (1, 'yes', 0), (1, 'no', 0), (1, 'abstain', 0)"))
        conn.commit()
        try:
            for user_id, choice in enumerate(["yes", "no", "abstain"], start=1):
                conn.execute(text("INSERT INTO old_ballot_cast VALUES (1, :u)"), {"u": user_id})
                conn.execute(text("UPDATE old_vote_tally SET count = count + 1 WHERE choice = :c"),
                             {"c": choice})
                conn.commit()
            named = attack.named_by_xmin(conn, 1, ["old_vote_tally"], who_voted="old_ballot_cast")
        finally:
            conn.rollback()
            conn.execute(text("DROP TABLE old_ballot_cast, old_vote_tally"))  # pooled connection
            conn.commit()
    assert named == {1: "yes", 2: "no", 3: "abstain"}


def _strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    else:
        yield str(value)


def test_the_session_cookie_holds_no_choice(world, login, app):
    item, members = secret_vote(world, 3)
    phone = login(members[0])
    assert phone.post_form(f"/meetings/items/{item.id}/vote", {"choice": "no"}).status_code == 303
    serializer = app.session_interface.get_signing_serializer(app)
    after_vote = serializer.loads(phone.get_cookie("session").value)  # holds the flash, too
    page = phone.get(f"/meetings/{item.meeting_id}/phone").get_data(as_text=True)
    after_page = serializer.loads(phone.get_cookie("session").value)
    labels = {"同意", "反对", "弃权"}
    for data in (after_vote, after_page):
        for s in _strings(data):
            assert s not in Choice.values() and not any(label in s for label in labels), data
    assert "您已投票" in page
    # the receipt kept in the session still lets this phone change the vote, and only once
    assert phone.post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    other = login(members[0])
    assert other.post_form(f"/meetings/items/{item.id}/vote", {"choice": "abstain"}).status_code == 409


def test_twenty_parallel_first_votes_of_one_member_count_once(app, world, server):  # noqa: F811
    """Each of three members sends 20 first votes at once (one phone, a flaky network): one is
    counted, the others answer "already voted" (409), none is a 500."""
    item, members = secret_vote(world, 3)
    item_id = item.id
    rng = random.Random(7)
    counted = Counter()
    phones = [(m.id, *signed_in(app, m)) for m in members]
    db.session.commit()  # the test's transaction would hold SQLite's write lock
    for member_id, cookie, token in phones:
        same_member = [Voter(server, member_id, cookie, token) for _ in range(20)]
        choices = [rng.choice(Choice.values()) for _ in same_member]
        results = together(same_member, lambda v, s=same_member, c=choices: v.post(
            f"/meetings/items/{item_id}/vote", choice=c[s.index(v)]))
        assert sorted(results) == [303] + [409] * 19, Counter(map(str, results))
        counted[choices[results.index(303)]] += 1
    staff = db.session.get(type(world.staff), world.staff.id)
    voting.close_vote(db.session.get(AgendaItem, item_id), staff)
    db.session.commit()
    closed = db.session.get(AgendaItem, item_id)
    assert {"yes": closed.yes, "no": closed.no, "abstain": closed.abstain} == {
        c: counted[c] for c in Choice.values()}
