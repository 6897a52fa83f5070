"""Photo handling shared by matters, progress reports and opinions."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from deliberation.core import photos


def jpeg_with_gps(width=3000, height=2000) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


FILED_TITLE = "3 栋门口积水"


def filing_with_photo(world, submit_token: str) -> dict:
    """The new-matter form with one GPS-tagged phone photo, as a resident posts it."""
    return {"title": FILED_TITLE, "description": "下雨就积水，老人出门不便。",
            "category_id": str(world.categories[0].id), "place": "3 栋", "submit_token": submit_token,
            "photos": (io.BytesIO(jpeg_with_gps(800, 600)), "IMG_0001.jpg")}


def filed_photo_key():
    """The matter `filing_with_photo` filed, and the storage key of its photo."""
    from sqlalchemy import select

    from deliberation.extensions import db
    from deliberation.matters.models import Matter, MatterPhoto

    matter = db.session.scalar(select(Matter).where(Matter.title == FILED_TITLE))
    key = db.session.scalar(select(MatterPhoto.file_key).where(MatterPhoto.matter_id == matter.id))
    return matter, key


def test_reencodes_strips_exif_and_downscales(app):
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)  # the fixture really has GPS
    stored = photos.store(io.BytesIO(raw), "IMG_0001.jpg")
    assert max(stored.width, stored.height) == 1600
    with Image.open(io.BytesIO(photos.read(stored.key))) as out:
        assert out.format == "JPEG"
        assert not out.getexif()  # no EXIF at all, GPS included
        assert b"PhoneMaker" not in photos.read(stored.key)
    with Image.open(io.BytesIO(photos.read(stored.key, thumb=True))) as thumb:
        assert max(thumb.size) == 400


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_accepted(app, fmt):
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 255, 128)).save(buffer, fmt)
    buffer.seek(0)
    stored = photos.store(buffer, "x.bin")  # judged by content, not by name
    assert (stored.width, stored.height) == (50, 40)


def test_pdf_renamed_jpg_is_refused_in_chinese(app):
    with pytest.raises(photos.PhotoError, match="不是 JPEG、PNG 或 WebP"):
        photos.store(io.BytesIO(b"%PDF-1.7\n1 0 obj <<>> endobj\n"), "report.jpg")


def test_gif_is_refused(app):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    buffer.seek(0)
    with pytest.raises(photos.PhotoError):
        photos.store(buffer, "a.gif")


def test_oversized_file_is_refused(app):
    with pytest.raises(photos.PhotoError, match="超过 10 MB"):
        photos.store(io.BytesIO(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 10)), "big.jpg")


def test_keys_are_generated_and_checked(app):
    with pytest.raises(ValueError):
        photos.name_for("../../etc/passwd")


def test_prune_removes_only_old_photos_nothing_uses(app, world):
    """`flask prune-photos`: abandoned uploads go; attached photos and young uploads stay
    (on either storage: the age is the file's or the object's modification time)."""
    import time
    from datetime import UTC, datetime, timedelta

    from deliberation.core import time as clock
    from deliberation.extensions import db
    from deliberation.matters.models import MatterPhoto

    def stored():
        return photos.store(io.BytesIO(jpeg_with_gps(60, 40)), "x.jpg")

    photos.prune(older_than_hours=-1)  # what earlier tests left behind (nothing refers to it)
    attached, abandoned = stored(), stored()
    time.sleep(1.1 - time.time() % 1)  # S3 keeps whole seconds: the fresh one is a second younger
    young_from = datetime.fromtimestamp(int(time.time()), UTC).replace(tzinfo=None)
    fresh = stored()
    matter = world.matter()
    db.session.add(MatterPhoto(matter_id=matter.id, file_key=attached.key, width=60, height=40))
    db.session.commit()
    clock.freeze(young_from + timedelta(hours=1))  # --hours 1: older than young_from goes

    result = app.test_cli_runner().invoke(args=["prune-photos", "--hours", "1"])
    assert result.exit_code == 0 and "1 unused photo(s) removed" in result.output, result.output
    assert photos.read(attached.key) and photos.read(attached.key, thumb=True)
    assert photos.read(abandoned.key) is None
    assert photos.read(abandoned.key, thumb=True) is None
    assert photos.read(fresh.key) and photos.exists(fresh.key)  # a form may still be open
    assert attached.key in photos.referenced_keys()


def bomb_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A PNG of huge dimensions that is tiny on disk: RGBA rows of zeros, compressed. `rows`
    limits how many rows are actually written (a header-only bomb needs none)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 4)  # filter byte + transparent black pixels
    idat = b"".join(packer.compress(row) for _ in range(height if rows is None else rows))
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def test_compressible_png_bomb_is_refused_before_decoding(app, monkeypatch):
    """Issue 15 item 3: a ~150 KB PNG of 6000 x 6000 pixels (36 MP, under the old 40 MP limit)
    took a worker from 165 to 763 MB. It is refused from its header, nothing decoded."""
    from PIL import ImageFile

    raw = bomb_png(6000, 6000)
    assert len(raw) < 200 * 1024
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load",
                        lambda self: decoded.append(self.size) or real_load(self))
    with pytest.raises(photos.PhotoError, match="图片太大，请换一张较小的照片"):
        photos.store(io.BytesIO(raw), "bomb.png")
    assert decoded == []


def test_header_only_bomb_gets_its_own_message_not_not_a_photo(app):
    """Issue 15 item 25: beyond Pillow's own limit the refusal used to say "not a photo"."""
    with pytest.raises(photos.PhotoError, match="图片太大，请换一张较小的照片") as refused:
        photos.store(io.BytesIO(bomb_png(20_000, 20_000, rows=1)), "huge.png")
    assert "不是 JPEG" not in str(refused.value)


