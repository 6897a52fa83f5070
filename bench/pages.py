"""Page cost: requests per second and latency of the main pages under gunicorn, beside a
"bare Flask + Jinja" ceiling, then where one request's milliseconds go.

    .venv/bin/python bench/pages.py                    # 500 matters, 3 runs x 10 s a page
    .venv/bin/python bench/pages.py --short            # CI: 200 matters, 1 run x 2 s a page
    .venv/bin/python bench/pages.py --pg               # PostgreSQL (schema bench_pages)
    .venv/bin/python bench/pages.py --matters 100000   # the large shape

It makes a fresh database by running the migrations (SQLite in a temporary folder, or a fresh
PostgreSQL schema with `--pg`), seeds it (matters, co-signs and residents with
`needs_list.seed`; opinions, replies and agrees here; a meeting in progress with an open vote
with `harness.seed`), starts the app under `gunicorn -w 2` and a tiny Flask app that renders a
20-row table from a Jinja template with no database (`bare_app` below) under `gunicorn -w 2`
on another port. Each page is loaded for `--seconds` by 16 connections (`wrk -t2 -c16` when
`wrk` is on the PATH, else 16 Python threads with `http.client`), `--runs` times, round-robin
over the pages; then 200 requests one after the other give p50/p99 latency. Finally each page
is profiled in-process (cProfile, the WSGI app called directly, same database): self-time in
buckets (SQL driver, SQLAlchemy, Jinja, Babel, Flask...) and a few named costs (rendering, SQL,
lazy loads, translations, url_for...). Prints figures; exits 1 only when a page answers with a
status it should not, or not at all (a benchmark of error pages measures nothing).

PostgreSQL: `needs_list.seed` writes SQLite directly, so `--pg` seeds a scratch SQLite file
with it and copies the rows over (the two CHECKs the seed skips on SQLite, a decided or
scheduled matter's agenda item, are put back NOT VALID after the copy).
"""

from __future__ import annotations

import argparse
import cProfile
import html
import http.client
import io
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, render_template
from harness import (
    DEFAULT_PG,
    ROOT,
    Processes,
    cookie_for,
    database_url,
    environment,
    free_port,
    gunicorn,
    migrate_and_configure,
    percentile,
    wait_for,
)
from harness import seed as seed_meeting
from jinja2 import DictLoader
from werkzeug.test import EnvironBuilder

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

SCHEMA = "bench_pages"
CONNECTIONS = 16

# --- the ceiling: Flask and Jinja with nothing else ----------------------------------------------

