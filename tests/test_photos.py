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


def test_reencodes_strips_exif_and_downscales(app):
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)  # the fixture really has GPS
    stored = photos.store(io.BytesIO(raw), "IMG_0001.jpg")
    assert max(stored.width, stored.height) == 1600
    with Image.open(photos.path_for(stored.key)) as out:
        assert out.format == "JPEG"
        assert not out.getexif()  # no EXIF at all, GPS included
        assert b"PhoneMaker" not in photos.path_for(stored.key).read_bytes()
    with Image.open(photos.path_for(stored.key, thumb=True)) as thumb:
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
        photos.path_for("../../etc/passwd")
