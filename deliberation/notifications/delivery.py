"""The delivery engine: one code path for every way deliveries go out.

    deliver_due(now)            claim due rows, send each, record the result (cron, the dev
                                thread, the sweeper without Redis, tests)
    deliver_due(now, ids=[..])  the same for given rows (an RQ job)
    worker.enqueue_due()        with Redis, the sweeper: enqueue jobs for due rows whose job is
                                gone (retries, morning SMS, a worker that died, Redis lost)

A claim is a short transaction that pushes the rows' next_attempt_at ahead by a lease and
counts the attempt: on PostgreSQL with FOR UPDATE SKIP LOCKED, so parallel workers take
disjoint rows; on SQLite BEGIN IMMEDIATE lets one writer claim at a time. The claim is
compare-and-set on (state, next_attempt_at), so a row is sent by whoever claimed it, once.
Sending happens outside any transaction; the result is written in another short one. A worker
that dies mid-send leaves its rows to come due again when the lease ends.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..accounts.models import User
from ..core.time import utcnow
from ..extensions import db
from . import preferences
from .channels import CHANNELS, DeliveryError
from .models import Delivery, DeliveryState, Notification

log = logging.getLogger(__name__)
S = DeliveryState

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("DELIVERY_LEASE_SECONDS") or LEASE.seconds))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _due(now: datetime):
    # A "sending" row is due when its lease has run out: its worker died.
    return (Delivery.state.in_((S.PENDING, S.SENDING, S.HELD)), Delivery.digest.is_(False),
            Delivery.next_attempt_at <= now)


def claim(now: datetime, limit: int = 100,
          ids: list[int] | None = None) -> list[tuple[int, int, bool]]:
    """Take up to `limit` due rows for this worker; returns (id, attempt, interrupted) triples,
    `interrupted` when the row's previous attempt died before recording its answer. Commits."""
    query = select(Delivery.id, Delivery.next_attempt_at, Delivery.state).where(*_due(now))
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    query = query.order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for delivery_id, due, state in db.session.execute(query).all():
        done = db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.next_attempt_at == due,
                   Delivery.state == state, *_due(now))
            .values(state=S.SENDING, next_attempt_at=now + lease(), attempts=Delivery.attempts + 1)
            .returning(Delivery.attempts)).scalar()
        if done is not None:
            claimed.append((delivery_id, done, state == S.SENDING))
    db.session.commit()
    return claimed


def deliver_due(now: datetime | None = None, *, limit: int = 100,
                ids: list[int] | None = None) -> int:
    """Send what is due; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for delivery_id, attempt, interrupted in claim(now, limit, ids):
        sent += deliver_one(delivery_id, attempt, now, interrupted=interrupted)
    return sent


def deliver_one(delivery_id: int, attempt: int, now: datetime, *, interrupted: bool = False) -> int:
    row = db.session.get(Delivery, delivery_id)
    note = db.session.get(Notification, row.notification_id)
    user = db.session.get(User, row.user_id)
    if interrupted and (before := _went_out_before(row, attempt, user, now)) is not None:
        return before  # 1: it had gone out (now recorded); 0: the provider cannot say yet
    if row.channel == "sms" and (until := preferences.quiet_until(now)) is not None:
        # A retry (or a resend) that falls in the night waits for the morning.
        _record(row, attempt, state=S.HELD, next_attempt_at=until, attempts=row.attempts - 1)
        return 0
    try:
        with _link_context():
            message_id = CHANNELS[row.channel].send(row, note, user)
    except DeliveryError as exc:
        db.session.rollback()  # nothing a failed provider call added is kept
        row = db.session.get(Delivery, delivery_id)
        if exc.permanent or attempt >= MAX_ATTEMPTS:
            _record(row, attempt, state=S.FAILED, next_attempt_at=None, last_error=str(exc))
        else:
            _record(row, attempt, state=S.PENDING, next_attempt_at=now + backoff(attempt),
                    last_error=str(exc))
        log.warning("delivery %s (%s) failed: %s", delivery_id, row.channel, exc)
        return 0
    _record(row, attempt, state=S.SENT, next_attempt_at=None, provider_message_id=message_id,
            sent_at=utcnow(), last_error=None)
    return 1


def _went_out_before(row: Delivery, attempt: int, user: User, now: datetime) -> int | None:
    """The previous attempt's worker died before recording: ask the provider whether that
    message went out. 1: it had (recorded as sent now); None: it had not, send; 0: the provider
    cannot be asked now: the row stays "sending", asked again after the backoff, never sent
    blind. (Providers count days in street time: the days of the old lease and of now.)"""
    days = sorted({preferences.local(now - lease()).date(), preferences.local(now).date()})
    try:
        message_id = CHANNELS[row.channel].find(row, user, attempt - 1, days)
    except DeliveryError as exc:
        _record(row, attempt, state=S.SENDING, next_attempt_at=now + backoff(attempt),
                last_error=str(exc))
        return 0
    if message_id is None:
        return None
    log.warning("delivery %s: attempt %s had gone out before its worker died", row.id, attempt - 1)
    _record(row, attempt, state=S.SENT, next_attempt_at=None, provider_message_id=message_id,
            sent_at=utcnow(), last_error=None)
    return 1


def _record(row: Delivery, attempt: int, **values) -> None:
    """Write the result if the row is still this worker's claim (same attempt), and commit."""
    db.session.execute(update(Delivery).where(Delivery.id == row.id, Delivery.attempts == attempt,
                                              Delivery.state == S.SENDING).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.expire(row)
    db.session.commit()


def _link_context():
    """Links in emails are absolute: outside a request, build them from SERVER_NAME."""
    from flask import has_request_context

    if has_request_context():
        from contextlib import nullcontext

        return nullcontext()
    config = current_app.config
    base = config.get("PUBLIC_BASE_URL") or "{}://{}".format(
        config.get("PREFERRED_URL_SCHEME") or "http", config.get("SERVER_NAME") or "localhost")
    return current_app.test_request_context("/", base_url=base, method="POST")  # writes: BEGIN IMMEDIATE


def resend(delivery: Delivery, now: datetime | None = None) -> None:
    """Staff asked again: a failed, suppressed or sent row becomes due now (flushes)."""
    delivery.state = S.PENDING
    delivery.digest = False
    delivery.next_attempt_at = now or utcnow()
    delivery.last_error = None
    db.session.flush()


def counts() -> dict[str, int]:
    from sqlalchemy import func

    rows = db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
    result = {state: 0 for state in S.ALL}
    result.update({state: n for state, n in rows})
    return result


def pending_ids(now: datetime, limit: int = 1000, *, unclaimed: bool = True) -> list[int]:
    """Rows due at `now`; with unclaimed=False only the ones some worker has had before (a
    retry, a claim whose worker died) or that were held for the morning."""
    query = select(Delivery.id).where(*_due(now))
    if not unclaimed:
        query = query.where((Delivery.attempts > 0) | (Delivery.state == S.HELD))
    return list(db.session.scalars(query.order_by(Delivery.next_attempt_at).limit(limit)))