MEMORY_PROBE = """
import io, resource, sys
from flask import Flask
from deliberation.core import photos
data = open(sys.argv[1], "rb").read()
app = Flask("probe", instance_path=sys.argv[2])
with app.app_context():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stored = photos.store(io.BytesIO(data), "x")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024, stored.width, stored.height)
"""


@pytest.mark.parametrize("name, make, bound_mb", [
    # 24 MP phone photo: decoded at half scale (Image.draft); it used to cost 276 MB.
    ("photo.jpg", lambda: Image.new("RGB", (6000, 4000), (120, 160, 200)), 100),
    # The largest PNG accepted, with transparency: one RGBA + one RGB copy (84 MB); it used to be 130-195 MB.
    ("alpha.png", lambda: Image.new("RGBA", (4000, 3000), (0, 0, 255, 128)), 110),
])
def test_decoding_memory_is_bounded(app, tmp_path, name, make, bound_mb):
    """Peak resident memory of a fresh process storing one large photo (measured with
    getrusage in a subprocess, since Pillow's pixel buffers are not Python allocations)."""
    import subprocess
    import sys
    from pathlib import Path

    source = tmp_path / name
    with make() as image:
        image.save(source, quality=90)
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(source), str(tmp_path / "inst")],
                         cwd=root, capture_output=True, text=True, check=True, timeout=120)
    grown_mb, width, height = map(int, out.stdout.split())
    assert max(width, height) == photos.MAX_SIDE
    assert grown_mb < bound_mb, f"storing {name} grew the process by {grown_mb} MB"


def test_filing_with_a_bomb_keeps_what_was_typed_and_says_too_large(app, world, login):
    """Issue 15 item 25 over HTTP: its own message, and the title and description are kept."""
    client = login(world.resident_a)
    response = client.post_form("/matters/new", {
        "title": "楼顶水箱漏水", "description": "顶楼天花板一直滴水。",
        "category_id": str(world.categories[0].id), "place": "7 栋",
        "submit_token": "bomb-test-token-0123456789",
        "photos": (io.BytesIO(bomb_png(20_000, 20_000, rows=1)), "huge.png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“huge.png”图片太大，请换一张较小的照片。" in html and "不是 JPEG" not in html
    assert 'value="楼顶水箱漏水"' in html and "顶楼天花板一直滴水。" in html