BARE_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><header><nav><a href="/">首页</a> <a href="/matters/">议题</a></nav></header>
<main><h1>{{ title }}</h1>
<table><thead><tr><th>编号</th><th>议题</th><th>地点</th><th>状态</th><th>附议</th></tr></thead>
<tbody>{% for row in rows %}
<tr><td>{{ row.id }}</td><td><a href="/matters/{{ row.id }}">{{ row.title }}</a></td>
<td>{{ row.place }}</td><td>{{ row.state }}</td><td>{{ row.cosigns }}</td></tr>{% endfor %}
</tbody></table></main></body></html>"""

BARE_ROWS = [{"id": i, "title": f"路灯不亮 {i}", "place": "3 栋", "state": "待初审", "cosigns": i * 7 % 40}
             for i in range(1, 21)]

bare_app = Flask("bare")
bare_app.jinja_loader = DictLoader({"bare.html": BARE_TEMPLATE})  # compiled once, like a real app


@bare_app.get("/")
def bare_page() -> str:
    return render_template("bare.html", title="需求清单", rows=BARE_ROWS)


@bare_app.get("/healthz")
def bare_health() -> str:
    return "ok"


# --- seeding -------------------------------------------------------------------------------------

OPINION_TEXTS = ["同意，早就该修了。", "建议先问问一楼住户的意见。", "反对，费用谁出？", "晚上出门很不方便。",
                 "能不能分两期做？", "物业说下个月处理，希望居委会跟进。", "支持，老人孩子都需要。"]


@dataclass
class Shape:
    """What the pages need from the seeded database."""

    matter_id: int = 0
    matter_opinions: int = 0
    matter_cosigns: int = 0
    meeting_id: int = 0
    resident_id: int = 0
    resident_filed: int = 0
    resident_signed: int = 0
    resident_cookie: str = ""
    member_cookie: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def seed(app: Flask, args: argparse.Namespace, tmp: Path) -> Shape:
    """Seed the shape into the app's (migrated, empty) database; returns what the pages need."""
    import needs_list
    from sqlalchemy import func, select, text, update

    from deliberation.accounts.models import User
    from deliberation.directory.models import Category
    from deliberation.extensions import db
    from deliberation.matters.models import Cosign, Matter
    from deliberation.meetings.models import AgendaItem
    from deliberation.opinions.models import Opinion

    rng = random.Random(17)
    if args.pg:
        seed_through_sqlite(args, tmp, rng)
    else:
        needs_list.seed(app, args.matters, args.cosigns, rng)
    shape = Shape()
    with app.app_context():
        opinions, agrees = seed_opinions(args.opinions, rng)
        # harness.seed names its category 其他 too (names are unique): rename the list's one.
        db.session.execute(update(Category).where(Category.name == "其他").values(name="其他事项"))
        db.session.commit()
        item_id, _staff, members = seed_meeting(args.voters)  # a meeting in progress, vote open
        shape.meeting_id = db.session.get(AgendaItem, item_id).meeting_id
        shape.member_cookie = cookie_for(app, members[1])[0]

        # The matter page: the accepted matter with the most opinions (20 a page are shown).
        per_matter = (select(Opinion.matter_id, func.count().label("n")).group_by(Opinion.matter_id)
                      .subquery())
        row = db.session.execute(
            select(Matter.id, per_matter.c.n, Matter.cosign_count)
            .join(per_matter, per_matter.c.matter_id == Matter.id)
            .where(Matter.state == "accepted").order_by(per_matter.c.n.desc(), Matter.id).limit(1)).one()
        shape.matter_id, shape.matter_opinions, shape.matter_cosigns = row
        # "My matters": the proposer who co-signed the most others' matters.
        row = db.session.execute(
            select(Cosign.user_id, func.count()).join(Matter, Matter.proposer_id == Cosign.user_id)
            .group_by(Cosign.user_id).order_by(func.count().desc(), Cosign.user_id).limit(1)).one()
        shape.resident_id = row[0]
        shape.resident_signed = db.session.scalar(select(func.count()).where(Cosign.user_id == row[0]))
        shape.resident_filed = db.session.scalar(select(func.count()).where(Matter.proposer_id == row[0]))
        shape.resident_cookie = cookie_for(app, db.session.get(User, shape.resident_id))[0]
        shape.counts = {"matters": db.session.scalar(select(func.count()).select_from(Matter)),
                        "co-signs": db.session.scalar(select(func.count()).select_from(Cosign)),
                        "opinions": opinions, "agrees": agrees}
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return shape


def seed_through_sqlite(args: argparse.Namespace, tmp: Path, rng: random.Random) -> None:
    """`needs_list.seed` on a scratch SQLite file (it writes SQLite directly), then the rows copied
    into the PostgreSQL schema the app uses."""
    import needs_list

    from deliberation import create_app

    scratch = tmp / "scratch"
    scratch.mkdir()
    url = f"sqlite:///{scratch / 'seed.sqlite3'}"
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=environment(url, scratch), check=True, capture_output=True)
    needs_list.seed(create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(scratch)}),
                    args.matters, args.cosigns, rng)
    with create_app().app_context():
        copy_tables(url, ["street", "community", "category", "user", "matter", "cosign"])


def copy_tables(source_url: str, names: list[str]) -> None:
    """Copy whole tables (ids kept) from `source_url` into the app's PostgreSQL database."""
    from sqlalchemy import create_engine, insert, select, text

    from deliberation.extensions import db

    source = create_engine(source_url)
    # The seed writes decided and scheduled matters without their agenda items (the pages read
    # none); these two CHECKs come back NOT VALID after the copy.
    like = ("%decided_has_vote", "%scheduled_has_agenda_item")
    with source.connect() as src, db.engine.begin() as dst:
        checks = dst.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid ="
            " 'matter'::regclass AND contype = 'c' AND (conname LIKE :a OR conname LIKE :b)"),
            {"a": like[0], "b": like[1]}).all()
        for name, _definition in checks:
            dst.execute(text(f'ALTER TABLE matter DROP CONSTRAINT "{name}"'))
        for name in names:
            table = db.metadata.tables[name]
            result = src.execution_options(yield_per=20_000).execute(select(table))
            for chunk in result.mappings().partitions():
                dst.execute(insert(table), [dict(r) for r in chunk])
        for name, definition in checks:
            dst.execute(text(f'ALTER TABLE matter ADD CONSTRAINT "{name}" {definition} NOT VALID'))
        reset_sequences(dst, names)
    source.dispose()


