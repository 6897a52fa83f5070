"""Page weight at phone size, measured in the browser on a first load (empty cache):
HTML+CSS+JS transferred <= 60 KB compressed, JavaScript <= 20 KB; text responses compressed;
an htmx swap response <= 10 KB."""

from __future__ import annotations

import re
import urllib.request

from tests import factories
from tests.browser.conftest import login

KB = 1024
BUDGET_TOTAL, BUDGET_JS, BUDGET_SWAP = 60 * KB, 20 * KB, 10 * KB
TEXT_TYPES = ("text/html", "text/css", "javascript")
# Resident-facing pages (role None = anonymous). Evaluation joins when tracking lands.
PAGES = [
    (None, lambda w, m: "/"), (None, lambda w, m: "/matters/"),
    (None, lambda w, m: f"/matters/{m.id}"), (None, lambda w, m: "/login"),
    (None, lambda w, m: "/register"), ("resident", lambda w, m: "/matters/new"),
    ("resident", lambda w, m: "/notifications/"), ("resident", lambda w, m: f"/matters/{m.id}"),
]


def _weigh(page, url: str) -> dict:
    """Load `url` in `page` (fresh context, so nothing cached) and add up what came over the wire."""
    seen = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    totals = {"html": 0, "css": 0, "js": 0, "other": 0, "uncompressed": []}
    for request in seen:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        ctype = response.headers.get("content-type", "")
        kind = ("html" if "text/html" in ctype else "css" if "text/css" in ctype
                else "js" if "javascript" in ctype else "other")
        totals[kind] += size
        if kind != "other" and response.headers.get("content-encoding") not in ("gzip", "br", "zstd"):
            totals["uncompressed"].append(f"{request.url} ({ctype}, {sizes['responseBodySize']} B)")
    return totals


def test_first_load_budgets(phone_page, world, commit_db):
    matter = world.matter(title="楼下垃圾桶太少", description="早上满溢。" * 100)
    commit_db()
    report = []
    for role, build in PAGES:
        page = phone_page()
        if role:
            login(page, world.roles()[role].phone, factories.PASSWORD)
        # First load: empty the cache (logging in has already fetched the CSS and JS).
        page.context.new_cdp_session(page).send("Network.clearBrowserCache")
        url = build(world, matter)
        t = _weigh(page, url)
        total = t["html"] + t["css"] + t["js"]
        report.append(f"{url} as {role or 'anonymous'}: html {t['html']} B, css {t['css']} B, "
                      f"js {t['js']} B, total {total} B")
        assert not t["uncompressed"], f"{url}: sent uncompressed: {t['uncompressed']}"
        assert t["html"] > 0 and t["css"] > 0 and t["js"] > 0, (url, t)  # all three were measured
        assert total <= BUDGET_TOTAL, "\n".join(report)
        assert t["js"] <= BUDGET_JS, "\n".join(report)
    print("\n".join(report))


def _fetch(url: str, headers: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, br", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request) as r:  # noqa: S310  (loopback test server)
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_htmx_swap_responses_are_small(live_server, client, world, commit_db):
    """Every hx-get on the resident pages, the matter page asked as htmx, and the htmx error
    partial: compressed size over the wire <= 10 KB."""
    matter = world.matter(title="路灯不亮", description="晚上很黑。" * 100)
    commit_db()
    targets = {f"/matters/{matter.id}", "/matters/999999"}
    for path in ("/", "/matters/", f"/matters/{matter.id}"):
        html = client.get(path).get_data(as_text=True)
        targets |= set(re.findall(r'hx-get="([^"]+)"', html))
    for path in sorted(targets):
        status, headers, body = _fetch(live_server + path, {"HX-Request": "true"})
        assert status in (200, 404), (path, status)
        assert len(body) <= BUDGET_SWAP, f"{path}: {len(body)} B as an htmx response"
        assert "HX-Request" in headers.get("Vary", "") or status == 404, (path, headers)
    _status, headers, body = _fetch(live_server + "/matters/999999", {"HX-Request": "true"})
    assert b"<html" not in body  # the error comes as a partial for the swap


def test_text_responses_are_compressed_by_the_server(live_server, world, commit_db):
    """What browsers send: Chromium over plain HTTP offers "gzip, deflate"; over HTTPS it adds br
    and zstd. Flask-Compress never gzips streamed responses (static files), so a gzip-only
    client gets pages compressed and static files plain; every browser offers deflate too."""
    commit_db()
    html = urllib.request.urlopen(live_server + "/").read().decode()  # noqa: S310
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[^"]+)"', html)
    assert len(assets) >= 2
    offers = {"gzip, deflate": ("gzip", "deflate"), "gzip, deflate, br, zstd": ("zstd", "br"),
              "br": ("br",)}
    for path in ["/", "/matters/", "/login", *assets]:
        for offer, expected in offers.items():
            _s, headers, body = _fetch(live_server + path, {"Accept-Encoding": offer})
            assert headers.get("Content-Encoding") in expected, (path, offer, headers)
    for path in ("/", "/matters/", "/login"):
        _s, headers, _b = _fetch(live_server + path, {"Accept-Encoding": "gzip"})
        assert headers.get("Content-Encoding") == "gzip", (path, headers)
    for path in assets:
        _s, headers, _b = _fetch(live_server + path, {})
        assert "max-age=31536000" in headers.get("Cache-Control", ""), (path, headers)
