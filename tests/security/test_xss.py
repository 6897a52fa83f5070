"""Stored and reflected XSS: payloads go into every user-text field we can reach, and every page
any role can reach must render them as text.

Two ways in, both generic, so new forms, fields and pages are covered the day they land:
1. Through the forms: every POST form found while crawling the site (as admin, committee member,
   resident and anonymous visitor) is filled with payloads and submitted; the answer (error
   re-render or redirect target) must be clean.
2. Through the model metadata: every String/Text column not listed in NOT_USER_TEXT is set to
   a payload on every row; a new column is thus user text until declared otherwise.
Then the whole site is crawled (links followed) as every role, and each page is parsed for
injected markup: script elements, event-handler attributes, script URLs, SVG, inline style.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from io import BytesIO

import sqlalchemy as sa
from markupsafe import Markup

from deliberation.extensions import db
from tests import factories
from tests.security.access_table import make_objects, urls
from tests.security.html_scan import Page, same_site_path

PAYLOADS = [
    "<script>alert('{t}')</script>",
    "<img src=x onerror=alert('{t}')>",
    "\"><svg onload=alert('{t}')>",
    "javascript:alert('{t}')",
    "'><a href=javascript:alert('{t}')>x",
    "<svg><script>alert('{t}')</script>",
    "' onmouseover='alert(`{t}`)",
    "</textarea><script>alert('{t}')</script>",
]
SHORT = "<svg onload=f({t})>"  # for 20-character columns
RAW = ("<script>alert", "<img src=x", "<svg onload", "<svg><script", "onmouseover='alert")

# Columns whose values never come from users' free text (enums, hashes, generated keys).
NOT_USER_TEXT = {
    "community.kind", "body.kind", "body.rule_preset", "organisation.kind", "user.phone",
    "user.password_hash", "user.role", "audit_entry.subject_type", "audit_entry.action",
    "audit_entry.from_state", "audit_entry.to_state", "audit_entry.prev_hash", "audit_entry.hash",
    "matter.state", "matter.channel", "matter.submit_token", "membership.role",
    "matter_photo.file_key", "notification.kind",
    # meetings, tracking, opinions: states, choices and generated keys
    "meeting.mode", "meeting.rule_preset", "meeting.state", "meeting.checkin_code",
    "agenda_item.state", "agenda_item.ballot", "agenda_item.method", "agenda_item.outcome",
    "objection.state", "speak_request.side", "speak_request.state", "vote.choice",
    "ballot_box.id", "ballot_box.seal", "evaluation.outcome", "offer.kind", "pledge.kind", "pledge.status",
    "phase.key", "rating.choice", "report_photo.file_key", "spending.receipt_key",
    "opinion.stance", "opinion.photo_key", "opinion.visibility", "opinion_report.reason",
    "opinion_report.resolution",
    "user.locale",  # zh_CN or en, a CHECK constraint
    "delivery.channel", "delivery.state", "delivery.provider_message_id",  # enums, provider ids
    "sms_console_message.message_id", "sms_console_message.template",
    # volunteers and the points shop: states and generated codes
    "signup.status", "points_entry.kind", "redemption.state", "redemption.code",
    "volunteer_task.checkin_code",
}
# Fields that must be seen (escaped) on some page: proof the crawl reaches what it should.
MUST_SHOW_FORMS = {"title", "description", "place", "display_name", "household", "name", "scope",
                   "reason"}
MUST_SHOW_COLUMNS = {"matter.title", "matter.description", "matter.place", "matter.scope",
                     "matter.state_reason", "user.display_name", "user.household",
                     "community.name", "category.name", "body.name", "organisation.name",
                     "street.name", "audit_entry.reason"}
SKIP_ACTIONS = ("/logout", "/account/password", "/prefs/", "/reset")
_tags = itertools.count(1)


def _payload(tag: str, limit: int | None = None) -> str:
    choices = [p.format(t=tag) for p in PAYLOADS]
    if limit:
        choices = [p for p in choices if len(p) <= limit] or [SHORT.format(t=tag)]
    return choices[int(tag[1:]) % len(choices)]


def _check(url: str, html: str, problems: list[str]) -> Page:
    page = Page(url, html)
    problems += [f"{url}: {p}" for p in page.problems]
    problems += [f"{url}: raw {r!r} in the HTML" for r in RAW if r in html]
    return page


def crawl(client, start: list[str], problems: list[str], limit: int = 200) -> tuple[list[str], list]:
    """GET pages breadth-first from `start`, following same-site links; returns (html, forms)."""
    seen, queue, pages, forms = set(), deque(start), [], []
    while queue and len(seen) < limit:
        url = queue.popleft()
        key = re.sub(r"\d+", "N", url.split("?")[0]) + ("?" if "?" in url else "")
        if url in seen or sum(1 for s in seen if re.sub(r"\d+", "N", s.split("?")[0]) + (
                "?" if "?" in s else "") == key) >= 3:
            continue  # at most three pages of one shape (three matters, three bodies...)
        seen.add(url)
        r = client.get(url)
        if r.status_code >= 500:
            problems.append(f"{url}: {r.status_code}")
        if not r.mimetype == "text/html":
            continue
        html = r.get_data(as_text=True)
        pages.append(html)
        page = _check(url, html, problems)
        forms += [(url, f) for f in page.forms]
        queue.extend(p for link in page.links if (p := same_site_path(link)) and p not in seen)
    return pages, forms


def _fill(form, shown: dict[str, str]) -> tuple[dict, dict]:
    data, files = {}, {}
    for name, kind, value, _options in form.fields:
        if kind in ("hidden", "radio", "checkbox", "select", "submit"):
            data[name] = value
        elif kind == "password":
            data[name] = factories.PASSWORD
        elif kind == "number":
            data[name] = "7"
        elif kind == "file":
            files[name] = (BytesIO(b"not an image"), "\"><img src=x onerror=alert(1)>.jpg")
        elif name == "phone":
            data[name] = factories.phone()
        else:
            tag = f"f{next(_tags)}"
            shown[tag] = name
            data[name] = _payload(tag, 20 if "phone" in name else None)
    return data, files


def _submit_forms(client, forms, shown, problems) -> int:
    done = set()
    for _url, form in forms:
        path = same_site_path(form.action)
        shape = re.sub(r"\d+", "N", path or "")
        if form.method != "post" or not path or path.startswith(SKIP_ACTIONS) or shape in done:
            continue
        done.add(shape)
        data, files = _fill(form, shown)
        data.update(files)
        r = client.post(path, data=data, content_type="multipart/form-data" if files else None)
        if r.status_code >= 500:
            problems.append(f"POST {path}: {r.status_code}")
        if r.mimetype == "text/html":
            page = _check(f"POST {path}", r.get_data(as_text=True), problems)
            _confirm(client, path, page, problems)
    return len(done)


def _confirm(client, path: str, page, problems: list[str]) -> None:
    """A step that asks first answers with a confirmation page (the typed fields as hidden
    inputs, escaped): confirm it, as the person would, so the payloads are saved and shown."""
    for form in page.forms:
        fields = {name: value for name, _kind, value, _options in form.fields}
        if fields.get("confirmed") == "1" and (target := same_site_path(form.action)):
            r = client.post(target, data=fields)
            if r.status_code >= 500:
                problems.append(f"POST {target} (confirmed): {r.status_code}")
            elif r.mimetype == "text/html":
                _check(f"POST {target} (confirmed)", r.get_data(as_text=True), problems)


def _seen_tags(pages: list[str], tags: dict[str, str]) -> set[str]:
    html = "\n".join(pages)
    return {field for tag, field in tags.items() if re.search(rf"\b{tag}\b", html)}


def _crawl_everyone(app, world, login, objs, problems) -> list[str]:
    pages = []
    for user in (None, world.resident_a, world.resident_b, world.chair_a, world.staff, world.admin):
        c = login(user) if user else app.test_client()
        pages += crawl(c, urls(app, world, objs), problems)[0]
    return pages


def test_payloads_through_every_form_render_escaped_everywhere(app, world, login):
    objs = make_objects(world)
    problems: list[str] = []
    shown: dict[str, str] = {}
    submitted = 0
    # The admin goes last: its edits move bodies between communities.
    for user in (world.chair_a, world.resident_a, world.admin, None):
        c = login(user) if user else app.test_client()
        _pages, forms = crawl(c, urls(app, world, objs), problems)
        submitted += _submit_forms(c, forms, shown, problems)
    pages = _crawl_everyone(app, world, login, objs, problems)
    assert not problems, "\n".join(problems[:30])
    assert submitted >= 10, f"only {submitted} forms found to fill"
    missing = MUST_SHOW_FORMS - _seen_tags(pages, shown)
    assert not missing, f"payloads in these form fields were never seen on a page: {missing}"


def test_payloads_in_every_text_column_render_escaped_everywhere(app, world, login):
    objs = make_objects(world)
    world.matter(world.resident_b, title="和平社区的事")
    from deliberation.core import audit

    audit.record(actor_id=world.chair_a.id, subject_type="matter", subject_id=objs["matter"].id,
                 action="note", reason="内部备注", public=True)
    db.session.commit()
    tags: dict[str, str] = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if not isinstance(column.type, sa.String | sa.Text) or name in NOT_USER_TEXT:
                continue
            key = list(table.primary_key.columns)[0]
            for row_id in db.session.scalars(sa.select(key)).all():
                tag = f"c{next(_tags)}"  # one per row: some names are unique
                tags[tag] = name
                value = _payload(tag, getattr(column.type, "length", None))
                db.session.execute(table.update().where(key == row_id).values({column.name: value}))
    db.session.commit()
    problems: list[str] = []
    pages = _crawl_everyone(app, world, login, objs, problems)
    assert not problems, "\n".join(problems[:30])
    missing = MUST_SHOW_COLUMNS - _seen_tags(pages, tags)
    assert not missing, f"payloads in these columns were never seen on a page: {missing}"


def test_photo_error_messages_escape_the_file_name(app):
    """The photo module puts the uploaded file's name into its message: it must stay text."""
    from flask import render_template_string

    from deliberation.core import photos

    name = "\"><img src=x onerror=alert(1)>.jpg"
    with app.test_request_context():
        try:
            photos.store(BytesIO(b"GIF89a not really"), name)
        except photos.PhotoError as exc:
            message = str(exc)
        else:
            raise AssertionError("a non-image was accepted")
        assert not isinstance(message, Markup)
        html = render_template_string(
            '{% from "_macros.html" import field %}<p class="error">{{ m }}</p>', m=message)
    assert "<img" not in html and "&lt;img src=x" in html


def test_the_scanner_allows_our_charts_and_nothing_that_looks_like_them():
    ours = ('<svg class="chart-svg" data-chart="funnel" viewBox="0 0 1 1"><rect/></svg>'
            '<svg class="chart-swatch" data-chart-swatch="stages" width="14"></svg>')
    assert Page("/stats", ours).problems == []
    for injected in ("<svg onload=f(1)>", '<svg class="chart-svg">', '<svg data-chart="x">',
                     '<svg class="chart-swatch" data-chart="x">',
                     '<svg class="chart-svg" data-chart="x" onload="f()">',
                     '<svg class="chart-svg" data-chart="&quot;><script>">'):
        assert Page("/stats", injected).problems, injected
