"""Accessibility at phone size (390x844): axe-core on every page, labels, keyboard, large text.

Pages come from `tests/security/access_table.py`: every GET route is opened by the first role
that may see it, so a new page is checked the day its access is declared. axe-core is vendored
in tests/browser/vendor/ (see its README) and injected by Playwright; the app never serves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from tests.browser.conftest import login, shot
from tests.security.access_table import ACCESS, make_objects

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROLE_ORDER = ("anonymous", "resident", "committee", "staff")
# Not pages: JSON, files (CSV, calendar, feed, images) and the meeting's polled htmx fragment.
NOT_PAGES = {"/healthz", "/readyz", "/tracking/photos/<key>", "/tracking/photos/<key>/thumb",
             "/meetings/<int:meeting_id>/live/<view>", "/matters/new/similar"}
FILE_SUFFIXES = (".csv", ".xlsx", ".webmanifest", ".ics", ".json", ".atom", ".svg", ".jpg")


def _pages(world, objs) -> list[tuple[str, str]]:
    pages = []
    for rule, (build, expected) in sorted(ACCESS.items()):
        if rule in NOT_PAGES or rule.endswith(FILE_SUFFIXES):
            continue
        role = next((r for r in ROLE_ORDER if expected[r] == 200), None)
        if role:
            pages.append((role, build(world, objs)))
    return pages


def _axe(page) -> list[dict]:
    """axe's violations on the current page. add_script_tag inserts an inline <script>, which
    the app's CSP (script-src 'self') blocks; evaluating the file through the DevTools protocol
    is not subject to CSP, so that is the fallback."""
    from playwright.sync_api import Error

    try:
        page.add_script_tag(path=str(AXE))
    except Error as exc:
        assert "Content Security Policy" in str(exc), exc
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    assert page.evaluate("window.axe.version") == "4.14.1"
    result = page.evaluate("""async () => {
        const r = await axe.run(document);
        return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id,
            impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))};
    }""")
    assert result["passes"] >= 10, result  # axe really looked at the page
    return result["violations"]


def _unlabelled(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(el => !['hidden', 'submit', 'button'].includes(el.type))
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !el.getAttribute('aria-labelledby'))
        .map(el => el.outerHTML.slice(0, 120))""")


def _horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def browsers_by_role(phone_page, world):
    pages = {}

    def get(role):
        if role not in pages:
            p = phone_page()
            user = world.roles()[role]
            if user:
                login(p, user.phone, factories.PASSWORD)
            pages[role] = p
        return pages[role]

    return get


def test_axe_labels_and_no_sideways_scroll_on_every_page(world, commit_db, browsers_by_role):
    objs = make_objects(world)
    commit_db()
    pages = _pages(world, objs)
    assert len(pages) >= 15
    problems = []
    for role, url in pages:
        page = browsers_by_role(role)
        response = page.goto(url)
        assert response.status == 200, (role, url, response.status)
        bad = [v for v in _axe(page) if v["impact"] in ("serious", "critical")]
        problems += [f"{role} {url}: axe {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in bad]
        problems += [f"{role} {url}: field without a label: {h}" for h in _unlabelled(page)]
        if (over := _horizontal_overflow(page)) > 0:
            problems.append(f"{role} {url}: scrolls sideways by {over}px at 390px")
    assert not problems, "\n".join(problems)


def test_large_text_keeps_every_page_within_the_phone_width(world, commit_db, browsers_by_role):
    objs = make_objects(world)
    commit_db()
    switched = set()
    problems = []
    for role, url in _pages(world, objs):
        page = browsers_by_role(role)
        page.goto(url)
        if role not in switched:
            page.get_by_role("button", name="大字模式").click()
            page.wait_for_load_state()
            switched.add(role)
            page.goto(url)
        assert page.evaluate("document.body.classList.contains('large-text')"), url
        if (over := _horizontal_overflow(page)) > 0:
            shot(page, f"large-text-overflow-{role}-{url.strip('/').replace('/', '-') or 'home'}")
            problems.append(f"{role} {url}: scrolls sideways by {over}px in large text")
        bad = [v["id"] for v in _axe(page) if v["impact"] in ("serious", "critical")]
        if bad:
            problems.append(f"{role} {url}: axe in large text: {bad}")
    assert not problems, "\n".join(problems)


def _tab_to(page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_login_and_filing(phone_page, world, commit_db):
    commit_db()
    page = phone_page()
    page.goto("/login")
    _tab_to(page, "input[name=phone]")
    page.keyboard.type(world.resident_a.phone)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    assert page.get_by_text(world.resident_a.display_name).first.is_visible()

    page.goto("/matters/new")
    _tab_to(page, "input[name=title]")
    page.keyboard.type("键盘提交的议题")
    page.keyboard.press("Tab")
    page.keyboard.type("只用键盘填写。")
    _tab_to(page, "input[name=category_id]")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    _tab_to(page, "input[name=place]")
    page.keyboard.type("3 栋")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/matters/" in page.url and "/new" not in page.url
    assert page.get_by_role("heading", name="键盘提交的议题").is_visible()
    # Focus is visible: the focused element draws an outline or a box shadow.
    page.goto("/matters/new")
    _tab_to(page, "input[name=title]")
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
    assert style[0] != "none" or style[2] != "none", style
