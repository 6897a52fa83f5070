"""Where uploaded files live: a local folder (the default) or any S3-compatible bucket.

`STORAGE_URL` chooses: unset or `file:///path` keeps files in a folder (default
`instance/uploads/`, one node only); `s3://bucket/prefix` keeps them in a private bucket that
every app node shares (endpoint from `STORAGE_S3_ENDPOINT_URL`, region from
`STORAGE_S3_REGION`, keys from boto3's usual sources: `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, an instance role...). The bucket is never public: the app's
permission-checked photo routes read the object and stream it (photos are re-encoded, at most a
few hundred KB, so one read in memory is cheap and no signed URL ever leaves the server).

Names are flat (`<hex key>.jpg`, `<hex key>_t.jpg`); callers check them, this module stores bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from flask import Flask, current_app


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    modified: float  # seconds since the epoch


class Storage(Protocol):
    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> None: ...
    def get(self, name: str) -> bytes | None: ...
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...
    def entries(self) -> Iterator[Entry]: ...
    def check(self) -> None: ...
    def describe(self) -> str: ...


class LocalStorage:
    """Files in one folder of this node's disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / name

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> None:
        path = self._path(name)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # a reader never sees half a file

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def entries(self) -> Iterator[Entry]:
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            if path.suffix == ".part" or not path.is_file():
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            yield Entry(path.name, stat.st_size, stat.st_mtime)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise OSError(f"{self.root} is not writable")

    def describe(self) -> str:
        return str(self.root)


class S3Storage:
    """Objects under one prefix of one private bucket, through boto3."""

    def __init__(self, bucket: str, prefix: str, client) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    def _key(self, name: str) -> str:
        return self.prefix + name

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data,
                               ContentType=content_type)

    def get(self, name: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def entries(self) -> Iterator[Entry]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if name and "/" not in name:
                    yield Entry(name, int(item["Size"]), item["LastModified"].timestamp())

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def from_url(url: str | None, *, instance_path: str, endpoint_url: str | None = None,
             region: str | None = None) -> Storage:
    """The storage a `STORAGE_URL` names (None or empty: `instance/uploads/`)."""
    if not url:
        return LocalStorage(Path(instance_path) / "uploads")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=30))
        return S3Storage(parsed.netloc, parsed.path, client)
    raise ValueError(f"STORAGE_URL must be s3://bucket/prefix or file:///path, not {url!r}")


def init_app(app: Flask) -> None:
    app.extensions["storage"] = from_url(
        app.config.get("STORAGE_URL"), instance_path=app.instance_path,
        endpoint_url=app.config.get("STORAGE_S3_ENDPOINT_URL"),
        region=app.config.get("STORAGE_S3_REGION"))


def storage() -> Storage:
    """The current app's storage (made on first use for an app that never called init_app)."""
    if "storage" not in current_app.extensions:
        init_app(current_app)
    return current_app.extensions["storage"]
