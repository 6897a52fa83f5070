"""Delivery throughput: a street-wide notice to N residents, sent by two worker processes.

Seeds N residents with verified phones (SMS by the console provider, whose messages are rows in
the same database), queues one notice to all of them (N outbox rows, one transaction), then runs
two worker processes looping `deliver_due`; with --kill one is SIGKILLed half-way and its claimed
rows come due again after the lease (--lease seconds). Prints throughput, p50/p99 queue-to-send
time, and the counts: sent once, sent twice, lost.

    .venv/bin/python bench/delivery.py --short          # 2,000 residents, SQLite
    .venv/bin/python bench/delivery.py --residents 20000 --pg postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(url: str, folder: Path, lease: float):
    from deliberation import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                       "SQLALCHEMY_DATABASE_URI": url, "DELIVERY_LEASE_SECONDS": lease,
                       "SMS_QUIET_HOURS": False})  # a benchmark at night still sends


def seed(app, residents: int) -> float:
    from sqlalchemy import insert

    from deliberation.accounts.models import User
    from deliberation.core.time import utcnow
    from deliberation.extensions import db
    from deliberation.notifications import services

    with app.app_context():
        now = utcnow()
        db.session.execute(insert(User), [
            {"phone": f"13{i:09d}", "display_name": f"居民{i}", "password_hash": "x",
             "role": "resident", "phone_verified_at": now, "created_at": now, "household": "",
             "active": True, "session_version": 1, "must_change_password": False}
            for i in range(residents)])
        db.session.commit()
        from sqlalchemy import select

        ids = set(db.session.scalars(select(User.id)))
        t = time.perf_counter()
        services.notify_users(ids, kind="close", message="街道通知：本周六停水。")
        db.session.commit()
        return time.perf_counter() - t


def work(url: str, folder: str, lease: float, batch: int) -> None:
    app = make_app(url, Path(folder), lease)
    from deliberation.notifications import delivery

    idle = 0
    with app.app_context():
        while idle < 3:
            idle = 0 if delivery.deliver_due(limit=batch) else idle + 1
            if idle:
                time.sleep(lease / 2 if idle > 1 else 0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--short", action="store_true", help="2,000 residents (CI)")
    parser.add_argument("--pg", help="a PostgreSQL URL (schema bench_delivery) instead of SQLite")
    parser.add_argument("--kill", action="store_true", default=True)
    parser.add_argument("--no-kill", dest="kill", action="store_false")
    parser.add_argument("--lease", type=float, default=3.0, help="seconds a claim lasts")
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    n = 2_000 if args.short else args.residents
    os.environ.setdefault("SMS_PROVIDER", "console")

    import logging

    logging.getLogger("deliberation.notifications.sms").setLevel(logging.WARNING)
    from flask_migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    if args.pg:
        from sqlalchemy import create_engine, text

        engine = create_engine(args.pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS bench_delivery CASCADE"))
            conn.execute(text("CREATE SCHEMA bench_delivery"))
        engine.dispose()
        url = args.pg + ("&" if "?" in args.pg else "?") + "options=-csearch_path%3Dbench_delivery"
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    app = make_app(url, folder, args.lease)
    with app.app_context():
        upgrade()
    queued = seed(app, n)
    print(f"{n} residents; the notice and its {n} outbox rows written in {queued:.2f} s "
          f"({'PostgreSQL' if args.pg else 'SQLite'})")

    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    workers = [ctx.Process(target=work, args=(url, str(folder), args.lease, args.batch)) for _ in range(2)]
    for w in workers:
        w.start()
    if args.kill:
        from sqlalchemy import func, select

        from deliberation.extensions import db
        from deliberation.notifications.models import Delivery

        with app.app_context():
            while db.session.scalar(select(func.count()).select_from(Delivery)
                                    .where(Delivery.state == "sent")) < n // 2:
                db.session.rollback()
                time.sleep(0.05)
            db.session.rollback()
        os.kill(workers[0].pid, signal.SIGKILL)
        print(f"SIGKILLed worker {workers[0].pid} half-way")
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    report(app, n, elapsed)


def report(app, n: int, elapsed: float) -> None:
    from sqlalchemy import func, select

    from deliberation.extensions import db
    from deliberation.notifications.models import Delivery, SmsConsoleMessage

    with app.app_context():
        rows = db.session.execute(select(Delivery.created_at, Delivery.sent_at)
                                  .where(Delivery.state == "sent")).all()
        per_phone = db.session.execute(select(SmsConsoleMessage.phone, func.count())
                                       .group_by(SmsConsoleMessage.phone)).all()
        waits = sorted((s - c).total_seconds() for c, s in rows)
        once = sum(1 for _, k in per_phone if k == 1)
        twice = sum(1 for _, k in per_phone if k > 1)
        lost = n - len(per_phone)
    p = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else 0.0  # noqa: E731
    print(f"sent {len(rows)} in {elapsed:.1f} s: {len(rows) / elapsed:.0f} deliveries/s")
    print(f"queue-to-send p50 {p(0.5):.1f} s, p99 {p(0.99):.1f} s")
    print(f"sent once {once}, more than once {twice}, lost {lost}")


if __name__ == "__main__":
    main()