def reset_sequences(conn: Connection, names: list[str]) -> None:
    """PostgreSQL: move each table's id sequence past the ids written explicitly."""
    from sqlalchemy import text

    quote = conn.dialect.identifier_preparer.quote
    for name in names:  # our own table names, quoted
        sql = (f"SELECT setval(pg_get_serial_sequence(:t, 'id'), m) FROM "  # noqa: S608
               f"(SELECT max(id) AS m FROM {quote(name)}) s WHERE m IS NOT NULL")
        conn.execute(text(sql), {"t": quote(name)})


def spread(total: int, n: int, rng: random.Random, cap: int) -> list[int]:
    """`total` split over `n` buckets with a long tail (a few get many, most a handful)."""
    if n == 0:
        return []
    weights = [rng.paretovariate(1.2) for _ in range(n)]
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale)) for w in weights]
    for i in rng.sample(range(n), k=min(n, max(total - sum(counts), 0))):
        counts[i] = min(cap, counts[i] + 1)
    return counts


def seed_opinions(total: int, rng: random.Random) -> tuple[int, int]:
    """About `total` opinions on the matters that show them (a quarter are replies), by residents
    of the matter's community, with agrees; bulk-inserted, `agree_count` agreeing with the rows.
    Returns (opinions, agrees)."""
    from sqlalchemy import insert, select

    from deliberation.accounts.models import User
    from deliberation.extensions import db
    from deliberation.matters.models import Matter
    from deliberation.opinions.models import Opinion, OpinionAgree
    from deliberation.opinions.services import SHOWN_STATES

    matters = db.session.execute(
        select(Matter.id, Matter.community_id, Matter.created_at)
        .where(Matter.state.in_([s.value for s in SHOWN_STATES])).order_by(Matter.id)).all()
    residents: dict[int, list[int]] = defaultdict(list)
    for uid, community_id in db.session.execute(select(User.id, User.community_id)):
        residents[community_id].append(uid)
    opinions, agrees = [], []
    stances = ["for", "for", "against", "suggestion"]
    for (matter_id, community_id, created), n in zip(matters, spread(total, len(matters), rng, 400),
                                                      strict=True):
        pool = residents[community_id]
        tops: list[int] = []
        for k in range(n):
            oid = len(opinions) + 1
            at = created + timedelta(hours=1 + k, minutes=rng.randint(0, 59))
            author = rng.choice(pool)
            reply = bool(tops) and rng.random() < 0.25
            likes = 0 if reply else min(len(pool) - 1, int(rng.paretovariate(1.5)) - 1)
            liked = [u for u in rng.sample(pool, k=likes + 1) if u != author][:likes]
            opinions.append({"id": oid, "matter_id": matter_id, "author_id": author,
                             "parent_id": rng.choice(tops) if reply else None,
                             "stance": None if reply else rng.choice(stances),
                             "text": rng.choice(OPINION_TEXTS), "photo_key": None, "by_committee": False,
                             "visibility": "shown", "hidden_reason": "", "moderated_by_id": None,
                             "moderated_at": None, "agree_count": len(liked), "created_at": at,
                             "edited_at": None})
            base = len(agrees) + 1
            agrees.extend({"id": base + j, "opinion_id": oid, "user_id": u,
                           "created_at": at + timedelta(minutes=5)} for j, u in enumerate(liked))
            if not reply:
                tops.append(oid)
    for table, rows in ((Opinion.__table__, opinions), (OpinionAgree.__table__, agrees)):
        for i in range(0, len(rows), 20_000):
            db.session.execute(insert(table), rows[i:i + 20_000])
    if db.engine.dialect.name == "postgresql":
        reset_sequences(db.session.connection(), ["opinion", "opinion_agree"])
    db.session.commit()
    return len(opinions), len(agrees)


# --- load ----------------------------------------------------------------------------------------

@dataclass
class Page:
    label: str
    port: int
    path: str
    headers: dict[str, str]
    status: int
    cold: bool = False  # served by the app with PAGE_CACHE=0: what every page costs after a write
    rates: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)  # load generator's CPU / wall time
    latencies: list[float] = field(default_factory=list)  # seconds, sorted
    statuses: Counter = field(default_factory=Counter)


def python_load(port: int, path: str, headers: dict[str, str], seconds: float,
                connections: int = CONNECTIONS) -> tuple[float, Counter]:
    """`connections` threads, each one http.client connection (kept alive when the server keeps
    it; gunicorn's sync workers close it after each answer, and http.client reconnects), for
    `seconds`; returns completed requests per second and the statuses seen."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def client() -> None:
        seen: Counter = Counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                seen[response.status] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                seen["error"] += 1
        conn.close()
        with lock:
            statuses.update(seen)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    start = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    done = sum(n for s, n in statuses.items() if s != "error")
    return done / elapsed, statuses


def wrk_load(port: int, path: str, headers: dict[str, str], seconds: float) -> tuple[float, Counter]:
    """`wrk -t2 -c16`; statuses are wrk's own split (2xx/3xx or not, socket errors)."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    statuses: Counter = Counter({"2xx/3xx": int(total.group(1)) if total else 0})
    if bad:
        statuses["2xx/3xx"] -= int(bad.group(1))
        statuses["other"] = int(bad.group(1))
    if errors:
        statuses["socket errors"] = sum(int(n) for n in re.findall(r"\d+", errors.group(0)))
    return float(found.group(1)), statuses


def sequential(port: int, path: str, headers: dict[str, str], n: int) -> tuple[list[float], Counter]:
    """`n` requests one after another on one connection: sorted latencies (s) and statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses = [], Counter()
    for _ in range(n):
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t)
        statuses[response.status] += 1
    conn.close()
    return sorted(latencies), statuses


def live_version(port: int, path: str, headers: dict[str, str]) -> str:
    """The version the live partial tells htmx to send back (its `since=` parameter)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    found = re.search(r'[?&]since=([^"&]+)', html.unescape(body))
    if response.status != 200 or not found:
        raise SystemExit(f"the live poll answered {response.status} without a since= version")
    return found.group(1)


def measure(pages: list[Page], args: argparse.Namespace) -> None:
    load = wrk_load if shutil.which("wrk") else python_load
    for page in pages:
        for _ in range(3):  # warm up: templates compiled, connections pooled
            sequential(page.port, page.path, page.headers, 1)
    for run in range(args.runs):
        for page in pages:
            cpu, wall = time.process_time(), time.monotonic()
            rate, statuses = load(page.port, page.path, page.headers, args.seconds)
            page.client_cpu.append((time.process_time() - cpu) / (time.monotonic() - wall))
            page.rates.append(rate)
            page.statuses.update(statuses)
            print(f"  run {run + 1}/{args.runs}  {page.label:34} {rate:8.0f} req/s", flush=True)
    for page in pages:
        page.latencies, statuses = sequential(page.port, page.path, page.headers, args.requests)
        page.statuses.update(statuses)


def report(pages: list[Page], args: argparse.Namespace, loader: str) -> list[str]:
    """Print the table; returns the problems (unexpected statuses)."""
    ceiling = statistics.median(pages[0].rates)
    print(f"\n{loader}, {args.seconds:g} s a page, {args.runs} run(s) (median, range); "
          f"sequential: {args.requests} requests on one connection; client: the load generator's "
          "CPU (share of one core)")
    print(f"{'page':36} {'req/s':>7} {'range':>11} {'% bare':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'client':>6}  statuses")
    problems = []
    for page in pages:
        median = statistics.median(page.rates)
        span = f"{min(page.rates):.0f}-{max(page.rates):.0f}"
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(page.statuses.items(), key=str))
        client = "-" if shutil.which("wrk") else f"{100 * statistics.median(page.client_cpu):.0f}%"
        print(f"{page.label:36} {median:7.0f} {span:>11} {100 * median / ceiling:6.1f}% "
              f"{percentile(page.latencies, 50) * 1000:7.1f} {percentile(page.latencies, 99) * 1000:7.1f}"
              f" {client:>6}  {statuses}")
        # Cut connections are reported, not failed; a wrong HTTP status fails the run.
        wrong = {s for s in page.statuses if s not in (page.status, "2xx/3xx", "error", "socket errors")}
        if wrong:
            problems.append(f"{page.label}: expected {page.status}, saw {sorted(wrong, key=str)}")
        if not min(page.rates):
            problems.append(f"{page.label}: no request completed in a run")
    return problems


