"""Behind nginx (the README's deployment): client address, https and host come from the proxy,
as far as the configuration trusts it."""

from __future__ import annotations

import pytest

from deliberation import create_app
from tests import factories
from tests.conftest import Client

HOST = "yishi.example.cn"


@pytest.fixture
def proxied(database_url, tmp_path, monkeypatch):
    """Configured the way the README says: by environment variables."""
    for key, value in {"PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1",
                       "TRUSTED_HOSTS": f"{HOST}, www.{HOST}", "SERVER_NAME": HOST,
                       "PREFERRED_URL_SCHEME": "https"}.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production",
                      "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path),
                      "LOGIN_RATE_LIMIT": "3 per minute"})
    app.test_client_class = Client
    return app


def _get(app, url, host=HOST, **headers):
    return app.test_client().get(url, base_url=f"http://{host}", headers=headers)


def test_https_at_the_proxy_sends_hsts_and_https_urls(proxied):
    r = _get(proxied, "/open/decisions.atom", **{"X-Forwarded-Proto": "https",
                                                  "X-Forwarded-For": "203.0.113.5"})
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    feed = r.get_data(as_text=True)
    assert f"<id>https://{HOST}/open/decisions.atom</id>" in feed
    assert "http://" not in feed.replace("http://www.w3.org/2005/Atom", "")


def test_plain_http_gets_no_hsts(proxied):
    r = _get(proxied, "/", **{"X-Forwarded-Proto": "http"})
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers


def test_a_foreign_host_is_refused(proxied):
    r = _get(proxied, "/open/decisions.atom", host="evil.example")
    assert r.status_code == 400
    assert "evil.example" not in r.get_data(as_text=True)
    assert _get(proxied, "/", host=f"www.{HOST}").status_code == 200


def test_external_urls_name_the_configured_host(proxied):
    """A trusted alias still yields links to the configured name (QR codes, iCal, Atom)."""
    feed = _get(proxied, "/open/decisions.atom", host=f"www.{HOST}",
                **{"X-Forwarded-Proto": "https"}).get_data(as_text=True)
    assert f"<id>https://{HOST}/open/decisions.atom</id>" in feed


def test_two_clients_behind_the_proxy_are_limited_apart(proxied, world):
    c = proxied.test_client()

    def attempt(address, phone, password):
        return c.post_form("/login", {"phone": phone, "password": password},
                           base_url=f"http://{HOST}", headers={"X-Forwarded-For": address})

    assert [attempt("203.0.113.5", f"1370000{i:04d}", "Wrong-pass-9").status_code
            for i in range(4)] == [422, 422, 422, 429]
    ok = attempt("198.51.100.7", world.resident_a.phone, factories.PASSWORD)
    assert ok.status_code == 302


def test_without_configuration_forwarded_headers_are_ignored(app, world):
    """Off by default: a client cannot claim https or another address by itself."""
    c = app.test_client()
    r = c.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
    assert "Strict-Transport-Security" not in r.headers
