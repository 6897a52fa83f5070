"""Actions that cannot be undone ask first: their submit button carries a translated
`data-confirm` question, which static/js/confirm.js (loaded on every page) puts to the user.
The browser side is proven in tests/browser/test_confirmations.py."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Endpoints whose POST cannot be taken back (or notifies people at once).
IRREVERSIBLE = {
    "meetings.publish", "meetings.open_vote", "meetings.close", "meetings.defer", "meetings.end",
    "meetings.recuse", "meetings.confirm", "meetings.decide_objection", "tracking.fulfil",
    "tracking.phase_done", "tracking.withdraw_offer", "opinions.hide", "admin.remove_member",
}
FORM = re.compile(r"<form\b.*?</form>", re.S)
ENDPOINT = re.compile(r"""<form\b[^>]*action="\{\{ url_for\('([\w.]+)'""")
QUESTION = re.compile(r"""data-confirm="\{\{ _\('[^']+？'\) \}\}\"""")


def test_every_irreversible_form_asks_a_translated_question():
    seen, missing = set(), []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for form in FORM.findall(path.read_text(encoding="utf-8")):
            m = ENDPOINT.match(form)
            if m and m.group(1) in IRREVERSIBLE:
                seen.add(m.group(1))
                if not QUESTION.search(form):
                    missing.append(f"{path.relative_to(TEMPLATES)}: {m.group(1)}")
    assert not missing, missing
    assert seen == IRREVERSIBLE  # every endpoint was found, so the check above ran on it
    # 销号 and the screening decision (初审) post to their own page (no action attribute).
    assert QUESTION.search((TEMPLATES / "tracking" / "close.html").read_text(encoding="utf-8"))
    assert QUESTION.search((TEMPLATES / "matters" / "screen.html").read_text(encoding="utf-8"))


def test_every_page_loads_the_confirmation_script(client, world, login):
    for c, url in ((client, "/"), (client, "/login"), (login(world.chair_a), "/meetings/")):
        html = c.get(url).get_data(as_text=True)
        assert re.search(r'<script src="/static/js/confirm\.js\?v=\w+" defer></script>', html), url


def test_the_question_is_translated(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("en"):
        assert gettext("宣布散会后，未表决的议题将全部搁置、退回待议，不能撤销。确定吗？").startswith(
            "Once the meeting is closed")
