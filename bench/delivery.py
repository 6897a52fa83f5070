"""Delivery throughput: a street-wide notice to N residents, sent by RQ workers on Redis.

Seeds N residents with verified phones, queues one notice to all of them (N outbox rows in one
transaction, as `notify_users` does in a web request; its commit enqueues jobs of 20 rows),
then starts two `flask worker` processes (real RQ workers, each in its own process group) and
the sweeper (`flask deliver --sweep` every --sweep-every seconds, as cron would). SMS go
through the real Aliyun adapter to a local fake dysmsapi (tests/fake_aliyun.py: the far side of
the paid provider, which checks every request's signature and counts messages per number).
When half the notices have reached the provider, one worker's whole process group is
SIGKILLed: the row it was sending comes due when its lease ends and the sweeper hands it on.

Prints throughput, p50/p99 queue-to-send time (outbox row written -> sent), and the counts as
the provider saw them: numbers that got the notice once, more than once, never. Exits 1 unless
every number got it exactly once and every outbox row is `sent`.

    .venv/bin/python bench/delivery.py --short     # 2,000 residents on PostgreSQL
    .venv/bin/python bench/delivery.py             # 20,000 residents (the street-wide notice)
    .venv/bin/python bench/delivery.py --sqlite    # the same on SQLite

PostgreSQL: schema bench_delivery of --pg (default the local `test` database); Redis db 8.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from harness import DEFAULT_PG, Processes, database_url, migrate_and_configure, percentile

from tests.fake_aliyun import fake_aliyun

REDIS = "redis://127.0.0.1:6379/8"
SECRET = "bench-aliyun-secret"
BIN = Path(sys.executable).parent


def worker_env(env: dict[str, str], endpoint: str) -> dict[str, str]:
    return {**env, "REDIS_URL": REDIS, "SMS_PROVIDER": "aliyun", "ALIYUN_SMS_ENDPOINT": endpoint,
            "ALIYUN_SMS_ACCESS_KEY_ID": "LTAIbench", "ALIYUN_SMS_ACCESS_KEY_SECRET": SECRET,
            "ALIYUN_SMS_SIGN_NAME": "社区议事厅", "ALIYUN_SMS_TEMPLATE_NOTICE": "SMS_100001",
            "ALIYUN_SMS_TEMPLATE_NOTICE_PLAIN": "SMS_100002"}


def write_instance_config(tmp: Path, lease: float, grace: float) -> None:
    """Settings that have no environment variable, for every process of the run."""
    (tmp / "config.py").write_text(
        "SMS_QUIET_HOURS = False  # a benchmark at night still sends\n"
        f"DELIVERY_LEASE_SECONDS = {lease}\nSWEEP_GRACE_SECONDS = {grace}\n")


def seed_and_queue(residents: int) -> tuple[float, float]:
    """N residents; then one notice to all of them, committed (which enqueues the jobs).
    Returns (seconds to write the notice and its rows, seconds for the commit's enqueue)."""
    from sqlalchemy import insert, select

    from deliberation import create_app
    from deliberation.accounts.models import User
    from deliberation.core.time import utcnow
    from deliberation.extensions import db
    from deliberation.notifications import services, worker

    app = create_app()
    with app.app_context():
        now = utcnow()
        db.session.execute(insert(User), [
            {"phone": f"13{i:09d}", "display_name": f"居民{i}", "password_hash": "x",
             "role": "resident", "phone_verified_at": now, "created_at": now, "household": "",
             "active": True, "session_version": 1, "must_change_password": False}
            for i in range(residents)])
        db.session.commit()
        ids = set(db.session.scalars(select(User.id)))
        t = time.perf_counter()
        services.notify_users(ids, kind="close", message="街道通知：本周六停水。")
        db.session.flush()
        written = time.perf_counter() - t
        t = time.perf_counter()
        db.session.commit()  # after_commit: one job per row, pipelined to Redis
        enqueued = time.perf_counter() - t
        jobs = worker.queue(app).count
        assert jobs == -(-residents // app.config.get("DELIVERY_JOB_BATCH", 20)), jobs
    return written, enqueued


def sent_rows(app) -> tuple[int, list[float], dict[str, int]]:
    from sqlalchemy import func, select

    from deliberation.extensions import db
    from deliberation.notifications.models import Delivery

    with app.app_context():
        states = dict(db.session.execute(select(Delivery.state, func.count())
                                         .group_by(Delivery.state)).all())
        rows = db.session.execute(select(Delivery.created_at, Delivery.sent_at)
                                  .where(Delivery.state == "sent")).all()
        retried = db.session.scalar(select(func.count()).select_from(Delivery)
                                    .where(Delivery.attempts > 1))
    waits = sorted((s - c).total_seconds() for c, s in rows)
    return retried, waits, states


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--short", action="store_true", help="2,000 residents (CI)")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (schema bench_delivery)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-kill", dest="kill", action="store_false", default=True)
    parser.add_argument("--lease", type=float, default=5.0, help="seconds a claim lasts")
    parser.add_argument("--grace", type=float, default=10.0,
                        help="the sweeper takes rows due for longer than this (SWEEP_GRACE_SECONDS)")
    parser.add_argument("--sweep-every", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    n = 2_000 if args.short else args.residents
    if args.sqlite:
        args.pg = None

    from redis import Redis

    Redis.from_url(REDIS).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    write_instance_config(tmp, args.lease, args.grace)
    url = database_url(args, tmp, "bench_delivery")
    procs = Processes(tmp)
    with fake_aliyun(SECRET) as provider:
        env = worker_env(migrate_and_configure(url, tmp), provider.endpoint)
        os.environ.update({k: env[k] for k in env if k.startswith(("ALIYUN_", "SMS_", "REDIS"))})
        written, enqueued = seed_and_queue(n)
        print(f"{n} residents ({'SQLite' if args.sqlite else 'PostgreSQL'}, Redis db 8): the notice "
              f"and its {n} outbox rows written in {written:.2f} s, its jobs enqueued by the "
              f"commit in {enqueued:.2f} s")
        try:
            return run(args, n, env, procs, provider, tmp)
        finally:
            procs.stop()


def run(args, n: int, env: dict, procs: Processes, provider, tmp: Path) -> int:
    from deliberation import create_app

    flask = [str(BIN / "flask"), "--app", "wsgi"]
    t0 = time.perf_counter()
    for i in range(args.workers):
        procs.start(f"worker{i}", [*flask, "worker"], env)
    sweeper = ("while true; do " + " ".join(flask) + f" deliver --sweep; sleep {args.sweep_every}; done")
    procs.start("sweeper", ["bash", "-c", sweeper], env)
    killed_at = None
    deadline = time.monotonic() + args.timeout
    while len(provider.per_phone) < n and time.monotonic() < deadline:
        if args.kill and killed_at is None and len(provider.per_phone) >= n // 2:
            procs.kill_group("worker0", signal.SIGKILL)
            killed_at = time.perf_counter() - t0
            print(f"SIGKILLed worker0's process group (pid {procs.procs['worker0'].pid}) at "
                  f"{killed_at:.1f} s, {len(provider.per_phone)} sent")
        for name, proc in procs.procs.items():
            if proc.poll() is not None and name != "worker0":
                print(procs.log_tail(name))
                raise SystemExit(f"{name} exited early")
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    time.sleep(1.0)  # a late duplicate would arrive now
    app = create_app()
    retried, waits, states = sent_rows(app)
    once = sum(1 for k in provider.per_phone.values() if k == 1)
    twice = sum(1 for k in provider.per_phone.values() if k > 1)
    lost = n - len(provider.per_phone)
    sweeps = (tmp / "sweeper.log").read_text(errors="replace").count("enqueued")
    swept = sum(int(line.split()[0]) for line in (tmp / "sweeper.log").read_text().splitlines()
                if line.endswith("enqueued.") and line.split()[0].isdigit())
    p99 = percentile(waits, 99)
    killed = ", one killed" if args.kill else ""
    print(f"sent {len(waits)} in {elapsed:.1f} s by {args.workers} workers{killed}: "
          f"{len(waits) / elapsed:.0f} deliveries/s overall; the first 99 % in {p99:.1f} s: "
          f"{0.99 * len(waits) / p99 if p99 else 0:.0f}/s (the rest waited for the lease, the "
          f"grace and a sweep)")
    print(f"queue-to-send p50 {percentile(waits, 50):.1f} s, p99 {p99:.1f} s, "
          f"max {waits[-1] if waits else 0:.1f} s")
    print(f"outbox rows by state: {states}; claimed more than once: {retried}; "
          f"sweeps {sweeps}, rows the sweeper enqueued {swept}")
    print(f"provider side ({len(provider.seen)} accepted requests): sent once {once}, "
          f"more than once {twice}, lost {lost}")
    ok = once == n and twice == 0 and lost == 0 and states == {"sent": n}
    if not ok:
        print("FAILED: every resident must get the notice exactly once")
        print(procs.log_tail("worker1"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
