"""What the live-server benchmarks share: a fresh migrated database, a seeded meeting with an
open vote, signed-in cookies made without logging in, gunicorn on a free loopback port, and
the numbers (percentiles), and `Processes` (process groups to start, kill and stop).
`vote_storm.py`, `uploads.py`, `load.py`, `cluster.py` and `delivery.py` use it.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-key-not-for-production"
ENV_KEYS = ("DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH", "APP_ENV", "SESSION_COOKIE_SECURE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(args, tmp: Path, schema: str) -> str:
    if not args.pg:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(args.pg)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in args.pg else "?"
    return f"{args.pg}{sep}options=-csearch_path%3D{schema}"


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
    from tests import factories

    pw = generate_password_hash("not-used-bench-only")
    # The storm's council is street-level: the street lets it decide its communities' matters.
    street = Street(name="压测街道", council_decides=True)
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
    item = factories.vote_under_way(staff, [council.id], matter, members, check_in=False, title="压测会议")
    db.session.commit()
    return item.id, staff, members


def cookie_for(app, user) -> tuple[str, str]:
    """A signed-in session cookie and its CSRF token, made without logging in."""
    from tests.factories import signed_in

    return signed_in(app, user)


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


def migrate_and_configure(url: str, tmp: Path) -> dict[str, str]:
    """Run the migrations on a fresh database and point this process at it; the environment."""
    env = environment(url, tmp)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ENV_KEYS})
    return env


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int) -> Iterator[int]:
    """gunicorn serving the app on a free loopback port; yields the port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    try:
        wait_for(port, proc)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


class Processes:
    """Every process a benchmark starts, each in its own session (process group); `stop()` ends
    them all, the whole group of each."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.tmp / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill_group(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for name, proc in reversed(list(self.procs.items())):
            if proc.poll() is None:
                self.kill_group(name, signal.SIGTERM)
        for name, proc in reversed(list(self.procs.items())):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill_group(name, signal.SIGKILL)
                proc.wait(5)
            # Workers of a group whose leader is gone (SIGKILL of the group reaches them too).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