# --- profile -------------------------------------------------------------------------------------

BUCKETS = [  # (label, test on "filename:function"), first match wins
    ("database driver", lambda f: "sqlite3" in f or "psycopg" in f),
    ("SQLAlchemy (ORM, Core, pool)", lambda f: "/sqlalchemy/" in f),
    ("templates (compiled Jinja code)", lambda f: f.split(":")[0].endswith((".html", "<template>"))),
    ("Jinja runtime, MarkupSafe", lambda f: "/jinja2/" in f or "/markupsafe/" in f),
    ("Babel, translations, dates", lambda f: "/babel/" in f or "/flask_babel/" in f),
    ("Flask extensions", lambda f: "/flask_" in f or "/itsdangerous/" in f or "/wtforms/" in f),
    ("Flask, Werkzeug", lambda f: "/flask/" in f or "/werkzeug/" in f),
    ("app code (deliberation/)", lambda f: "/deliberation/" in f),
]
OTHER = "other (stdlib...)"


# (what, file, functions): cumulative time of those functions. They overlap (SQL run while a
# template renders counts in both); of same-named functions in one file (a module function
# calling a method) the largest is taken, so nothing is counted twice.
MARKERS = [
    ("rendering templates, all inside", "flask/templating.py", ("_render",)),
    ("SQL via the Session (build, run, fetch)", "sqlalchemy/orm/session.py", ("_execute_internal",)),
    ("ORM objects built from rows", "sqlalchemy/orm/loading.py", ("instances",)),
    ("lazy loads (attribute -> query)", "sqlalchemy/orm/strategies.py", ("_load_for_state",)),
    ("translations looked up (gettext, labels)", "flask_babel/__init__.py", ("get_translations",)),
    ("dates formatted (Babel)", "flask_babel/__init__.py", ("format_datetime",)),
    ("URLs built (url_for)", "flask/app.py", ("url_for",)),
    ("text escaped (MarkupSafe)", "markupsafe/__init__.py", ("escape",)),
    ("context-local lookups (current_user...)", "werkzeug/local.py", ("__get__",)),
    ("the signed-in user loaded", "flask_login/login_manager.py", ("_load_user",)),
    ("session cookie read and written", "flask/sessions.py", ("open_session", "save_session")),
    ("before-request hooks", "flask/app.py", ("preprocess_request",)),
    ("after-request hooks", "flask/app.py", ("process_response",)),
]


def marker_time(stats: pstats.Stats, file: str, funcs: tuple[str, ...]) -> tuple[float, int]:
    """Cumulative seconds and calls of `funcs` in `file` (see MARKERS)."""
    seconds, calls = 0.0, 0
    for func in funcs:
        found = [(ct, nc) for (f, _l, fn), (_cc, nc, _tt, ct, _c) in stats.stats.items()
                 if file in f and fn == func]
        if found:
            ct, nc = max(found)
            seconds, calls = seconds + ct, calls + nc
    return seconds, calls


