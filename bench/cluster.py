"""Two-node rehearsal: nginx on loopback in front of two app nodes sharing PostgreSQL, Redis and S3.

    .venv/bin/python bench/cluster.py --short      # CI: about a minute
    .venv/bin/python bench/cluster.py              # 20 s a phase
    .venv/bin/python bench/cluster.py --pg postgresql+psycopg://user@host/db

What runs (all on 127.0.0.1, all started and stopped by this script):

    5710  Debian's nginx (/usr/sbin/nginx, `daemon off`, config, pid and logs in a temp dir):
          upstream of the two nodes, `proxy_next_upstream error timeout`, 1 s connect timeout
    5711  node A: gunicorn in its own process group (session), its own empty INSTANCE_PATH
    5712  node B: the same; with --pin (default on 2+ cores) A runs on core 0, B on core 1
    5713  moto_server: the S3 bucket `bench-cluster` (STORAGE_URL=s3://bench-cluster/uploads)
          PostgreSQL (schema bench_cluster, migrated fresh), Redis db 7 (REDIS_URL)

Both nodes run APP_ENV=production with one SECRET_KEY, PROXY_FIX_X_FOR=1 and PROXY_FIX_X_PROTO=1.
The load is bench/load.py's mix (reads, logins, filings, co-signs; its `drive`) plus members
voting in a loop as in bench/vote_storm.py, all through nginx. Phases: one node behind nginx,
then two; a photo filed on A (port 5711 directly) is fetched from B (5712); then two nodes
again with node A's whole process group SIGKILLed half-way. Then the vote is closed and it
checks: no 5xx but nginx's 502 for requests that were in flight on A when it died, no lost or
duplicated filings, co-signs or votes (what the clients saw succeed against the rows), the
closed count matches the rows, the photo came back, `flask audit verify` passes. Exits 1 on a
failed check; everything it started is stopped in the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import load
from harness import DEFAULT_PG, Processes, cookie_for, database_url, migrate_and_configure, seed
from uploads import multipart

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX_BIN = "/usr/sbin/nginx"
NGINX, NODE_A, NODE_B, S3 = 5710, 5711, 5712, 5713
SCHEMA = "bench_cluster"
REDIS = "redis://127.0.0.1:6379/7"
BUCKET = "bench-cluster"
VOTER_PASSWORD = "not-used-bench-only"  # what harness.seed gives its members
CUT_SLACK = 0.5  # s: a 502 that started this long before the kill and ended after it was cut

FIVES: list[tuple[float, float, int, str]] = []  # (start, end, status, request) of every 5xx
UPSTREAMS: Counter = Counter()  # which node answered (nginx's X-Upstream header)
RECORD_LOCK = threading.Lock()


class TimedClient(load.Client):
    """load.py's client, also noting when each 5xx started and ended and which node answered."""

    def request(self, kind: str, method: str, path: str, form: dict | None = None):
        start = time.monotonic()
        status, data, headers = super().request(kind, method, path, form)
        note(start, status, f"{method} {path}", headers.get("X-Upstream"))
        return status, data, headers


load.Client = TimedClient  # load.drive builds its clients from this name


def note(start: float, status, what: str, upstream: str | None) -> None:
    with RECORD_LOCK:
        if isinstance(status, int) and status >= 500:
            FIVES.append((start, time.monotonic(), status, what))
        if upstream:
            UPSTREAMS[upstream] += 1


# --- processes ------------------------------------------------------------------------------

def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_port(port: int, proc: subprocess.Popen, what: str, path: str | None = None,
              timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path or "/")
            status = conn.getresponse().status
            conn.close()
            if path is None or status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer on port {port}")


