"""Load test: gunicorn (several workers) on loopback, a bounded mix of residents' reads, logins
and filings (and co-signs when that route exists), then a check of the database.

    .venv/bin/python bench/load.py                 # 20 s per phase, 3 workers, 12 clients
    .venv/bin/python bench/load.py --short         # CI: about 30 s in all

Phase 1 runs the mix; phase 2 runs it again and SIGKILLs one worker half-way. After each
phase: no 5xx, no lost write (every filing the client saw succeed is in the database), no
duplicate (each filing carries a unique submit token; the database holds at most one matter per
token, and no more matters than attempts), the co-sign counters match their rows, SQLite's
integrity check passes, and `flask audit verify` passes. Prints its figures; exits 1 on failure.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harness import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Load-Test-Pass-42"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    status: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: list[str] = field(default_factory=list)
    dropped: int = 0  # connections cut (the killed worker's requests)
    filed: dict[str, int] = field(default_factory=dict)  # submit token -> matter id seen
    attempted: set[str] = field(default_factory=set)  # tokens sent, outcome known or not
    cosigned: set[tuple[int, int]] = field(default_factory=set)  # (user id, matter id) seen added
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One resident's browser: cookies, CSRF tokens, no redirects followed."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally, self.cookies = port, tally, {}

    def request(self, kind: str, method: str, path: str, form: dict | None = None):
        from urllib.parse import urlencode

        body = urlencode(form) if form else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
        except (ConnectionError, http.client.HTTPException, TimeoutError, OSError):
            with self.tally.lock:
                self.tally.dropped += 1
            return None, "", {}
        finally:
            conn.close()
        elapsed = time.perf_counter() - start
        for cookie in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        with self.tally.lock:
            self.tally.latencies[kind].append(elapsed)
            self.tally.status[r.status] += 1
            if r.status >= 500:
                self.tally.server_errors.append(f"{method} {path} -> {r.status}")
        return r.status, data, dict(r.headers)

    def token(self, html: str) -> str:
        m = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
        return m.group(1) if m else ""


def seed(env: dict, residents: int) -> dict:
    """Migrate and seed through the app's own services; returns ids the clients need."""
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from deliberation import create_app
    from deliberation.accounts import services as accounts
    from deliberation.accounts.models import Role
    from deliberation.directory import services as directory
    from deliberation.directory.models import Category, Community, Street
    from deliberation.extensions import db
    from deliberation.matters import services as matters

    app = create_app()
    with app.app_context():
        street = Street(name="压测街道")
        db.session.add(street)
        db.session.flush()
        admin = accounts.create_user(phone="13900000000", display_name="管理员", password=PASSWORD,
                                     community_id=None, role=Role.ADMIN)
        community = directory.save(Community(), admin.id, {"name": "压测社区", "street_id": street.id})
        category = directory.save(Category(), admin.id, {"name": "设施维修", "position": 0})
        phones, user_ids, seeded = [], [], []
        for i in range(residents):
            phone = f"139{i + 1:08d}"
            user = accounts.create_user(phone=phone, display_name=f"居民{i}", password=PASSWORD,
                                        community_id=community.id, household=f"{i} 栋")
            phones.append(phone)
            user_ids.append(user.id)
            seeded.append(matters.file_matter(filer=user, title=f"种子议题 {i}", description="压测。",
                                              category_id=category.id)[0].id)
        db.session.commit()
        cosign = [r.rule for r in app.url_map.iter_rules()
                  if "cosign" in r.rule and "POST" in r.methods and "<int:matter_id>" in r.rule]
        return {"phones": phones, "user_ids": user_ids, "seeded": seeded, "category": category.id,
                "cosign_rule": cosign[0] if cosign else None,
                "vote_rules": [r.rule for r in app.url_map.iter_rules() if "vote" in r.rule]}


def drive(port: int, info: dict, index: int, seconds: float, tally: Tally) -> None:
    rnd = random.Random(index)
    c = Client(port, tally)
    phone = info["phones"][index]

    def login() -> None:
        _s, html, _h = c.request("login page", "GET", "/login")
        c.request("login", "POST", "/login", {"csrf_token": c.token(html), "phone": phone,
                                             "password": PASSWORD})

    login()
    user_id = info["user_ids"][index]
    # Others' matters: co-signing one's own is refused by design.
    others = [m for i, m in enumerate(info["seeded"]) if i != index]
    matter_ids = [others[0]]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        roll = rnd.random()
        if roll < 0.55:
            path = rnd.choice(["/", "/matters/", f"/matters/{rnd.choice(matter_ids)}"])
            c.request("read", "GET", path)
        elif roll < 0.62:
            c.cookies.clear()
            login()
        elif roll < 0.85 or not info["cosign_rule"]:
            status, html, _h = c.request("filing form", "GET", "/matters/new")
            if status != 200:
                continue
            submit = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html)
            token = submit.group(1) if submit else secrets.token_urlsafe(24)
            with tally.lock:
                tally.attempted.add(token)
            status, _b, headers = c.request("file", "POST", "/matters/new", {
                "csrf_token": c.token(html), "submit_token": token, "title": f"压测议题 {index}",
                "description": "并发提交。", "category_id": info["category"], "place": ""})
            m = re.search(r"/matters/(\d+)$", headers.get("Location", "")) if status == 302 else None
            if m:
                with tally.lock:
                    tally.filed[token] = int(m.group(1))
                matter_ids.append(int(m.group(1)))
        else:
            target = rnd.choice(others)
            status, html, _h = c.request("read", "GET", f"/matters/{target}")
            path = info["cosign_rule"].replace("<int:matter_id>", str(target))
            status, _b, headers = c.request("cosign", "POST", path, {"csrf_token": c.token(html)})
            # Only the app's own answer counts as "seen added": 303 back to the matter page.
            # A 302 to the login page (a client whose login was cut by the SIGKILL) is not one.
            if status == 303 and headers.get("Location", "").endswith(f"/matters/{target}"):
                with tally.lock:
                    tally.cosigned.add((user_id, target))


