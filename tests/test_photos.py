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


def test_prune_removes_only_old_photos_nothing_uses(app, world):
    """`flask prune-photos`: abandoned uploads go; attached photos and young uploads stay."""
    import os

    from deliberation.extensions import db
    from deliberation.matters.models import MatterPhoto

    def stored():
        return photos.store(io.BytesIO(jpeg_with_gps(60, 40)), "x.jpg")

    attached, abandoned, fresh = stored(), stored(), stored()
    matter = world.matter()
    db.session.add(MatterPhoto(matter_id=matter.id, file_key=attached.key, width=60, height=40))
    db.session.commit()
    two_days_ago = os.path.getmtime(photos.path_for(attached.key)) - 2 * 86400
    for p in (attached, abandoned):
        for thumb in (False, True):
            os.utime(photos.path_for(p.key, thumb=thumb), (two_days_ago, two_days_ago))

    result = app.test_cli_runner().invoke(args=["prune-photos"])
    assert result.exit_code == 0 and "1 unused photo(s) removed" in result.output
    assert photos.path_for(attached.key).exists() and photos.path_for(attached.key, thumb=True).exists()
    assert not photos.path_for(abandoned.key).exists()
    assert not photos.path_for(abandoned.key, thumb=True).exists()
    assert photos.path_for(fresh.key).exists()  # a form may still be open
    assert attached.key in photos.referenced_keys()
