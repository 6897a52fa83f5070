"""Photo uploads: judged by content, re-encoded with Pillow, stripped of EXIF, stored privately.

Only JPEG, PNG and WebP are accepted, whatever the file is called. Every image is decoded and
written anew as JPEG (so EXIF, GPS and any payload hidden in the original are gone), turned
upright, downscaled to at most 1600 px, and given a 400 px thumbnail. Files live in the
configured storage (`core/storage.py`: `instance/uploads/` or a private S3 bucket) with
generated names; a route that checks the owner's visibility streams them (`send`).

Decoding is slow and memory-hungry, so within a request `store_all`/`store_each` run it with no
write transaction open (`database.without_write_lock`): a vote never waits for a photo. Memory
is bounded before anything is decoded: the header's size is checked first, a JPEG is decoded
at 1/2..1/8 scale (`Image.draft`), and an image is only ever copied at full size once (alpha
flattened straight onto white, no RGBA copy of an RGBA image). A photo stored by a request that
then fails with an error is deleted again; any other unattached photo goes with `prune-photos`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from io import BytesIO
from typing import BinaryIO

from flask import Flask, Response, abort, g, has_request_context, request
from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from . import time as clock
from .storage import storage

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
THUMB_SIDE = 400
# What a file may claim (a 50 MP phone photo); a JPEG is decoded at reduced scale, so this
# never reaches memory. What is decoded at full size (PNG, WebP, a JPEG after `draft`) is
# bounded by MAX_DECODED_PIXELS: 12 MP x 4 bytes (RGBA) + 3 bytes (RGB on white) = 84 MB.
MAX_PIXELS = 50_000_000
MAX_DECODED_PIXELS = 12_000_000
ACCEPTED = ("JPEG", "PNG", "WEBP")
Upload = tuple[BinaryIO, str]  # (stream, filename)


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message is for the user."""


@dataclass(frozen=True)
class StoredPhoto:
    key: str
    width: int
    height: int


def init_app(app: Flask) -> None:
    @app.teardown_request
    def _discard_after_error(exc: BaseException | None) -> None:
        # The request failed before its photos were attached: nothing will ever point at them.
        if exc is not None:
            for key in g.pop("photos_stored", []):
                discard(key)


def name_for(key: str, *, thumb: bool = False) -> str:
    if not key.isalnum():
        raise ValueError("bad photo key")
    return f"{key}_t.jpg" if thumb else f"{key}.jpg"


def exists(key: str) -> bool:
    return key.isalnum() and storage().exists(name_for(key))


def read(key: str, *, thumb: bool = False) -> bytes | None:
    return storage().get(name_for(key, thumb=thumb))


def send(key: str, *, thumb: bool = False, max_age: int = 600) -> Response:
    """The stored photo as a private, cacheable response (404 if it is gone). Call only after
    the route has checked that the current user may see it."""
    data = read(key, thumb=thumb)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    # Stored photos never change (a new upload gets a new key): the key is a strong ETag.
    response.set_etag(name_for(key, thumb=thumb))
    response.cache_control.max_age = max_age
    response.cache_control.private = True
    return response.make_conditional(request)


def store_all(uploads: Sequence[Upload], *, limit: int) -> list[StoredPhoto]:
    """Store every upload or none (the first bad one raises PhotoError, the others are
    discarded), outside the write transaction. Call before the request writes anything."""
    if len(uploads) > limit:
        raise PhotoError(gettext("最多上传 %(n)d 张照片。", n=limit))
    stored: list[StoredPhoto] = []
    with _outside_transaction():
        try:
            for stream, name in uploads:
                stored.append(store(stream, name))
        except PhotoError:
            for s in stored:
                discard(s.key)
            raise
    return stored


def store_each(uploads: Sequence[Upload]) -> tuple[list[StoredPhoto], list[str]]:
    """Store each upload on its own, outside the write transaction: the good ones and the
    messages for the bad ones (the filing form keeps the good ones while the rest is fixed)."""
    stored: list[StoredPhoto] = []
    errors: list[str] = []
    with _outside_transaction():
        for stream, name in uploads:
            try:
                stored.append(store(stream, name))
            except PhotoError as exc:
                errors.append(str(exc))
    return stored, errors


@contextmanager
def _outside_transaction() -> Iterator[None]:
    if not has_request_context():
        yield  # a service called from a test or the CLI: no concurrent request to spare
        return
    from ..database import without_write_lock

    with without_write_lock():
        yield


