"""HTML helpers for the XSS suite: find injected markup, read forms, follow links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "hx-get",
             "hx-post", "hx-put", "hx-delete", "hx-patch"}
# Our own server-drawn charts (templates/public/_chart.html): the chart <svg class="chart-svg"
# data-chart="id"> and its legend swatches <svg class="chart-swatch" data-chart-swatch="id">.
# Text a user typed never carries both, so any other <svg> is injected.
CHART_MARKERS = {"chart-svg": "data-chart", "chart-swatch": "data-chart-swatch"}
CHART_ID = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


def is_our_chart(tag: str, a: dict) -> bool:
    marker = CHART_MARKERS.get(a.get("class") or "")
    return tag == "svg" and marker is not None and bool(CHART_ID.match(a.get(marker) or ""))


@dataclass
class Form:
    action: str
    method: str
    # (name, tag or input type, value, options)
    fields: list[tuple[str, str, str, list[str]]] = field(default_factory=list)


class Page(HTMLParser):
    """Parses one page; `problems` lists injected markup, `links` and `forms` what to visit."""

    def __init__(self, url: str, html: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.problems: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and not (a.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> without a /static/ src: {attrs}")
        if tag in ("svg", "iframe", "object", "embed", "base", "math", "foreignobject") \
                and not is_our_chart(tag, a):
            self.problems.append(f"<{tag}> in the page: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute <{tag} {name}={value!r}>")
            if name in URL_ATTRS and value and value.strip().lower().replace("\t", "").startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"script URL <{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"inline style <{tag} style={value!r}>")
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        if tag == "form":
            self.forms.append(Form(urljoin(self.url, a.get("action") or self.url),
                                   (a.get("method") or "get").lower()))
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox") and any(f[0] == a["name"] for f in form.fields):
                return  # keep the first choice
            form.fields.append((a["name"], kind, a.get("value") or "", []))
        elif tag == "textarea" and a.get("name"):
            form.fields.append((a["name"], "textarea", "", []))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self.forms:
            name, options = self._select
            self.forms[-1].fields.append((name, "select", options[-1] if options else "", options))
            self._select = None


def same_site_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
