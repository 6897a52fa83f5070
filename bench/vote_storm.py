"""Vote storm: N members vote (and keep changing their votes) at once against gunicorn on loopback.

    .venv/bin/python bench/vote_storm.py                      # SQLite, 200 voters, 10 s
    .venv/bin/python bench/vote_storm.py --voters 50 --seconds 3      # short CI mode
    .venv/bin/python bench/vote_storm.py --pg                 # PostgreSQL (schema bench_vote_storm)
    .venv/bin/python bench/vote_storm.py --pg postgresql+psycopg://user@host/db

It makes a fresh database by running the migrations, seeds one meeting with N checked-in
members and an open vote, starts gunicorn on a free port, lets every voter post votes in a loop
for the given time, closes the vote, checks that each member's last accepted choice was counted
exactly once, and prints votes/s with p50/p99 latency.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from harness import (
    DEFAULT_PG,
    cookie_for,
    database_url,
    gunicorn,
    migrate_and_configure,
    percentile,
    post,
    seed,
)

SCHEMA = "bench_vote_storm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg", nargs="?", const=DEFAULT_PG, default=None,
                        help=f"use PostgreSQL (default URL {DEFAULT_PG})")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vote-storm-") as tmp_name:
        tmp = Path(tmp_name)
        env = migrate_and_configure(database_url(args, tmp, SCHEMA), tmp)
        from deliberation import create_app
        from deliberation.extensions import db

        app = create_app()
        with app.app_context():
            item_id, staff, members = seed(args.voters)
            creds = {u.id: cookie_for(app, u) for u in members}
            chair = cookie_for(app, staff)
            db.session.remove()
            db.engine.dispose()

        with gunicorn(env, args.workers, args.threads) as port:
            report = storm(port, item_id, creds, chair, args)
        with app.app_context():
            verify(item_id, report["last"])
            db.engine.dispose()
    print_report(report, args)


def storm(port: int, item_id: int, creds: dict, chair: tuple[str, str], args) -> dict:
    path = f"/meetings/items/{item_id}/vote"
    latencies: list[float] = []
    statuses: Counter = Counter()
    last: dict[int, str] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(creds) + 1)
    stop_at = [0.0]

    def voter(user_id: int, cookie: str, token: str) -> None:
        rng = random.Random(user_id)
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            choice = rng.choice(["yes", "no", "abstain"])
            t0 = time.perf_counter()
            try:
                status = post(port, path, cookie, token, choice=choice)
            except OSError as exc:
                status = type(exc).__name__
            took = time.perf_counter() - t0
            with lock:
                statuses[status] += 1
                latencies.append(took)
                if status == 303:
                    last[user_id] = choice

    threads = [threading.Thread(target=voter, args=(uid, *c)) for uid, c in creds.items()]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + args.seconds
    started = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    close_status = post(port, f"/meetings/items/{item_id}/close", *chair, confirmed="1")
    late = post(port, path, *next(iter(creds.values())), choice="yes")
    return {"latencies": sorted(latencies), "statuses": statuses, "elapsed": elapsed, "last": last,
            "close": close_status, "late": late}


def verify(item_id: int, last: dict[int, str]) -> None:
    from deliberation.extensions import db
    from deliberation.meetings.models import AgendaItem, Vote

    item = db.session.get(AgendaItem, item_id)
    rows = dict(db.session.execute(db.select(Vote.user_id, Vote.choice)
                                   .where(Vote.item_id == item_id)).all())
    expected = Counter(last.values())
    problems = []
    if rows != last:
        problems.append("stored votes differ from each member's last accepted choice")
    if (item.yes, item.no, item.abstain) != (expected["yes"], expected["no"], expected["abstain"]):
        problems.append(f"closed count {(item.yes, item.no, item.abstain)} != {dict(expected)}")
    if problems:
        raise SystemExit("FAILED: " + "; ".join(problems))


def print_report(r: dict, args) -> None:
    ok = r["statuses"].get(303, 0)
    db_name = "PostgreSQL" if args.pg else "SQLite"
    print(f"vote storm on {db_name}: {args.voters} voters, {args.seconds:g} s, "
          f"gunicorn {args.workers} workers x {args.threads} threads")
    print(f"  votes accepted: {ok}  ({ok / r['elapsed']:.0f} votes/s)")
    print(f"  latency p50 {percentile(r['latencies'], 50) * 1000:.1f} ms, "
          f"p99 {percentile(r['latencies'], 99) * 1000:.1f} ms")
    print(f"  responses: {dict(r['statuses'])}")
    print(f"  close: HTTP {r['close']}; a vote after the close: HTTP {r['late']} (409 = refused)")
    print("  check: every member's last accepted choice counted exactly once: OK")
    if set(r["statuses"]) != {303} or r["close"] != 302 or r["late"] != 409:
        raise SystemExit("FAILED: unexpected responses")


if __name__ == "__main__":
    main()