def workers_of(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in children]


def check_database(db_path: Path, tally: Tally, earlier: set[str], env: dict) -> list[str]:
    """`earlier`: tokens sent in earlier phases (their matters are in the database too)."""
    problems = []
    conn = sqlite3.connect(db_path)
    try:
        rows = dict(conn.execute("SELECT submit_token, id FROM matter WHERE submit_token IS NOT NULL"))
        for token, matter_id in tally.filed.items():
            if rows.get(token) != matter_id:
                problems.append(f"lost write: filing {matter_id} (token {token[:8]}) not in the database")
        extra = set(rows) - tally.attempted - earlier
        if extra:
            problems.append(f"{len(extra)} matters with tokens no client sent")
        ours = [t for t in rows if t in tally.attempted]
        if len(ours) > len(tally.attempted):
            problems.append("more matters than filing attempts")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "cosign" in tables:
            pairs = set(conn.execute("SELECT user_id, matter_id FROM cosign"))
            dup = conn.execute("SELECT count(*) - count(DISTINCT user_id || '-' || matter_id) FROM cosign")
            if dup.fetchone()[0]:
                problems.append("duplicated co-signs")
            bad = conn.execute("SELECT m.id FROM matter m WHERE m.cosign_count != "
                               "(SELECT count(*) FROM cosign c WHERE c.matter_id = m.id)").fetchall()
            if bad:
                problems.append(f"co-sign counters differ from rows on {len(bad)} matters")
            lost = tally.cosigned - pairs
            if lost:
                problems.append(f"lost co-signs: {len(lost)} of {len(tally.cosigned)} seen are not stored")
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("SQLite integrity check failed")
    finally:
        conn.close()
    verify = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "audit", "verify"], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=False)
    if verify.returncode != 0:
        problems.append("audit verify: " + verify.stderr.strip())
    else:
        print("   ", verify.stdout.strip())
    return problems


def run_phase(name: str, port: int, info: dict, args, master: int | None) -> Tally:
    tally = Tally()
    threads = [threading.Thread(target=drive, args=(port, info, i, args.seconds, tally))
               for i in range(args.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    if master:
        time.sleep(args.seconds / 2)
        victims = workers_of(master)
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            print(f"    SIGKILL worker {victims[0]} at {time.monotonic() - start:.1f} s "
                  f"({len(victims) - 1} others go on; the master starts a new one)")
        else:
            print("    could not find a worker to kill")
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    total = sum(tally.status.values())
    print(f"== {name}: {total} requests in {elapsed:.1f} s ({total / elapsed:.0f} req/s), "
          f"statuses {dict(sorted(tally.status.items()))}, connections cut {tally.dropped}")
    for kind, values in sorted(tally.latencies.items()):
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"    {kind:12s} n={len(values):5d}  p50 {q[49] * 1000:6.1f} ms  "
              f"p95 {q[94] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms")
    print(f"    filings: {len(tally.attempted)} sent, {len(tally.filed)} seen to succeed; "
          f"co-signs seen: {len(tally.cosigned)}")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--short", action="store_true", help="CI mode: 8 s phases")
    args = parser.parse_args()
    if args.short:
        args.seconds = min(args.seconds, 8)
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    db_path = tmp / "load.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "INSTANCE_PATH": str(tmp),
           "SECRET_KEY": secrets.token_hex(16), "APP_ENV": "production",
           "SESSION_COOKIE_SECURE": "0", "LOGIN_RATE_LIMIT": "100000 per minute",
           "RATELIMIT_STORAGE_URI": "memory://"}
    t0 = time.monotonic()
    info = seed(env, args.clients)
    print(f"seeded {args.clients} residents in {time.monotonic() - t0:.1f} s; db {db_path}")
    if not info["cosign_rule"]:
        print("note: no co-sign route yet (POST .../<int:matter_id>/...cosign...): co-signs skipped")
    if not info["vote_rules"]:
        print("note: no vote route yet: the vote storm is skipped")
    port = free_port()
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    problems, earlier = [], set()
    try:
        wait_for(port, gunicorn)
        print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}, {args.clients} clients")
        for name, kill in (("phase 1: mixed load", False), ("phase 2: one worker SIGKILLed", True)):
            tally = run_phase(name, port, info, args, gunicorn.pid if kill else None)
            if tally.server_errors:
                problems += [f"{name}: 5xx {e}" for e in tally.server_errors[:10]]
            if not tally.filed:
                problems.append(f"{name}: no filing succeeded")
            problems += [f"{name}: {p}" for p in check_database(db_path, tally, earlier, env)]
            earlier |= tally.attempted
        if gunicorn.poll() is not None:
            problems.append("gunicorn master died")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    print(f"total {time.monotonic() - t0:.1f} s")
    for p in problems:
        print("FAIL:", p)
    print("load test:", "FAILED" if problems else "OK (no 5xx, no lost or duplicated writes, audit intact)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
