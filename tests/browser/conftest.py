"""Real-browser journeys: Playwright driving Debian's Chromium against a live server.

The server runs the session's app in a thread on a free loopback port, so browser and test
share one database. Screenshots go to `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.parallel import served

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _test_thread_reads_deferred():
    """The test thread only reads while the browser drives the server (writes go through
    `commit_db`), so its SQLite transactions must not hold the write lock."""
    from deliberation.database import deferred_outside_requests

    with deferred_outside_requests():
        yield


@pytest.fixture(scope="session")
def live_server(app):
    with served(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A fresh phone-sized browser context (390x844) with its own cookies."""
    contexts = []

    def _new(viewport=PHONE):
        ctx = browser.new_context(viewport=viewport, base_url=live_server, locale="zh-CN",
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        return page

    yield _new
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def commit_db():
    """Browser tests read what the test wrote: commit it so the server thread sees it."""
    from deliberation.extensions import db

    def _commit():
        db.session.commit()  # ends the test's transaction, so the next read sees the server's writes

    return _commit


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, phone: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def answer_next_dialog(page, accept: bool = True) -> list[str]:
    """Answer the page's next confirm() with OK (or Cancel); the returned list receives its
    message. Playwright would otherwise dismiss it silently."""
    seen: list[str] = []

    def _answer(dialog):
        seen.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", _answer)
    return seen


def started_meeting(world, present=()):
    """A started 幸福社区 committee meeting with one accepted matter on its agenda; `present`
    are checked in."""
    from datetime import datetime

    from deliberation.matters import workflow
    from deliberation.meetings import services

    matter = world.matter(title="5 栋楼道灯坏了")
    workflow.accept(matter, world.chair_a)
    meeting = services.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区六月议事会",
        starts_at=datetime(2026, 6, 1, 11, 30), place="社区活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    services.add_item(meeting, matter, world.chair_a)
    services.publish(meeting, world.chair_a)
    services.start(meeting, world.chair_a)
    for u in present:
        services.check_in(meeting, u)
    return meeting


def meeting_in_debate(world, present=()):
    """`started_meeting` with its one item open for debate: (meeting, item)."""
    from deliberation.meetings import debate

    meeting = started_meeting(world, present)
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    return meeting, item
