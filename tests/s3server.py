"""A real S3 HTTP endpoint for the tests: moto's standalone server, run as a subprocess.

`endpoint()` starts it once per test process (on TEST_S3_PORT, default 5301, or the next free
port up to 5399) and stops it at exit; `storage_url()` makes a fresh bucket on it. With
`TEST_STORAGE=s3` every app the fixtures build keeps its uploads there.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

_server: dict[str, object] = {}


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def endpoint() -> str:
    if "url" in _server:
        return str(_server["url"])
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(key, value)
    start = int(os.environ.get("TEST_S3_PORT", "5301"))
    port = next(p for p in range(start, 5400) if _free(p))
    binary = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(_stop, proc)
    deadline = time.monotonic() + 30
    while _free(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("moto_server did not start")
        time.sleep(0.1)
    _server["url"] = f"http://127.0.0.1:{port}"
    _server["proc"] = proc
    return str(_server["url"])


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def client():
    import boto3

    return boto3.client("s3", endpoint_url=endpoint(), region_name="us-east-1")


def new_bucket() -> str:
    name = "test-" + uuid.uuid4().hex[:12]
    client().create_bucket(Bucket=name)
    return name


def storage_config(prefix: str = "uploads") -> dict[str, str]:
    """App config for a fresh private bucket on the local S3 server."""
    return {"STORAGE_URL": f"s3://{new_bucket()}/{prefix}", "STORAGE_S3_ENDPOINT_URL": endpoint(),
            "STORAGE_S3_REGION": "us-east-1"}


def suite_storage() -> dict[str, str]:
    """What every fixture app uses: nothing (instance/uploads) or, with TEST_STORAGE=s3, one
    bucket shared by the whole run."""
    if os.environ.get("TEST_STORAGE") != "s3":
        return {}
    if "suite" not in _server:
        _server["suite"] = storage_config("suite")
    return dict(_server["suite"])  # type: ignore[arg-type]