def self_time_buckets(stats: pstats.Stats) -> Counter:
    """Self-time by BUCKETS; builtins and the standard library are counted with their callers
    (a `hasattr` from Jinja is Jinja's), shared by how much self-time each call edge carried."""
    direct = {key: next((label for label, test in BUCKETS if test(f"{key[0]}:{key[2]}")), OTHER)
              for key in stats.stats}
    owners: dict = {}

    def owner(key, seen: frozenset) -> Counter:
        if direct[key] != OTHER:
            return Counter({direct[key]: 1.0})
        if key in owners:
            return owners[key]
        callers = stats.stats[key][4]
        # Edge self-time, or the number of calls when no edge carried any measurable time.
        by = 2 if any(edge[2] for edge in callers.values()) else 1
        weight = sum(edge[by] for edge in callers.values())
        share: Counter = Counter()
        if not weight or key in seen or len(seen) > 8:
            share[OTHER] = 1.0
        else:
            for caller, edge in callers.items():
                for label, f in owner(caller, seen | {key}).items():
                    share[label] += edge[by] / weight * f
        owners[key] = share
        return share

    buckets: Counter = Counter()
    for key, (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        for label, f in owner(key, frozenset()).items():
            buckets[label] += tt * f
    return buckets


def profile(app: Flask, name: str, path: str, headers: dict[str, str], n: int) -> dict:
    """In-process, calling the WSGI app directly (no test client, whose own work would count):
    mean ms of `n` plain requests, SQL statements of one, and a cProfile of `n` more: self-time
    in buckets, and the cumulative time of a few named costs (shares of the profile, applied to
    the plain mean: cProfile slows Python calls more than C, so the split is approximate)."""
    from tests.querycount import count_queries

    environ = EnvironBuilder(path=path, headers=headers, base_url="http://localhost").get_environ()

    def request() -> int:
        status: list[str] = []
        body = app.wsgi_app(dict(environ, **{"wsgi.input": io.BytesIO()}),
                            lambda s, _h, _e=None: status.append(s))
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
        return int(status[0].split()[0])

    for _ in range(3):
        request()
    timings = []
    for _ in range(n):
        t = time.perf_counter()
        status = request()
        timings.append(time.perf_counter() - t)
    plain = statistics.median(timings) * 1000  # the median: a shared machine preempts now and then
    queries = 0
    if app is not bare_app:
        with app.app_context(), count_queries() as log:
            request()
        queries = log.count
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    for _ in range(n):
        request()
    profiler.disable()
    profiled = (time.perf_counter() - t) * 1000 / n
    stats = pstats.Stats(profiler)
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.stats.values())
    buckets = self_time_buckets(stats)
    markers = []
    for label, file, funcs in MARKERS:
        seconds, calls = marker_time(stats, file, funcs)
        markers.append((label, seconds / total, calls / n))
    ours = sorted(((ct, nc, f"{Path(f).name}:{fn}") for (f, _l, fn), (_cc, nc, _tt, ct, _c)
                   in stats.stats.items() if "/deliberation/" in f), reverse=True)
    return {"name": name, "status": status, "ms": plain, "profiled_ms": profiled, "queries": queries,
            "buckets": {k: v / total for k, v in buckets.most_common()}, "markers": markers,
            "ours": [(ct / total, nc / n, what) for ct, nc, what in ours[:7]]}


def print_profile(r: dict) -> None:
    ms = r["ms"]
    print(f"\n{r['name']}: {ms:.2f} ms a request in-process, median (HTTP {r['status']}; "
          f"{r['profiled_ms']:.1f} ms mean under cProfile), {r['queries']} SQL statements")
    print("  self-time by where the code lives (builtins and stdlib counted with their caller):")
    for label, share in r["buckets"].items():
        if share >= 0.02:
            print(f"    {label:44} {100 * share:5.1f}%  {share * ms:6.2f} ms")
    print("  named costs (cumulative, overlapping):")
    for label, share, calls in r["markers"]:
        if share >= 0.02:
            print(f"    {label:44} {100 * share:5.1f}%  {share * ms:6.2f} ms  {calls:6.0f} calls")
    if r["ours"]:
        print("  app functions (cumulative): " + "; ".join(
            f"{what} {100 * share:.0f}%" + (f" x{calls:.0f}" if calls > 1.5 else "")
            for share, calls, what in r["ours"]))


def profile_all(pages: list[Page], n: int) -> None:
    """Profile every page in-process against the same database (after gunicorn has stopped)."""
    from deliberation import create_app
    from deliberation.extensions import db

    app, cold = create_app(), create_app({"PAGE_CACHE": False})
    print(f"\nin-process (the WSGI app called directly), {n} requests a page; ms = share of the profile "
          "x the plain median")
    print_profile(profile(bare_app, pages[0].label, "/", {}, n))
    for page in pages[1:]:
        print_profile(profile(cold if page.cold else app, page.label.strip(), page.path,
                              page.headers, n))
    for each in (app, cold):
        with each.app_context():
            db.engine.dispose()