def store(stream: BinaryIO, filename: str = "") -> StoredPhoto:
    """Validate, clean and save one upload; raise PhotoError with a Chinese message if unfit."""
    name = filename[:40]
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(gettext("照片“%(name)s”超过 10 MB，请换一张或压缩后再传。", name=name))
    if not data:
        raise PhotoError(gettext("照片“%(name)s”是空文件。", name=name))
    try:
        with Image.open(BytesIO(data), formats=ACCEPTED) as probe:
            _refuse_oversized(probe, name)
            probe.verify()
        with Image.open(BytesIO(data), formats=ACCEPTED) as image:
            _refuse_oversized(image, name)
            key = secrets.token_hex(16)
            width, height = _save(image, key)
    except PhotoError:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoError(_too_large(name)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(_not_an_image(filename)) from exc
    if has_request_context():
        g.setdefault("photos_stored", []).append(key)
    return StoredPhoto(key, width, height)


def _refuse_oversized(image: Image.Image, name: str) -> None:
    """From the header alone, before a single pixel is decoded."""
    if image.format not in ACCEPTED:
        raise PhotoError(_not_an_image(name))
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError(_too_large(name))
    # A JPEG decodes at the smallest scale that still covers MAX_SIDE; other formats in full.
    image.draft("RGB", _fitted(image.size, MAX_SIDE))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise PhotoError(_too_large(name))


def _save(image: Image.Image, key: str) -> tuple[int, int]:
    """Flatten, downscale, turn upright and write the photo and its thumbnail; its size."""
    exif = image.info.get("exif", b"")
    flat = _flatten(image)
    if flat is not image:
        image.close()  # frees the decoded original before downscaling allocates more
    try:
        flat.thumbnail((MAX_SIDE, MAX_SIDE))
        # Orientation read from the original's EXIF; the box is square, so turning after
        # downscaling gives the same picture and only ever turns the small copy.
        flat.info["exif"] = exif
        upright = ImageOps.exif_transpose(flat) if flat.info["exif"] else flat
        try:
            upright.info.pop("exif", None)
            _put(upright, name_for(key), quality=85)
            size = upright.size
            upright.thumbnail((THUMB_SIDE, THUMB_SIDE))
            _put(upright, name_for(key, thumb=True), quality=80)
        finally:
            if upright is not flat:
                upright.close()
    finally:
        if flat is not image:
            flat.close()
    return size


def _put(image: Image.Image, name: str, *, quality: int) -> None:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    storage().put(name, buffer.getvalue())


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _too_large(name: str) -> str:
    return gettext("照片“%(name)s”图片太大，请换一张较小的照片。", name=name or "文件")


def discard(key: str) -> None:
    for thumb in (False, True):
        storage().delete(name_for(key, thumb=thumb))


def referenced_keys() -> set[str]:
    """Every photo key a row points at. By convention the columns named `*_key` hold them
    (matter photos, report photos, receipts, opinion photos), so a new one is covered too."""
    from sqlalchemy import select

    from ..extensions import db

    keys: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_key"):
                keys.update(db.session.scalars(select(column).where(column.is_not(None))))
    return keys


def prune(older_than_hours: float = 24) -> int:
    """Delete stored photos that no row points at and that are older than `older_than_hours`:
    uploads whose form was left without being sent (a form keeps its photos while the resident
    corrects a mistake, so a young unreferenced photo is left alone). Returns how many. Works
    on either storage; age is the file's (or object's) modification time against the app clock."""
    cutoff = clock.utcnow().replace(tzinfo=UTC).timestamp() - older_than_hours * 3600
    keep = referenced_keys()
    removed = 0
    store = storage()
    for entry in list(store.entries()):
        stem = entry.name.removesuffix(".jpg")
        key = stem.removesuffix("_t")
        if stem == entry.name or key in keep or not key.isalnum() or entry.modified >= cutoff:
            continue
        store.delete(entry.name)
        removed += not stem.endswith("_t")
    return removed


def _not_an_image(filename: str) -> str:
    return gettext("“%(name)s”不是 JPEG、PNG 或 WebP 照片，请重新选择。", name=filename[:40] or "文件")


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: put transparent images on white. Decodes the image; an RGB
    image is used as it is (no copy), a transparent one is pasted once onto a white RGB copy."""
    if image.mode == "P" and "transparency" not in image.info:
        return image.convert("RGB")
    if image.mode in ("RGBA", "LA", "P", "PA"):
        alpha = image if image.mode == "RGBA" else image.convert("RGBA")
        try:
            background = Image.new("RGB", alpha.size, (255, 255, 255))
            background.paste(alpha, mask=alpha)
            return background
        finally:
            if alpha is not image:
                alpha.close()
    if image.mode == "RGB":
        image.load()
        return image
    return image.convert("RGB")
