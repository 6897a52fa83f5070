"""Static files are cached for a year under versioned URLs, never revalidated on every page,
and carry no session (no Set-Cookie, no Vary: Cookie); the manifest's icons are the page's own
icon URLs, so each icon is fetched once."""

from __future__ import annotations

import re

from flask import url_for


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', html)


def _check_cached_for_a_year(r) -> None:
    cc = r.headers["Cache-Control"]
    assert r.status_code == 200
    assert "max-age=31536000" in cc and "immutable" in cc and "public" in cc, cc
    assert "no-cache" not in cc, cc


def test_every_asset_of_a_page_is_cached_without_revalidation(client, world, login):
    for c in (client, login(world.resident_a)):
        assets = _assets(c.get("/").get_data(as_text=True))
        assert len(assets) >= 4  # css, icon, touch icon, htmx, confirm.js
        for url in assets:
            r = c.get(url)
            _check_cached_for_a_year(r)
            assert "Cookie" not in r.headers.get("Vary", ""), (url, r.headers.get("Vary"))
            assert "Set-Cookie" not in r.headers, url


def test_unversioned_static_urls_are_cached_too(client, world):
    r = client.get("/static/css/app.css")
    cc = r.headers["Cache-Control"]
    assert r.status_code == 200 and "no-cache" not in cc and "max-age=86400" in cc, cc
    assert "Cookie" not in r.headers.get("Vary", "")


def test_pages_still_vary_on_the_cookie_and_are_not_stored(client, world, login):
    r = login(world.resident_a).get("/")
    assert "Cookie" in r.headers.get("Vary", "") and "no-store" in r.headers["Cache-Control"]


def test_manifest_icons_are_the_same_urls_as_the_pages_icon_links(app, client, world):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
    r = client.get(href)
    assert r.status_code == 200 and r.mimetype == "application/manifest+json"
    assert "Cookie" not in r.headers.get("Vary", "") and "Set-Cookie" not in r.headers
    icons = {i["src"] for i in r.get_json()["icons"]}
    linked = set(re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', html))
    assert linked and linked <= icons, (linked, icons)
    for src in icons:
        assert re.fullmatch(r"/static/icons/[\w.-]+\?v=[0-9a-f]{12}", src), src
        _check_cached_for_a_year(client.get(src))
    with app.test_request_context():
        assert href == url_for("manifest")
