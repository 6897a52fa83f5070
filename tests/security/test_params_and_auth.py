"""Query parameters off the allow-list are refused; accounts give nothing away; cookie flags.

Sort and filter parameters: every GET page (from the access table, so new list pages are in)
is asked again with parameters it does not offer. The answer must be a 400 or exactly the page
without them: an unknown `sort=password_hash` may not reorder anything. Parameters a page does
offer (found in its GET forms and in links back to itself) get hostile values and must not
fail with a 5xx; a `sort`/`order`-like one must refuse a value that is not on its list.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from deliberation.extensions import db
from tests import factories
from tests.conftest import Client, make_app
from tests.security.access_table import make_objects, urls
from tests.security.html_scan import Page

UNKNOWN = {"sort": "password_hash", "order": "password_hash desc", "dir": "up", "by": "phone",
           "filter": "role=admin", "community_id": "99999", "limit": "100000",
           "per_page": "100000", "fields": "password_hash", "q__raw": "1"}
HOSTILE = ["password_hash", "' OR 1=1 --", "%", "_", "-1", "0", "99999999999999999999", "x" * 500,
           "\x00", "%00", "[]", "{}"]
SORTISH = re.compile(r"^(sort|order|order_by|by|dir|direction)$")


def _normal(html: str) -> str:
    """Without per-request values: CSRF tokens and one-time form tokens in hidden inputs."""
    html = re.sub(r'(<input[^>]*type="hidden"[^>]*?) value="[^"]*"', r"\1", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def _offered(url: str, html: str) -> set[str]:
    """The query parameters a page offers: its GET forms' fields and its links to itself."""
    page = Page(url, html)
    path = urlsplit(url).path
    names = {f[0] for form in page.forms if form.method == "get" for f in form.fields}
    for link in page.links:
        parts = urlsplit(link)
        if parts.path == path:
            names |= {k for k, _v in parse_qsl(parts.query)}
    return names


def _with(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


@pytest.mark.parametrize("role", ["anonymous", "staff", "committee"])
def test_unknown_parameters_are_refused_or_ignored(app, world, login, role):
    objs = make_objects(world)
    for i in range(25):  # two pages on the lists
        world.matter(factories.user(world.a), title=f"议题{i}")
    user = world.roles()[role]
    c = login(user) if user else app.test_client()
    checked = offered_total = 0
    for url in urls(app, world, objs):
        c.get(url)  # takes any flashed message, so the two answers compare
        base = c.get(url)
        if base.status_code != 200 or base.mimetype != "text/html":
            continue
        html = base.get_data(as_text=True)
        offered = _offered(url, html)
        offered_total += len(offered)
        unknown = {k: v for k, v in UNKNOWN.items() if k not in offered}
        r = c.get(_with(url, unknown))
        assert r.status_code == 400 or _normal(r.get_data(as_text=True)) == _normal(html), (
            f"{url} changed its answer for parameters it does not offer: {sorted(unknown)}")
        for name in offered:
            for value in HOSTILE:
                r = c.get(_with(url, {name: value}))
                assert r.status_code < 500, (url, name, value, r.status_code)
                if SORTISH.match(name) and r.status_code != 400:
                    assert _normal(r.get_data(as_text=True)) == _normal(html), (
                        f"{url}: {name}={value!r} is not on the allow-list but was accepted")
        checked += 1
    assert checked >= 4
    if role == "staff":
        assert offered_total >= 2, "the residents search (q) and the pagers should be found"


def test_residents_search_treats_wildcards_as_text(world, login):
    c = login(world.staff)
    everyone = c.get("/staff/residents").get_data(as_text=True).count("/reset")
    assert everyone > 3
    for wildcard in ("%", "_"):
        html = c.get(f"/staff/residents?q={wildcard}").get_data(as_text=True)
        assert html.count("/reset") < everyone, f"q={wildcard} matched everyone"
    assert "王阿姨" in c.get("/staff/residents?q=王阿").get_data(as_text=True)


def test_nul_characters_are_refused_not_stored(client, world, login):
    """PostgreSQL cannot store NUL: it must be a 400 everywhere, never a 500."""
    assert client.get("/matters/?page=%00").status_code == 400
    assert login(world.staff).get("/staff/residents?q=a%00b").status_code == 400
    r = client.post_form("/login", {"phone": "139\x0000000000", "password": "x"})
    assert r.status_code == 400
    r = login(world.resident_a).post_form("/matters/new", {
        "title": "空\x00字符", "description": "x", "category_id": world.categories[0].id})
    assert r.status_code == 400


def test_login_answers_the_same_for_a_disabled_account(client, world):
    world.resident_a2.active = False
    db.session.commit()
    unknown = client.post_form("/login", {"phone": "13999999999", "password": factories.PASSWORD})
    disabled = client.post_form("/login", {"phone": world.resident_a2.phone,
                                           "password": factories.PASSWORD})
    assert unknown.status_code == disabled.status_code == 422
    strip = re.compile(r'value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert strip.sub("", unknown.get_data(as_text=True)) == strip.sub("", disabled.get_data(as_text=True))


def test_login_takes_as_long_for_unknown_numbers(client, world):
    """A missing number still costs one password hash, so timing does not tell (loose bound)."""
    def timed(phone):
        token = client.csrf_token()
        start = time.perf_counter()
        for _ in range(3):
            client.post("/login", data={"phone": phone, "password": "Wrong-pass-9", "csrf_token": token})
        return time.perf_counter() - start

    known, unknown = timed(world.resident_a.phone), timed("13999999999")
    assert unknown > known * 0.3, (known, unknown)


def test_registration_is_throttled_like_login(database_url, tmp_path_factory, world):
    limited = make_app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute")
    limited.test_client_class = Client
    c = limited.test_client()
    codes = [c.post_form("/register", {"phone": world.resident_a.phone}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_preference_cookies_are_flagged_outside_debug(database_url, tmp_path_factory, monkeypatch, world):
    monkeypatch.setenv("APP_ENV", "production")
    prod = make_app(database_url, tmp_path_factory, TESTING=False)
    prod.test_client_class = Client
    c = prod.test_client()
    for url, data in (("/prefs/text", {}), ("/prefs/lang", {"lang": "en"})):
        cookie = c.post_form(url, data).headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    r = c.post_form("/login", {"phone": world.resident_a.phone, "password": factories.PASSWORD})
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in k and "HttpOnly" in k for k in cookies), cookies
    logged_out = c.post_form("/logout").headers.getlist("Set-Cookie")
    assert all("Secure" in k for k in logged_out), logged_out


def test_development_cookies_work_over_plain_http(client, world):
    cookie = client.post_form("/prefs/text").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie
