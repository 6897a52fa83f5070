"""Draw the home-screen icons (static/icons/icon-*.png) with Pillow: 议 in white on red.

Run once after changing the design: `.venv/bin/python bin/make_icons.py`. The PNGs are
committed, so the app never needs the font at run time.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
RED, WHITE = (179, 38, 30, 255), (255, 255, 255, 255)
FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=2)  # index 2: the SC (simplified) face
    raise SystemExit("No Noto Sans CJK font found (apt-get install fonts-noto-cjk).")


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    if maskable:  # full bleed: the launcher cuts its own shape; the glyph keeps to the safe zone
        d.rectangle((0, 0, size, size), fill=RED)
        glyph = int(size * 0.45)
    else:
        d.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=RED)
        glyph = int(size * 0.6)
    d.text((size / 2, size / 2), "议", font=_font(glyph), fill=WHITE, anchor="mm")
    return image


def main() -> None:
    for size in (192, 512):
        draw(size).save(ICONS / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "icon-512-maskable.png", optimize=True)
    print("wrote", *sorted(p.name for p in ICONS.glob("icon-*.png")))


if __name__ == "__main__":
    main()