def nginx_conf(tmp: Path, nodes: list[int], body_limit: int) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in nodes)
    temps = "\n".join(f"    {kind}_temp_path {tmp / ('nginx-' + kind)};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 1;
daemon off;
pid {tmp / 'nginx.pid'};
error_log {tmp / 'nginx-error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temps}
    client_max_body_size {body_limit};
    upstream app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{NGINX};
        location / {{
            proxy_pass http://app;
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
            proxy_send_timeout 10s;
            proxy_read_timeout 30s;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def write_nginx_conf(tmp: Path, nodes: list[int], body_limit: int) -> Path:
    path = tmp / "nginx.conf"
    path.write_text(nginx_conf(tmp, nodes, body_limit))
    return path


def reload_nginx(cluster: Processes, tmp: Path, nodes: list[int], body_limit: int) -> None:
    conf = write_nginx_conf(tmp, nodes, body_limit)
    subprocess.run([NGINX_BIN, "-t", "-q", "-p", str(tmp), "-e", str(tmp / "nginx-error.log"),
                    "-c", str(conf)], check=True)
    cluster.procs["nginx"].send_signal(signal.SIGHUP)
    time.sleep(1.0)  # the old worker finishes, the new one takes the listening socket


def gunicorn_cmd(port: int, args, core: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "--threads", str(args.threads),
           "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"]
    return (["taskset", "-c", str(core)] + cmd) if core is not None else cmd


def group_cpu(pid: int) -> float:
    """CPU seconds used so far by a process group (leader and its living children)."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# --- the load -------------------------------------------------------------------------------

class Votes:
    """Per voter: the last choice the app accepted (303) and the choices sent after it whose
    outcome is unknown (cut). The stored row must be one of those."""

    def __init__(self):
        self.last: dict[int, str] = {}
        self.unknown: dict[int, list[str]] = {}
        self.status: Counter = Counter()
        self.latencies: list[float] = []
        self.lock = threading.Lock()


def vote_post(path: str, cookie: str, token: str, choice: str):
    from urllib.parse import urlencode

    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", NGINX, timeout=60)
    try:
        conn.request("POST", path, urlencode({"csrf_token": token, "choice": choice}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}"})
        r = conn.getresponse()
        r.read()
        status, upstream = r.status, r.getheader("X-Upstream")
    except (OSError, http.client.HTTPException):
        status, upstream = "cut", None
    finally:
        conn.close()
    note(start, status, f"POST {path}", upstream)
    return status, time.monotonic() - start


def voter(item_id: int, user_id: int, cookie: str, token: str, stop_at: float, votes: Votes) -> None:
    rng = random.Random(user_id * 7919 + int(stop_at))
    path = f"/meetings/items/{item_id}/vote"
    while time.monotonic() < stop_at:
        choice = rng.choice(["yes", "no", "abstain"])
        status, took = vote_post(path, cookie, token, choice)
        with votes.lock:
            votes.status[status] += 1
            votes.latencies.append(took)
            if status == 303:
                votes.last[user_id] = choice
                votes.unknown[user_id] = []
            elif status == "cut" or (isinstance(status, int) and status >= 500):
                votes.unknown.setdefault(user_id, []).append(choice)


def run_phase(name: str, info: dict, voters_creds: dict, item_id: int, votes: Votes, args,
              cluster: Processes, kill: str | None = None) -> dict:
    FIVES.clear()
    UPSTREAMS.clear()
    tally = load.Tally()
    cpu_before = {n: group_cpu(cluster.procs[n].pid) for n in ("node-a", "node-b", "nginx")
                  if cluster.procs.get(n) and cluster.procs[n].poll() is None}
    self_before = sum(os.times()[:2])
    votes_before = sum(votes.status.values())
    start = time.monotonic()
    stop_at = start + args.seconds
    threads = [threading.Thread(target=load.drive, args=(NGINX, info, i, args.seconds, tally), daemon=True)
               for i in range(len(info["phones"]))]
    threads += [threading.Thread(target=voter, args=(item_id, uid, *c, stop_at, votes), daemon=True)
                for uid, c in voters_creds.items()]
    for t in threads:
        t.start()
    kill_at = None
    if kill:
        time.sleep(args.seconds / 2)
        cpu_before.pop(kill, None)
        kill_at = time.monotonic()
        cluster.kill_group(kill, signal.SIGKILL)
        print(f"    SIGKILL process group of {kill} (pid {cluster.procs[kill].pid}) "
              f"at {kill_at - start:.1f} s")
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    self_cpu = sum(os.times()[:2]) - self_before
    cpu = {n: group_cpu(cluster.procs[n].pid) - before for n, before in cpu_before.items()}
    vote_count = sum(votes.status.values()) - votes_before
    requests = sum(tally.status.values()) + vote_count
    cut, bad = [], []
    for t0, t1, status, what in FIVES:
        in_flight = kill_at is not None and status == 502 and t0 <= kill_at + CUT_SLACK and t1 >= kill_at
        (cut if in_flight else bad).append(f"{what} -> {status}")
    print(f"== {name}: {requests} requests in {elapsed:.1f} s ({requests / elapsed:.0f} req/s); "
          f"pages {dict(sorted(tally.status.items()))}, votes {vote_count}; "
          f"answered by {dict(UPSTREAMS)}")
    for kind, values in sorted(tally.latencies.items()):
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"    {kind:12s} n={len(values):5d}  p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms")
    retried = sum(n for u, n in UPSTREAMS.items() if "," in u)
    print(f"    filings {len(tally.attempted)} sent / {len(tally.filed)} seen filed; co-signs seen "
          f"{len(tally.cosigned)}; 5xx {len(FIVES)} ({len(cut)} cut by the kill); "
          f"passed on to the next node by nginx {retried}; client-side cuts {tally.dropped}")
    print("    CPU s: " + ", ".join(f"{n} {c:.1f}" for n, c in cpu.items())
          + f", load generator (this process) {self_cpu:.1f}")
    return {"name": name, "tally": tally, "rps": requests / elapsed, "requests": requests,
            "votes": vote_count, "elapsed": elapsed, "cut": cut, "bad": bad, "cpu": cpu,
            "self_cpu": self_cpu, "upstreams": dict(UPSTREAMS)}


# --- checks ---------------------------------------------------------------------------------

def photo_across_nodes(app, creds: tuple[str, str], category_id: int, tmp: Path) -> list[str]:
    """File a matter with a photo on node A directly; fetch the photo from node B directly."""
    from PIL import Image
    from sqlalchemy import select

    from deliberation.extensions import db
    from deliberation.matters.models import MatterPhoto

    with Image.effect_noise((800, 600), 50) as noise, noise.convert("RGB") as rgb:
        buffer = io.BytesIO()
        rgb.save(buffer, "JPEG", quality=80)
    cookie, token = creds
    submit = secrets.token_urlsafe(24)
    body, ctype = multipart({"csrf_token": token, "title": "跨节点照片", "description": "节点 A 上传。",
                             "category_id": str(category_id), "place": "1 栋", "submit_token": submit},
                            [("photos", "IMG_0001.jpg", buffer.getvalue())])
    conn = http.client.HTTPConnection("127.0.0.1", NODE_A, timeout=60)
    conn.request("POST", "/matters/new", body, {"Content-Type": ctype, "Cookie": f"session={cookie}"})
    r = conn.getresponse()
    r.read()
    location = r.getheader("Location", "")
    conn.close()
    if r.status != 302 or "/matters/" not in location:
        return [f"photo filing on node A: HTTP {r.status}"]
    matter_id = int(location.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        key = db.session.scalar(select(MatterPhoto.file_key).where(MatterPhoto.matter_id == matter_id))
        db.session.remove()
    if not key:
        return [f"photo filing on node A: matter {matter_id} has no photo row"]
    conn = http.client.HTTPConnection("127.0.0.1", NODE_B, timeout=60)
    conn.request("GET", f"/matters/{matter_id}/photos/{key}.jpg", headers={"Cookie": f"session={cookie}"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    problems = []
    jpeg = data.startswith(b"\xff\xd8")
    if r.status != 200 or not jpeg:
        problems.append(f"photo {key} filed on A: node B answered HTTP {r.status}")
    local = [p for p in (tmp / "node-a", tmp / "node-b") if (p / "uploads").exists()]
    if local:
        problems.append(f"uploads written to a node's own disk: {local}")
    print(f"photo: filed on node A (:{NODE_A}) as matter {matter_id}, served by node B (:{NODE_B}): "
          f"HTTP {r.status}, {len(data)} bytes, JPEG {jpeg}")
    return problems


def check_database(app, tallies: list, votes: Votes, item_id: int) -> list[str]:
    from sqlalchemy import func, select

    from deliberation.extensions import db
    from deliberation.matters.models import Cosign, Matter
    from deliberation.meetings.models import AgendaItem, Vote

    filed, attempted, cosigned = {}, set(), set()
    for t in tallies:
        filed.update(t.filed)
        attempted |= t.attempted
        cosigned |= t.cosigned
    problems = []
    with app.app_context():
        s = db.session
        rows = dict(s.execute(select(Matter.submit_token, Matter.id)
                              .where(Matter.submit_token.is_not(None))).all())
        lost = [t for t, mid in filed.items() if rows.get(t) != mid]
        if lost:
            problems.append(f"lost filings: {len(lost)} of {len(filed)} seen filed are not stored")
        extra = set(rows) - attempted
        if len(extra) > 1:  # the photo filing's token is the one the load did not send
            problems.append(f"{len(extra) - 1} matters with tokens no client sent")
        dup = s.scalar(select(func.count()).select_from(
            select(Matter.submit_token).where(Matter.submit_token.is_not(None))
            .group_by(Matter.submit_token).having(func.count() > 1).subquery()))
        if dup:
            problems.append(f"duplicated filings: {dup} tokens stored more than once")
        pairs = Counter(s.execute(select(Cosign.user_id, Cosign.matter_id)).all())
        if any(n > 1 for n in pairs.values()):
            problems.append("duplicated co-signs")
        missing = cosigned - set(pairs)
        if missing:
            problems.append(f"lost co-signs: {len(missing)} of {len(cosigned)} seen are not stored")
        counted = dict(s.execute(select(Cosign.matter_id, func.count()).group_by(Cosign.matter_id)).all())
        wrong = [mid for mid, n in s.execute(select(Matter.id, Matter.cosign_count)).all()
                 if counted.get(mid, 0) != n]
        if wrong:
            problems.append(f"co-sign counters differ from rows on {len(wrong)} matters")
        vote_rows = s.execute(select(Vote.user_id, Vote.choice).where(Vote.item_id == item_id)).all()
        stored = Counter(u for u, _c in vote_rows)
        if any(n > 1 for n in stored.values()):
            problems.append("duplicated votes: a member has more than one row")
        choice = dict(vote_rows)
        lost_votes = [u for u in votes.last if u not in choice]
        if lost_votes:
            problems.append(f"lost votes: {len(lost_votes)} members' accepted votes are not stored")
        wrong_votes = [u for u, c in choice.items()
                       if c != votes.last.get(u) and c not in votes.unknown.get(u, [])]
        if wrong_votes:
            problems.append(f"{len(wrong_votes)} stored votes are neither the last accepted choice "
                            "nor one sent after it")
        item = s.get(AgendaItem, item_id)
        expected = Counter(choice.values())
        if (item.yes, item.no, item.abstain) != (expected["yes"], expected["no"], expected["abstain"]):
            problems.append(f"closed count {(item.yes, item.no, item.abstain)} != rows {dict(expected)}")
        unknown = sum(1 for u, c in choice.items() if c != votes.last.get(u))
        print(f"database: {len(filed)} filings seen, all stored once; {len(cosigned)} co-signs seen; "
              f"{len(choice)} votes stored ({len(votes.last)} members seen accepted, {unknown} "
              f"resolved to a choice whose answer was cut); closed count "
              f"{item.yes}/{item.no}/{item.abstain}")
        s.remove()
        db.engine.dispose()
    return problems


def audit_verify(env: dict) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return ["audit verify: " + (done.stderr or done.stdout).strip()[-500:]]
    print("audit:", done.stdout.strip())
    return []


# --- main -----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=12, help="residents running load.py's mix")
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL URL (default {DEFAULT_PG})")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction,
                        default=(os.cpu_count() or 1) >= 2,
                        help="taskset: node A on core 0, node B on core 1")
    parser.add_argument("--short", action="store_true", help="CI: 6 s phases, 8 clients, 30 voters")
    args = parser.parse_args()
    if args.short:
        args.seconds, args.clients, args.voters = min(args.seconds, 6.0), 8, 30
    busy = [p for p in (NGINX, NODE_A, NODE_B, S3) if not port_free(p)]
    if busy:
        print(f"FAILED: ports already in use: {busy}")
        return 1
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cluster-"))
    cluster = Processes(tmp)

    def stop_on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    problems: list[str] = []
    try:
        problems = rehearse(args, tmp, cluster, t0)
    except Exception as exc:  # noqa: BLE001 - report, stop everything, exit 1
        problems = [f"{type(exc).__name__}: {exc}"]
        for name in cluster.procs:
            tail = cluster.log_tail(name)
            if tail:
                print(f"--- {name} log (tail)\n{tail}")
    finally:
        cluster.stop()
        try:
            import redis

            redis.Redis.from_url(REDIS).flushdb()
        except Exception:  # noqa: BLE001, S110 - best effort
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"total {time.monotonic() - t0:.1f} s")
    for p in problems:
        print("FAIL:", p)
    print("cluster rehearsal:", "FAILED" if problems else
          "OK (no 5xx but the cut connections, no lost or duplicated writes, photo across nodes, "
          "audit intact)")
    return 1 if problems else 0


def rehearse(args, tmp: Path, cluster: Processes, t0: float) -> list[str]:
    import boto3
    import redis

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(key, value)
    redis.Redis.from_url(REDIS).flushdb()
    moto = cluster.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3)])
    wait_port(S3, moto, "moto_server")
    endpoint = f"http://127.0.0.1:{S3}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    os.environ.update({
        "REDIS_URL": REDIS, "STORAGE_URL": f"s3://{BUCKET}/uploads", "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": "us-east-1", "PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1",
        "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_ACCOUNT_LIMIT": "100000 per minute"})
    (tmp / "seed").mkdir()
    args.pg = args.pg or DEFAULT_PG
    env = migrate_and_configure(database_url(args, tmp, SCHEMA), tmp / "seed")

    from sqlalchemy import select

    from deliberation import create_app
    from deliberation.directory.models import Category
    from deliberation.extensions import db
    from deliberation.matters import services as matters

    app = create_app()
    body_limit = app.config["MAX_CONTENT_LENGTH"]
    with app.app_context():
        item_id, staff, members = seed(args.voters + args.clients + 1)
        category_id = db.session.scalar(select(Category.id))
        residents = members[args.voters:args.voters + args.clients]
        seeded = [matters.file_matter(filer=u, title=f"种子议题 {i}", description="压测。",
                                      category_id=category_id)[0].id for i, u in enumerate(residents)]
        db.session.commit()
        voters_creds = {u.id: cookie_for(app, u) for u in members[:args.voters]}
        chair = cookie_for(app, staff)
        photographer = cookie_for(app, members[-1])
        cosign = [r.rule for r in app.url_map.iter_rules()
                  if "cosign" in r.rule and "POST" in r.methods and "<int:matter_id>" in r.rule]
        info = {"phones": [u.phone for u in residents], "user_ids": [u.id for u in residents],
                "seeded": seeded, "category": category_id, "cosign_rule": cosign[0] if cosign else None}
        db.session.remove()
        db.engine.dispose()
    load.PASSWORD = VOTER_PASSWORD
    print(f"seeded {args.voters} voters and {args.clients} residents on PostgreSQL "
          f"(schema {SCHEMA}) in {time.monotonic() - t0:.1f} s")

    for name, port, core in (("node-a", NODE_A, 0), ("node-b", NODE_B, 1)):
        (tmp / name).mkdir()
        node_env = {**env, "INSTANCE_PATH": str(tmp / name)}
        cluster.start(name, gunicorn_cmd(port, args, core if args.pin else None), node_env)
    for name, port in (("node-a", NODE_A), ("node-b", NODE_B)):
        wait_port(port, cluster.procs[name], name, "/readyz", timeout=60)
    conf = write_nginx_conf(tmp, [NODE_A], body_limit)
    nginx = cluster.start("nginx", [NGINX_BIN, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"),
                                    "-c", str(conf)])
    wait_port(NGINX, nginx, "nginx", "/healthz")
    pin = "node A on core 0, node B on core 1" if args.pin else "not pinned"
    print(f"nginx :{NGINX} -> node A :{NODE_A}, node B :{NODE_B} ({args.workers} gunicorn workers x "
          f"{args.threads} threads each, {pin}); S3 :{S3}; Redis db 7; "
          f"{args.clients} residents + {args.voters} voters, {args.seconds:g} s a phase")

    votes = Votes()
    phases = [run_phase("one node", info, voters_creds, item_id, votes, args, cluster)]
    reload_nginx(cluster, tmp, [NODE_A, NODE_B], body_limit)
    phases.append(run_phase("two nodes", info, voters_creds, item_id, votes, args, cluster))
    problems = photo_across_nodes(app, photographer, category_id, tmp)
    phases.append(run_phase("two nodes, node A SIGKILLed half-way", info, voters_creds, item_id,
                            votes, args, cluster, kill="node-a"))

    from harness import post

    closed = post(NGINX, f"/meetings/items/{item_id}/close", *chair, confirmed="1")
    if closed != 302:
        problems.append(f"closing the vote through nginx: HTTP {closed}")
    if cluster.procs["node-b"].poll() is not None:
        problems.append("node B died")
    for p in phases:
        problems += [f"{p['name']}: unexpected {e}" for e in p["bad"][:10]]
        if not p["tally"].filed:
            problems.append(f"{p['name']}: no filing succeeded")
        if not p["votes"]:
            problems.append(f"{p['name']}: no vote went through")
    if len(phases[1]["upstreams"]) < 2:
        problems.append(f"two nodes: only {phases[1]['upstreams']} answered")
    problems += check_database(app, [p["tally"] for p in phases], votes, item_id)
    problems += audit_verify(env)
    print_table(phases, args)
    return problems


def print_table(phases: list[dict], args) -> None:
    print(f"\n  {'phase':40}{'requests':>10}{'req/s':>8}{'votes/s':>9}{'5xx cut':>9}{'other 5xx':>11}"
          f"{'loadgen CPU':>13}")
    for p in phases:
        print(f"  {p['name']:40}{p['requests']:>10}{p['rps']:>8.0f}{p['votes'] / p['elapsed']:>9.0f}"
              f"{len(p['cut']):>9}{len(p['bad']):>11}{p['self_cpu'] / p['elapsed'] * 100:>12.0f}%")
    one, two = phases[0]["rps"], phases[1]["rps"]
    print(f"  two nodes / one node: {two / one:.2f}x (the load generator, nginx, PostgreSQL and "
          f"Redis share the same {os.cpu_count()} cores)\n")


if __name__ == "__main__":
    sys.exit(main())
