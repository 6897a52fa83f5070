"""With REDIS_URL: a commit that writes deliveries enqueues jobs; `flask worker --burst` (a
real RQ worker on Redis DB 1) sends them; the sweeper re-enqueues rows whose job was lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.notifications import preferences
from deliberation.notifications.models import Delivery, SmsConsoleMessage
from tests.conftest import REDIS_URL


@pytest.fixture
def redis_queue(app, monkeypatch):
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception:  # pragma: no cover
        pytest.skip("no Redis at 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "RQ_QUEUE_PREFIX", "d12-test:")
    from deliberation.notifications import worker

    q = worker.queue(app)
    q.empty()
    yield q
    q.empty()


def _resident_opts_in(world, now):
    world.resident_a.phone_verified_at = now
    preferences.save(world.resident_a, email=None, sms={"matters"}, email_groups=set(), digest=False)
    db.session.commit()


def test_commit_enqueues_and_a_real_worker_sends_once(app, world, daytime, redis_queue):
    _resident_opts_in(world, daytime)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    assert redis_queue.count == 1
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Delivery.state).where(Delivery.user_id == world.resident_a.id)) == "sent"
    assert len(db.session.scalars(select(SmsConsoleMessage)).all()) == 1
    # The same job enqueued twice (a sweep racing the hook) sends nothing more.
    row_id = db.session.scalar(select(Delivery.id).where(Delivery.user_id == world.resident_a.id))
    from deliberation.notifications import worker

    worker.enqueue([row_id], app)
    worker.enqueue([row_id], app)
    assert redis_queue.count == 2
    app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert len(db.session.scalars(select(SmsConsoleMessage)).all()) == 1


def test_the_sweeper_re_enqueues_a_lost_job(app, world, daytime, redis_queue):
    _resident_opts_in(world, daytime)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    redis_queue.empty()  # the job was lost (Redis restarted without persistence)
    runner = app.test_cli_runner()
    # Within the grace the row's own job is presumed queued: the sweep leaves it alone.
    clock.freeze(daytime + timedelta(seconds=59))
    assert "0 delivery row(s) enqueued" in runner.invoke(args=["deliver", "--sweep"]).output
    clock.freeze(daytime + timedelta(seconds=61))
    assert "1 delivery row(s) enqueued" in runner.invoke(args=["deliver", "--sweep"]).output
    assert redis_queue.count == 1
    runner.invoke(args=["worker", "--burst"])
    db.session.expire_all()
    assert db.session.scalar(select(Delivery.state).where(Delivery.user_id == world.resident_a.id)) == "sent"


def _sweep(app, at) -> str:
    clock.freeze(at)
    return app.test_cli_runner().invoke(args=["deliver", "--sweep"]).output


def test_a_row_whose_job_still_waits_in_the_queue_is_not_swept(app, world, daytime, redis_queue):
    _resident_opts_in(world, daytime)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    assert redis_queue.count == 1
    # Long after the grace (the workers are behind), the row's own job is still there.
    assert "0 delivery row(s) enqueued" in _sweep(app, daytime + timedelta(minutes=10))
    assert redis_queue.count == 1


def test_a_dead_workers_claim_is_swept_while_the_queue_is_busy(app, world, daytime, redis_queue):
    from deliberation.notifications import delivery, worker

    _resident_opts_in(world, daytime)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    redis_queue.empty()  # a worker took the job ...
    row_id = db.session.scalar(select(Delivery.id).where(Delivery.user_id == world.resident_a.id))
    assert delivery.claim(daytime, ids=[row_id]) == [(row_id, 1, False)]  # ... claimed the row, died
    worker.enqueue([row_id + 1000], app)  # other work keeps the queue busy
    lease_over = daytime + delivery.lease() + worker.sweep_grace(app)
    assert "0 delivery row(s) enqueued" in _sweep(app, lease_over - timedelta(seconds=1))
    assert "1 delivery row(s) enqueued" in _sweep(app, lease_over + timedelta(seconds=1))
    assert app.test_cli_runner().invoke(args=["worker", "--burst"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Delivery, row_id).state == "sent"
    assert len(db.session.scalars(select(SmsConsoleMessage)).all()) == 1


def test_without_redis_flask_deliver_sends_from_cron(app, world, daytime):
    _resident_opts_in(world, daytime)
    workflow.reject(world.matter(), world.chair_a, reason="不予受理")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["deliver"])
    assert "1 delivery(ies) sent" in result.output, result.output
