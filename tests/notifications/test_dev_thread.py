"""`make run` without Redis delivers from the outbox in a background thread of the dev server:
a real `flask run` process on the suite's database sends a screening decision's email to a real
SMTP server, once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.notifications import preferences
from deliberation.notifications.models import Delivery
from tests.parallel import free_port

ROOT = Path(__file__).resolve().parents[2]


def _flask_run(database_url: str, instance: Path, mail_port: int, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "STORAGE_URL")}
    env.update(APP_ENV="development", DATABASE_URL=database_url, INSTANCE_PATH=str(instance),
               SECRET_KEY="dev-thread-test", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail_port),
               MAIL_FROM="议事厅 <noreply@yishi.test>", PYTHONUNBUFFERED="1")
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "run", "--no-reload", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_the_dev_server_delivers_a_notice_without_redis(world, inbox, database_url, tmp_path):
    # `inbox`: the suite's app writes email rows only when a mail server is configured.
    world.resident_a.phone_verified_at = clock.utcnow()
    preferences.save(world.resident_a, email="wang@example.cn", sms=set(),
                     email_groups={"matters"}, digest=False)
    workflow.reject(world.matter(), world.chair_a, reason="不属于社区事务")
    db.session.commit()
    row_id = db.session.scalar(select(Delivery.id).where(Delivery.user_id == world.resident_a.id,
                                                          Delivery.channel == "email"))
    assert row_id is not None
    db.session.rollback()  # hold no transaction while the server writes

    server = _flask_run(database_url, tmp_path / "instance", inbox.port, free_port())
    try:
        deadline = time.monotonic() + 30  # the thread wakes every 5 s
        while not inbox.messages and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
        time.sleep(6)  # one more cycle: it must not send again
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert len(inbox.messages) == 1, output
    [mail] = inbox.messages
    assert mail["To"].addresses[0].addr_spec == "wang@example.cn"
    assert "不属于社区事务" in mail.get_body(("plain",)).get_content()
    db.session.expire_all()
    row = db.session.get(Delivery, row_id)
    assert (row.state, row.attempts) == ("sent", 1)
