"""Every POST route refuses a missing or wrong CSRF token; security headers on every response.

Routes are enumerated from the URL map, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest

from tests import factories


def _fill(rule) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "kind" if m.group(1) == "kind" else "1",
                  rule.rule).replace("/admin/kind/", "/admin/communities/")


# RFC 8058 one-click unsubscribe: a mail client posts without a session or CSRF token; the
# signed token in the URL is the credential (tests/notifications/test_delivery_pages.py).
CSRF_EXEMPT = {"notifications.unsubscribe"}


def post_rules(app):
    return sorted({_fill(r) for r in app.url_map.iter_rules()
                   if "POST" in r.methods and r.endpoint != "static" and r.endpoint not in CSRF_EXEMPT})


def test_every_post_route_is_enumerated(app):
    rules = post_rules(app)
    assert "/login" in rules and "/logout" in rules and "/screening/1" in rules


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_post_route_refuses_a_bad_csrf_token(app, world, login, token):
    staff = login(world.staff)  # the most powerful client: only CSRF can stop it
    anonymous = app.test_client()
    data = {"csrf_token": token} if token else {}
    for url in post_rules(app):
        for c in (staff, anonymous):
            r = c.post(url, data=data)
            assert r.status_code == 400, f"{url} answered {r.status_code} without a valid token"
            assert "页面已过期" in r.get_data(as_text=True)


def test_htmx_requests_are_checked_too(app, world, login):
    c = login(world.staff)
    r = c.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": "nope"})
    assert r.status_code == 400
    token = c.csrf_token()
    r = c.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert r.status_code == 302


def test_body_sends_the_token_header_to_htmx(client, world):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'hx-headers:inherited=\'\{"X-CSRFToken": "[^"]+"\}\'', html)


@pytest.mark.parametrize("path", ["/", "/login", "/matters/", "/does-not-exist"])
def test_security_headers(client, world, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_pages(client, world, login):
    for c in (client, login(world.staff)):
        for path in ("/", "/login", "/register", "/matters/", "/admin/"):
            html = c.get(path).get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
            assert " style=" not in html, path
            assert " onclick=" not in html and "hx-on" not in html, path


def test_session_cookie_flags_outside_debug(database_url, tmp_path_factory, monkeypatch, world):
    from tests.conftest import Client, make_app

    monkeypatch.setenv("APP_ENV", "production")
    app = make_app(database_url, tmp_path_factory, TESTING=False)
    app.test_client_class = Client
    c = app.test_client()
    r = c.post_form("/login", {"phone": world.resident_a.phone, "password": factories.PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_static_files_are_versioned_and_cached_for_a_year(client, world):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    r = client.get(css)
    assert r.status_code == 200
    assert "max-age=31536000" in r.headers["Cache-Control"] and "immutable" in r.headers["Cache-Control"]
    js = re.search(r'src="(/static/vendor/htmx-4\.0\.1\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    assert client.get(js).status_code == 200


def test_error_pages_are_friendly_chinese(client, world, login):
    r = client.get("/nope")
    assert r.status_code == 404 and "找不到页面" in r.get_data(as_text=True)
    r = login(world.resident_a).get("/admin/")
    assert r.status_code == 403 and "没有权限" in r.get_data(as_text=True)
