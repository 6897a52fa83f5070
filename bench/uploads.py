"""Uploads beside a vote: members vote while residents file matters with large photos.

    .venv/bin/python bench/uploads.py             # SQLite, 30 voters, 4 uploaders, 10 s a phase
    .venv/bin/python bench/uploads.py --short     # CI: 20 voters, 2 uploaders, 4 s a phase

Same set-up as `vote_storm.py` (fresh migrated SQLite file, one meeting with an open vote,
gunicorn on a free loopback port). Phase one: the members vote alone. Phase two: the same
votes while residents keep filing matters with six large photos each (12 MP JPEGs from a phone
camera, and a large PNG screenshot). Prints vote latency p50/p99 and errors of both phases
side by side, and how many filings (with their photos) went through.
"""

from __future__ import annotations

import argparse
import http.client
import io
import random
import secrets
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from harness import cookie_for, database_url, gunicorn, migrate_and_configure, percentile, post, seed


def photos(count: int, side: int) -> list[tuple[str, bytes]]:
    """Camera-like JPEGs (noise does not compress away) and one PNG screenshot."""
    from PIL import Image

    made = []
    for i in range(count - 1):
        with Image.effect_noise((side, side * 3 // 4), 40 + i) as noise, \
                Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise)) as rgb:
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=75)
            made.append((f"IMG_{i:04d}.jpg", buffer.getvalue()))
    with Image.linear_gradient("L").resize((1290, 2796)) as grey, grey.convert("RGBA") as png:
        buffer = io.BytesIO()
        png.save(buffer, "PNG")
        made.append(("Screenshot.png", buffer.getvalue()))
    return made


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for name, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def file_matter(port: int, cookie: str, token: str, category_id: int, pictures) -> int:
    body, ctype = multipart(
        {"csrf_token": token, "title": "楼道堆物", "description": "消防通道被杂物堵住。",
         "category_id": str(category_id), "place": "9 栋", "submit_token": secrets.token_urlsafe(24)},
        [("photos", name, data) for name, data in pictures])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/matters/new", body, {"Content-Type": ctype, "Cookie": f"session={cookie}"})
    status = conn.getresponse().status
    conn.close()
    return status


def phase(port: int, item_id: int, voters: dict, uploaders: list, seconds: float,
          category_id: int, pictures) -> dict:
    path = f"/meetings/items/{item_id}/vote"
    latencies: list[float] = []
    votes: Counter = Counter()
    filings: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def voter(user_id: int, cookie: str, token: str) -> None:
        rng = random.Random(user_id)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                status = post(port, path, cookie, token, choice=rng.choice(["yes", "no", "abstain"]))
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                votes[status] += 1
                latencies.append(time.perf_counter() - t0)

    def uploader(cookie: str, token: str) -> None:
        while time.monotonic() < stop_at:
            try:
                status = file_matter(port, cookie, token, category_id, pictures)
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                filings[status] += 1

    threads = [threading.Thread(target=voter, args=(uid, *c)) for uid, c in voters.items()]
    threads += [threading.Thread(target=uploader, args=c) for c in uploaders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": sorted(latencies), "votes": votes, "filings": filings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=30)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--photos", type=int, default=6, help="photos per filing (max 6)")
    parser.add_argument("--side", type=int, default=4000, help="long side of the JPEGs (px)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--short", action="store_true", help="CI: 20 voters, 2 uploaders, 4 s")
    args = parser.parse_args()
    args.pg = None
    if args.short:
        args.voters, args.uploaders, args.seconds = 20, 2, 4.0
    pictures = photos(args.photos, args.side)

    with tempfile.TemporaryDirectory(prefix="uploads-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = migrate_and_configure(database_url(args, tmp, ""), tmp)
        from deliberation import create_app
        from deliberation.directory.models import Category
        from deliberation.extensions import db

        app = create_app()
        with app.app_context():
            item_id, _staff, members = seed(args.voters + args.uploaders)
            category_id = db.session.scalar(db.select(Category.id))
            voters = {u.id: cookie_for(app, u) for u in members[:args.voters]}
            uploaders = [cookie_for(app, u) for u in members[args.voters:]]
            db.session.remove()
            db.engine.dispose()

        with gunicorn(env, args.workers, args.threads) as port:
            alone = phase(port, item_id, voters, [], args.seconds, category_id, pictures)
            beside = phase(port, item_id, voters, uploaders, args.seconds, category_id, pictures)
    print_report(alone, beside, pictures, args)


def print_report(alone: dict, beside: dict, pictures, args) -> None:
    size = sum(len(d) for _, d in pictures) / 1024 / 1024
    print(f"uploads beside votes on SQLite: {args.voters} voters, {args.uploaders} residents filing "
          f"{len(pictures)} photos each ({size:.1f} MB a filing), {args.seconds:g} s a phase, "
          f"gunicorn {args.workers} workers x {args.threads} threads")
    print(f"  {'':22}{'votes alone':>16}{'with uploads':>16}")
    for label, fn in (("votes", lambda r: str(len(r["latencies"]))),
                      ("latency p50 (ms)", lambda r: f"{percentile(r['latencies'], 50) * 1000:.0f}"),
                      ("latency p99 (ms)", lambda r: f"{percentile(r['latencies'], 99) * 1000:.0f}"),
                      ("latency max (ms)", lambda r: f"{(r['latencies'] or [0])[-1] * 1000:.0f}"),
                      ("vote errors", lambda r: str(sum(n for s, n in r["votes"].items() if s != 303)))):
        print(f"  {label:22}{fn(alone):>16}{fn(beside):>16}")
    print(f"  vote responses with uploads: {dict(beside['votes'])}")
    print(f"  filings with uploads: {dict(beside['filings'])} (302 = filed with its photos)")
    if set(alone["votes"]) | set(beside["votes"]) != {303} or set(beside["filings"]) != {302}:
        raise SystemExit("FAILED: unexpected responses")


if __name__ == "__main__":
    main()
