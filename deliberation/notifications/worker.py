"""Where deliveries are sent from: RQ workers with Redis, else a thread or cron.

    REDIS_URL set      after a commit that wrote deliveries, one job per due row goes to the
                       RQ queue `<prefix>deliveries`; `flask worker` runs RQ workers (any
                       number, on any machine), each job up to DELIVERY_JOB_BATCH (20) rows;
                       `flask deliver --sweep` (cron, every minute) enqueues rows due for longer
                       than SWEEP_GRACE_SECONDS (60) whose job is gone: retries, morning SMS,
                       rows of a worker that died, and rows whose job Redis lost.
    no Redis           `make run` delivers from a background thread in the dev server process;
                       `flask deliver` (cron) does the same once.

Every path ends in delivery.deliver_due, whose claim makes a second job for the same row a no-op.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.time import utcnow
from ..extensions import db
from . import delivery

log = logging.getLogger(__name__)


def redis_url(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("REDIS_URL") or None


def queue(app: Flask | None = None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    connection = Redis.from_url(redis_url(app))
    return Queue(app.config.get("RQ_QUEUE_PREFIX", "") + "deliveries", connection=connection)


def run_job(delivery_ids: int | list[int]) -> int:
    """The RQ job: deliver its rows (those still due) within the worker's app. The worker is
    `flask worker`, which built the app (this package never builds one itself)."""
    if _job_app is None:
        raise RuntimeError("deliveries are run by `flask worker`, which sets up the app")
    ids = [delivery_ids] if isinstance(delivery_ids, int) else list(delivery_ids)
    with _job_app.app_context():
        return delivery.deliver_due(ids=ids, limit=len(ids))


_job_app: Flask | None = None


def sweep_grace(app: Flask | None = None) -> timedelta:
    return timedelta(seconds=float((app or current_app).config.get("SWEEP_GRACE_SECONDS", 60)))


def enqueue_due(app: Flask | None = None, limit: int = 1000) -> int:
    """The sweeper: enqueue jobs for rows due for longer than the grace whose job is gone.

    A row a worker has had before (a retry after backoff, a claim whose worker died and whose
    lease ran out) or held for the morning has no job left: it is always taken. A row no worker
    has claimed yet still has the job its commit enqueued while the queue holds jobs; when the
    queue is empty and such a row is due, its job was lost (Redis restarted, or was down at the
    commit), and it is taken too. A job that finds its rows already sent does nothing."""
    app = app or current_app._get_current_object()
    q = queue(app)
    ids = delivery.pending_ids(utcnow() - sweep_grace(app), limit, unclaimed=q.count == 0)
    db.session.rollback()
    enqueue(ids, app)
    return len(ids)


def enqueue(ids: list[int], app: Flask | None = None) -> None:
    """Jobs of up to DELIVERY_JOB_BATCH rows each, sent to Redis in one pipeline per 500 jobs
    (a street-wide notice is 20,000 rows)."""
    from rq import Queue

    app = app or current_app._get_current_object()
    q = queue(app)
    size = int(app.config.get("DELIVERY_JOB_BATCH", 20))
    batches = [ids[i:i + size] for i in range(0, len(ids), size)]
    for start in range(0, len(batches), 500):
        jobs = [Queue.prepare_data(run_job, (batch,), timeout=120, result_ttl=600, failure_ttl=86400)
                for batch in batches[start:start + 500]]
        with q.connection.pipeline() as pipe:
            q.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()


def _after_commit(session) -> None:
    ids = session.info.pop("deliveries_new", None)
    if not ids:
        return
    app = current_app._get_current_object()
    if not redis_url(app):
        return
    try:
        enqueue(ids, app)
    except Exception as exc:  # Redis down: the sweeper enqueues them later; the notice is saved
        log.warning("could not enqueue deliveries (the sweeper will): %s", exc)


def _dev_thread(app: Flask, interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                delivery.deliver_due()
                run_digest_safely()
        except Exception:
            log.exception("delivery thread")


def run_digest_safely() -> None:
    from .digest import run_digest

    run_digest(utcnow())


def _is_dev_server(app: Flask) -> bool:
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true" or "run" not in sys.argv[1:]:
        return False
    # With the reloader, only the child that serves (WERKZEUG_RUN_MAIN) delivers.
    return not app.debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def init_app(app: Flask) -> None:
    if not getattr(Session, "_delivery_hook", False):
        event.listen(Session, "after_commit", _after_commit)
        Session._delivery_hook = True
    app.jinja_env.globals["delivery_counts"] = delivery.counts  # the statistics page (staff)
    app.cli.add_command(deliver_command)
    app.cli.add_command(worker_command)
    if not redis_url(app) and _is_dev_server(app) and not app.config.get("TESTING"):
        interval = float(app.config.get("DELIVERY_THREAD_INTERVAL", 5))
        threading.Thread(target=_dev_thread, args=(app, interval), daemon=True,
                         name="deliveries").start()


@click.command("deliver")
@click.option("--sweep", is_flag=True, help="With REDIS_URL: enqueue due rows for the workers.")
@click.option("--limit", default=1000, show_default=True)
@with_appcontext
def deliver_command(sweep: bool, limit: int) -> None:
    """Send due SMS and email (cron without Redis), or enqueue them (--sweep, with Redis)."""
    if sweep and redis_url():
        click.echo(f"{enqueue_due(limit=limit)} delivery row(s) enqueued.")
        return
    total = 0
    while (sent := delivery.deliver_due(limit=min(limit, 100))) and total < limit:
        total += sent
    click.echo(f"{total} delivery(ies) sent.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the deliveries queue (needs REDIS_URL)."""
    from rq import SimpleWorker

    if not redis_url():
        raise click.ClickException("REDIS_URL is not set: use `flask deliver` (cron) instead.")
    global _job_app
    _job_app = current_app._get_current_object()
    q = queue()
    # SimpleWorker runs jobs in this process: no fork sharing the database pool.
    SimpleWorker([q], connection=q.connection).work(burst=burst, with_scheduler=False)