# --- main ----------------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matters", type=int, default=500)
    parser.add_argument("--cosigns", type=int, help="default: 13 a matter")
    parser.add_argument("--opinions", type=int, help="default: 6.4 a matter")
    parser.add_argument("--voters", type=int, default=30, help="members at the meeting in progress")
    parser.add_argument("--seconds", type=float, default=10, help="load time a page and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests a page")
    parser.add_argument("--profile-requests", type=int, default=20, help="profiled requests a page")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--short", action="store_true", help="CI: 200 matters, 2 s a page, one run")
    parser.add_argument("--pg", nargs="?", const=DEFAULT_PG, default=None,
                        help=f"use PostgreSQL (default URL {DEFAULT_PG})")
    args = parser.parse_args()
    if args.short:
        args.matters, args.seconds, args.runs = 200, 2, 1
        args.profile_requests = min(args.profile_requests, 5)
    args.cosigns = args.cosigns if args.cosigns is not None else 13 * args.matters
    args.opinions = args.opinions if args.opinions is not None else round(6.4 * args.matters)
    return args


def main() -> int:
    args = parse_args()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp_name:
        tmp = Path(tmp_name)
        env = migrate_and_configure(database_url(args, tmp, SCHEMA), tmp)
        from deliberation import create_app

        shape = seed(create_app(), args, tmp)
        print(f"shape: {shape.counts}; matter page {shape.matter_id} ({shape.matter_opinions} opinions, "
              f"{shape.matter_cosigns} co-signs); resident {shape.resident_id} filed "
              f"{shape.resident_filed}, co-signed {shape.resident_signed}; meeting {shape.meeting_id} "
              f"in progress ({args.voters} members); seeded in {time.monotonic() - t0:.1f} s", flush=True)

        procs = Processes(tmp)
        try:
            bare_port = free_port()
            bare = procs.start("bare", [sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                                        f"127.0.0.1:{bare_port}", "--log-level", "warning",
                                        "--pythonpath", str(ROOT / "bench"), "pages:bare_app"], env)
            wait_for(bare_port, bare)
            # The same app with nothing kept between writes (PAGE_CACHE=0), beside it in the
            # same run: what a page costs on the first request after a write.
            with gunicorn(env, workers=2, threads=1) as port, \
                    gunicorn(dict(env, PAGE_CACHE="0"), workers=2, threads=1) as cold:
                member = {"Cookie": f"session={shape.member_cookie}", "HX-Request": "true"}
                live = f"/meetings/{shape.meeting_id}/live/phone"
                version = live_version(port, f"{live}?since=0", member)
                matter = f"/matters/{shape.matter_id}"
                pages = [
                    Page("bare Flask + Jinja (ceiling)", bare_port, "/", {}, 200),
                    Page("home /", port, "/", {}, 200),
                    Page("needs list /matters/", port, "/matters/", {}, 200),
                    Page(f"matter page {matter}", port, matter, {}, 200),
                    Page("live poll, changed (200)", port, f"{live}?since=0", member, 200),
                    Page("live poll, unchanged (204)", port, f"{live}?since={version}", member, 204),
                    Page("my matters /matters/mine", port, "/matters/mine",
                         {"Cookie": f"session={shape.resident_cookie}"}, 200),
                    Page("  home /, nothing kept", cold, "/", {}, 200, cold=True),
                    Page("  needs list, nothing kept", cold, "/matters/", {}, 200, cold=True),
                    Page("  matter page, nothing kept", cold, matter, {}, 200, cold=True),
                    Page("  unchanged poll, nothing kept", cold, f"{live}?since={version}", member,
                         204, cold=True),
                ]
                measure(pages, args)
        finally:
            procs.stop()
        loader = "wrk -t2 -c16" if shutil.which("wrk") else f"Python load loop, {CONNECTIONS} connections"
        problems = report(pages, args, loader)
        if not args.no_profile:
            profile_all(pages, args.profile_requests)
        if args.pg:
            from deliberation.extensions import db

            with create_app().app_context():
                db.engine.dispose()
    print(f"\ntotal {time.monotonic() - t0:.0f} s")
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
