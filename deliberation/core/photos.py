"""Photo uploads: judged by content, re-encoded with Pillow, stripped of EXIF, stored privately.

Only JPEG, PNG and WebP are accepted, whatever the file is called. Every image is decoded and
written anew as JPEG (so EXIF, GPS and any payload hidden in the original are gone), turned
upright first, downscaled to at most 1600 px, and given a 400 px thumbnail. Files live under
`instance/uploads/` with generated names; a route that checks the owner's visibility serves them.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
THUMB_SIDE = 400
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
ACCEPTED = {"JPEG", "PNG", "WEBP"}


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message is for the user."""


@dataclass(frozen=True)
class StoredPhoto:
    key: str
    width: int
    height: int


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(key: str, *, thumb: bool = False) -> Path:
    if not key.isalnum():
        raise ValueError("bad photo key")
    return upload_dir() / (f"{key}_t.jpg" if thumb else f"{key}.jpg")


def store(stream: BinaryIO, filename: str = "") -> StoredPhoto:
    """Validate, clean and save one upload; raise PhotoError with a Chinese message if unfit."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(gettext("照片“%(name)s”超过 10 MB，请换一张或压缩后再传。", name=filename[:40]))
    if not data:
        raise PhotoError(gettext("照片“%(name)s”是空文件。", name=filename[:40]))
    from io import BytesIO

    try:
        with Image.open(BytesIO(data)) as probe:
            kind = probe.format
            if kind not in ACCEPTED:
                raise PhotoError(_not_an_image(filename))
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(gettext("照片“%(name)s”尺寸太大。", name=filename[:40]))
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            key = secrets.token_hex(16)
            image.save(path_for(key), "JPEG", quality=85, optimize=True)
            width, height = image.size
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            image.save(path_for(key, thumb=True), "JPEG", quality=80, optimize=True)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError(_not_an_image(filename)) from exc
    return StoredPhoto(key, width, height)


def discard(key: str) -> None:
    for thumb in (False, True):
        path_for(key, thumb=thumb).unlink(missing_ok=True)


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
    corrects a mistake, so a young unreferenced photo is left alone). Returns how many."""
    cutoff = time.time() - older_than_hours * 3600
    keep = referenced_keys()
    removed = 0
    for path in upload_dir().glob("*.jpg"):
        key = path.stem.removesuffix("_t")
        if key in keep or not key.isalnum():
            continue
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed += not path.stem.endswith("_t")
    return removed


def _not_an_image(filename: str) -> str:
    return gettext("“%(name)s”不是 JPEG、PNG 或 WebP 照片，请重新选择。", name=filename[:40] or "文件")


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: put transparent images on white."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
