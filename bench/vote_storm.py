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
import hashlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_vote_storm"
SECRET = "bench-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(args, tmp: Path) -> str:
    if not args.pg:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(args.pg)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    sep = "&" if "?" in args.pg else "?"
    return f"{args.pg}{sep}options=-csearch_path%3D{SCHEMA}"


def environment(url: str, tmp: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(tmp),
            "APP_ENV": "production", "SESSION_COOKIE_SECURE": "0"}


def seed(voters: int):
    """One body of `voters` members, all checked in, and an open vote on one accepted matter."""
    from werkzeug.security import generate_password_hash

    from deliberation.accounts.models import Role, User
    from deliberation.directory.models import (
        Body,
        BodyKind,
        BodyRole,
        Category,
        Community,
        Membership,
        Street,
    )
    from deliberation.extensions import db
    from deliberation.matters import services as matters
    from deliberation.matters import workflow
    from deliberation.meetings import debate, services, voting
    from deliberation.meetings.models import Attendance

    pw = generate_password_hash("not-used-bench-only")
    street = Street(name="压测街道")
    db.session.add(street)
    db.session.flush()
    community = Community(name="压测社区", street_id=street.id)
    category = Category(name="其他")
    db.session.add_all([community, category])
    db.session.flush()
    committee = Body(name="压测居委会", kind=BodyKind.COMMITTEE.value, community_id=community.id)
    council = Body(name="压测议事会", kind=BodyKind.COUNCIL.value)
    db.session.add_all([committee, council])
    staff = User(phone="13000000000", display_name="社工", password_hash=pw, role=Role.STAFF.value)
    db.session.add(staff)
    members = [User(phone=f"131{i:08d}", display_name=f"代表{i}", password_hash=pw,
                    community_id=community.id) for i in range(voters)]
    db.session.add_all(members)
    db.session.flush()
    db.session.add(Membership(body_id=committee.id, user_id=members[0].id, role=BodyRole.CHAIR.value))
    db.session.add_all(Membership(body_id=council.id, user_id=u.id) for u in members)
    db.session.flush()
    db.session.expire_all()
    matter, _ = matters.file_matter(filer=members[1], title="楼道灯", description="坏了",
                                    category_id=category.id, place="")
    workflow.accept(matter, db.session.get(User, members[0].id))
    staff = db.session.get(User, staff.id)
    meeting = services.create_meeting(staff, body_ids=[council.id], title="压测会议",
                                      starts_at=matter.created_at, place="礼堂", mode="in_person",
                                      chair_id=staff.id, recorder_id=staff.id)
    services.add_item(meeting, matter, staff)
    services.publish(meeting, staff)
    services.start(meeting, staff)
    db.session.add_all(Attendance(meeting_id=meeting.id, user_id=u.id) for u in members)
    item = meeting.items[0]
    debate.open_debate(item, staff)
    voting.open_vote(item, staff)
    db.session.commit()
    return item.id, staff, members


def cookie_for(app, user) -> tuple[str, str]:
    from itsdangerous import URLSafeTimedSerializer

    raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 (what Flask-WTF does)
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True, "csrf_token": raw})
    return cookie, URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def post(port: int, path: str, cookie: str, token: str, **fields) -> int:
    body = urllib.parse.urlencode({"csrf_token": token, **fields})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      "Cookie": f"session={cookie}"})
    status = conn.getresponse().status
    conn.close()
    return status


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


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
        url = database_url(args, tmp)
        env = environment(url, tmp)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH",
                                               "APP_ENV", "SESSION_COOKIE_SECURE")})
        from deliberation import create_app
        from deliberation.extensions import db

        app = create_app()
        with app.app_context():
            item_id, staff, members = seed(args.voters)
            creds = {u.id: cookie_for(app, u) for u in members}
            chair = cookie_for(app, staff)
            db.session.remove()
            db.engine.dispose()

        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env)
        try:
            wait_for(port, proc)
            report = storm(port, item_id, creds, chair, args)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
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
    close_status = post(port, f"/meetings/items/{item_id}/close", *chair)
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


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


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
