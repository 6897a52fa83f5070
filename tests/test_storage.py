"""Issue 13: uploads in an S3 bucket (a real HTTP endpoint: moto's server), served only through
the permission-checked routes; `flask storage migrate` copies local files, resumably."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from deliberation.core import photos
from deliberation.core.storage import LocalStorage, S3Storage, storage
from deliberation.extensions import db, limiter
from deliberation.matters.models import MatterPhoto

from . import s3server
from .conftest import Client, make_app
from .factories import PASSWORD
from .test_photos import filed_photo_key, filing_with_photo, jpeg_with_gps


@pytest.fixture
def s3_app(database_url, tmp_path_factory):
    """An app node keeping its uploads in a fresh private bucket."""
    saved = (limiter._storage, limiter._limiter)
    app = make_app(database_url, tmp_path_factory, **s3server.storage_config("street"))
    app.test_client_class = Client
    yield app
    limiter._storage, limiter._limiter = saved


def _invoke(app, *args: str):
    """The CLI against this node (the test's own app context would otherwise win)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _bucket_names(app) -> set[str]:
    url = app.config["STORAGE_URL"]
    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    listed = s3server.client().list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
    return {item["Key"] for item in listed.get("Contents", [])}


def test_a_filed_photo_lands_in_the_bucket_and_is_streamed_after_the_check(s3_app, world):
    client = s3_app.test_client()
    assert client.post_form("/login", {"phone": world.resident_a.phone,
                                       "password": PASSWORD}).status_code == 302
    response = client.post_form("/matters/new", filing_with_photo(world, "s3-test-token-0123456789"),
                                content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    matter, key = filed_photo_key()
    assert _bucket_names(s3_app) == {f"street/{key}.jpg", f"street/{key}_t.jpg"}
    assert not (Path(s3_app.instance_path) / "uploads").exists()

    served = client.get(f"/matters/{matter.id}/photos/{key}.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "private" in served.headers["Cache-Control"]
    with s3_app.app_context():
        assert served.data == storage().get(f"{key}.jpg")
        etag = served.headers["ETag"]
    assert client.get(f"/matters/{matter.id}/photos/{key}.jpg",
                      headers={"If-None-Match": etag}).status_code == 304
    # A photo of another matter is not served through this matter's URL, nor a made-up key.
    other = world.matter()
    assert client.get(f"/matters/{other.id}/photos/{key}.jpg").status_code == 404
    assert client.get(f"/matters/{matter.id}/photos/{'0' * 32}.jpg").status_code == 404


def test_the_bucket_itself_refuses_anonymous_reads(s3_app):
    """Private: no public ACL and no presigned URL is handed out; the app reads with its keys."""
    import urllib.error
    import urllib.request

    with s3_app.app_context():
        stored = photos.store(io.BytesIO(jpeg_with_gps(60, 40)), "x.jpg")
        bucket = storage().bucket
        acl = storage().client.get_object_acl(Bucket=bucket, Key=storage()._key(f"{stored.key}.jpg"))
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]
    url = f"{s3server.endpoint()}/{bucket}/street/{stored.key}.jpg"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)  # noqa: S310 (http to the local test server)
    assert refused.value.code == 403


def test_storage_migrate_copies_local_uploads_and_resumes_after_a_crash(s3_app, monkeypatch):
    source = LocalStorage(Path(s3_app.instance_path) / "uploads")
    names = [f"{i:032x}.jpg" for i in range(1, 5)] + [f"{1:032x}_t.jpg"]
    for n, name in enumerate(names):
        source.put(name, b"jpeg-bytes-%d" % n)
    source.put("notes.txt", b"not an upload")

    real_put = S3Storage.put
    calls = {"n": 0}

    def crashing_put(self, name, data, content_type="image/jpeg"):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("the network went away")
        real_put(self, name, data, content_type)

    monkeypatch.setattr(S3Storage, "put", crashing_put)
    crashed = _invoke(s3_app, "storage", "migrate")
    assert isinstance(crashed.exception, ConnectionError), crashed.output
    monkeypatch.setattr(S3Storage, "put", real_put)
    assert len(_bucket_names(s3_app)) == 2  # two copied before the crash

    resumed = _invoke(s3_app, "storage", "migrate")
    assert resumed.exit_code == 0, resumed.output
    assert "3 file(s) copied, 2 already there" in resumed.output
    assert _bucket_names(s3_app) == {f"street/{name}" for name in names}
    with s3_app.app_context():
        assert storage().get(names[0]) == b"jpeg-bytes-0"

    again = _invoke(s3_app, "storage", "migrate", "--remove-local")
    assert "0 file(s) copied, 5 already there, 5 local file(s) removed" in again.output
    assert {e.name for e in source.entries()} == {"notes.txt"}


def test_prune_photos_on_the_bucket(s3_app, world):
    from datetime import timedelta

    from deliberation.core import time as clock

    with s3_app.app_context():
        photos.prune(older_than_hours=-1)
        kept = photos.store(io.BytesIO(jpeg_with_gps(60, 40)), "x.jpg")
        dropped = photos.store(io.BytesIO(jpeg_with_gps(60, 40)), "y.jpg")
    matter = world.matter()
    db.session.add(MatterPhoto(matter_id=matter.id, file_key=kept.key, width=60, height=40))
    db.session.commit()
    clock.freeze(clock.utcnow() + timedelta(days=2))
    result = _invoke(s3_app, "prune-photos")
    assert "1 unused photo(s) removed" in result.output, result.output
    assert _bucket_names(s3_app) == {f"street/{kept.key}.jpg", f"street/{kept.key}_t.jpg"}
    assert dropped.key not in str(_bucket_names(s3_app))


def test_storage_check_command(s3_app):
    result = _invoke(s3_app, "storage", "check")
    assert result.exit_code == 0 and result.output.startswith("s3://") and ": ok" in result.output
