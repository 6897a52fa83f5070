"""Bench: the needs list and the matter page on a big street.

Seeds a fresh SQLite file (made by running the real migrations, so the FTS5 index and its
triggers are the production ones) with N matters and M co-signs, then prints p50/p99 server
time, measured in-process with the Flask test client, for: the needs list's first page, a deep
page reached through the keyset cursor, a search, a two-character search, and a matter page.

Seeding bypasses the services for speed: rows are bulk-inserted straight into the tables with
`executemany` in one transaction (no audit entries, no notifications), with `cosign_count`
computed up front so it agrees with the co-sign rows.

    .venv/bin/python bench/needs_list.py                              # 100,000 / 1,000,000
    .venv/bin/python bench/needs_list.py --matters 5000 --cosigns 50000   # CI's short mode
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLACES = ["东门", "北区", "3 栋", "5 栋 2 单元", "菜市场旁", "幼儿园门口", "老年活动室", "停车场"]
THINGS = ["路灯不亮", "加装电梯", "垃圾分类", "停车位紧张", "井盖松动", "绿化带缺水", "噪音扰民",
          "楼道堆物", "健身器材损坏", "下水道堵塞", "充电桩太少", "外墙渗水"]
STATES = ["submitted"] * 5 + ["returned", "accepted", "scheduled", "adopted", "in_notice",
                             "in_progress", "in_evaluation", "closed", "rejected", "referred"]


def seed(app, matters: int, cosigns: int, rng: random.Random) -> None:
    from sqlalchemy import text

    from deliberation.extensions import db

    users = max(2000, min(cosigns // 50, 50_000))
    start = datetime(2024, 1, 1)
    with app.app_context():
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        # The seed writes decided states without meetings (the list page never reads them);
        # the CHECKs that tie a decided matter to its agenda item are for the app's writes.
        cur.execute("PRAGMA ignore_check_constraints=ON")
        cur.execute("BEGIN")
        cur.execute("INSERT INTO street (id, name, first_answer_days, notice_days, evaluation_days,"
                    " no_report_days) VALUES (1, '压测街道', 10, 5, 7, 14)")
        cur.executemany("INSERT INTO community (id, street_id, name, kind) VALUES (?, 1, ?, 'community')",
                        [(i, f"社区{i}") for i in range(1, 13)])
        cur.executemany("INSERT INTO category (id, name, position, active) VALUES (?, ?, ?, 1)",
                        [(i, n, i) for i, n in enumerate(["设施维修", "环境卫生", "交通停车",
                                                         "养老服务", "其他"], start=1)])
        cur.executemany(
            "INSERT INTO user (id, phone, display_name, password_hash, role, community_id, household,"
            " active, session_version, created_at) VALUES (?, ?, ?, 'x', 'resident', ?, '', 1, 1, ?)",
            [(i, f"13{i:09d}", f"居民{i}", 1 + i % 12, start) for i in range(1, users + 1)])
        # Skewed support: a few matters gather many co-signs, most gather a handful.
        weights = [rng.paretovariate(1.2) for _ in range(matters)]
        scale = cosigns / sum(weights)
        counts = [min(users - 2, int(w * scale)) for w in weights]
        short = cosigns - sum(counts)
        for i in rng.sample(range(matters), k=min(matters, max(short, 0))):
            counts[i] = min(users - 2, counts[i] + 1)
        rows = []
        for i in range(matters):
            created = start + timedelta(minutes=5 * i + rng.randint(0, 4))
            state = rng.choice(STATES)
            thing = rng.choice(THINGS)
            answered = created + timedelta(days=3) if state != "submitted" else None
            rows.append((i + 1, 1 + i % 12, 1 + i % 5, f"{rng.choice(PLACES)}{thing}",
                         f"{thing}，已经有{rng.randint(2, 30)}天了，影响{rng.choice(PLACES)}的居民。",
                         rng.choice(PLACES), state, 1 + i % users, 1 + i % users, counts[i],
                         created, created, created, answered))
        cur.executemany(
            "INSERT INTO matter (id, community_id, category_id, title, description, place, scope,"
            " state, state_reason, proposer_id, filed_by_id, channel, hide_name, cosign_count,"
            " created_at, updated_at, state_changed_at, first_answer_at)"
            " VALUES (?, ?, ?, ?, ?, ?, '', ?, '', ?, ?, 'online', 0, ?, ?, ?, ?, ?)", rows)
        batch = []
        for i, n in enumerate(counts):
            if not n:
                continue
            proposer = 1 + i % users
            picked = [u for u in rng.sample(range(1, users + 1), k=n + 1) if u != proposer][:n]
            batch.extend((i + 1, u, start) for u in picked)
            if len(batch) > 200_000:
                cur.executemany("INSERT INTO cosign (matter_id, user_id, created_at) VALUES (?, ?, ?)", batch)
                batch = []
        cur.executemany("INSERT INTO cosign (matter_id, user_id, created_at) VALUES (?, ?, ?)", batch)
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
        raw.close()
        total = db.session.execute(text("SELECT count(*), sum(cosign_count) FROM matter")).one()
        signed = db.session.execute(text("SELECT count(*) FROM cosign")).scalar()
        assert total[1] == signed, "cosign_count must agree with the co-sign rows"
        print(f"seeded {total[0]:,} matters, {signed:,} co-signs, {users:,} residents")


def timed(client, url: str, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def deep_cursor(client, pages: int) -> tuple[str, int]:
    url, depth = "/matters/", 0
    for depth in range(1, pages + 1):  # noqa: B007
        html = client.get(url).get_data(as_text=True)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    return url, depth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--cosigns", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--deep", type=int, default=250, help="how many pages deep")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from deliberation import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-needs-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}"})
    with app.app_context():
        upgrade()
    t = time.perf_counter()
    seed(app, args.matters, args.cosigns, random.Random(3))
    print(f"seeding took {time.perf_counter() - t:.1f} s ({folder})")

    client = app.test_client()
    deep_url, depth = deep_cursor(client, args.deep)
    popular = "/matters/?sort=cosigns"
    cases = [
        ("needs list, first page", "/matters/"),
        (f"needs list, page {depth} (cursor)", deep_url),
        ("most co-signed, first page", popular),
        ("search '路灯不亮' (FTS5 trigram)", "/matters/?q=路灯不亮"),
        ("search '电梯' (2 chars, LIKE)", "/matters/?q=电梯"),
        ("matter page", f"/matters/{args.matters // 2}"),
    ]
    print(f"\n{'what':40} {'p50 ms':>8} {'p99 ms':>8}   ({args.requests} requests each)")
    for label, url in cases:
        client.get(url)  # warm up
        p50, p99 = timed(client, url, args.requests)
        print(f"{label:40} {p50:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
