"""The joins between packages: the layering contract, the spine's wiring check at boot, and
the commit hook that never commits a refused request."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import redirect
from sqlalchemy import select

from deliberation.core import errors
from deliberation.directory.models import Category
from deliberation.extensions import db
from deliberation.matters import spine

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          timeout=120)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the package and its contracts, to break on purpose."""
    copy = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "deliberation", copy / "deliberation",
                    ignore=shutil.ignore_patterns("__pycache__", "translations"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _with_line(tree: Path, module: str, line: str):
    path = tree / module
    original = path.read_text()
    path.write_text(original + "\n" + line + "\n")
    return path, original


def test_the_contract_holds_on_this_tree(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "named"), [
    ("deliberation/matters/workflow.py", "from ..meetings import objections  # noqa",
     "deliberation.matters is not allowed to import deliberation.meetings"),
    ("deliberation/core/templating.py", "from ..matters import states  # noqa",
     "deliberation.core is not allowed to import deliberation.matters"),
    ("deliberation/opinions/services.py", "from ..tracking import evaluation  # noqa",
     "deliberation.opinions is not allowed to import deliberation.tracking"),
])
def test_an_import_against_the_layers_breaks_lint(tree, module, line, named):
    path, original = _with_line(tree, module, line)
    try:
        result = _lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode == 1
    assert named in result.stdout


def test_boot_fails_when_a_declared_guard_is_not_registered(app, monkeypatch):
    monkeypatch.delitem(spine.GUARDS, "no_pending_objection")
    with pytest.raises(RuntimeError, match="end_notice.*no_pending_objection"):
        spine.check_wiring()


def test_boot_fails_when_an_actor_has_no_test(app, monkeypatch):
    monkeypatch.delitem(spine.ACTOR_TESTS, "implementer")
    with pytest.raises(RuntimeError, match="'implementer' has no test"):
        spine.check_wiring()


def test_boot_fails_when_nobody_answers_a_fact(app, monkeypatch):
    monkeypatch.delitem(spine.FACTS, "vote_opened")
    with pytest.raises(RuntimeError, match="vote_opened"):
        spine.check_wiring()


def test_a_second_different_registration_is_refused(app):
    with pytest.raises(RuntimeError, match="registered twice"):
        spine.register_guard("window_ended", lambda matter: None)


@pytest.fixture
def fresh(app, database_url, tmp_path_factory):
    """An app of its own on the same database, so the test may add routes before it serves."""
    from .conftest import Client, make_app

    other = make_app(database_url, tmp_path_factory)
    other.test_client_class = Client
    return other


def test_a_refused_request_is_never_committed_even_when_the_view_redirects(app, fresh):
    """A view that catches a refusal and redirects (a 303: a success status) commits nothing
    the service wrote before it refused."""

    def half_done():
        db.session.add(Category(name="半途写入", position=99))
        db.session.flush()
        try:
            raise errors.Refused("不行")
        except errors.Refused:
            return redirect("/", 303)

    def done():
        db.session.add(Category(name="写完了", position=98))
        return redirect("/", 303)

    fresh.add_url_rule("/_test/half_done", "half_done", half_done)
    fresh.add_url_rule("/_test/done", "done", done)
    client = fresh.test_client()
    assert client.get("/_test/half_done").status_code == 303
    assert client.get("/_test/done").status_code == 303
    names = set(db.session.scalars(select(Category.name)))
    assert "写完了" in names
    assert "半途写入" not in names


def test_an_uncaught_refusal_is_a_page_with_its_status(fresh):
    def forbidden():
        raise errors.Forbidden("只有社工站可以这样做。")

    def conflict():
        raise errors.Refused("此议题已经表决。")

    def wrong_input():
        raise errors.Refused("请写明理由。", field="reason")

    for name, view in (("forbidden", forbidden), ("conflict", conflict), ("wrong", wrong_input)):
        fresh.add_url_rule(f"/_test/{name}", name, view)
    client = fresh.test_client()
    r = client.get("/_test/forbidden")
    assert (r.status_code, "只有社工站可以这样做。" in r.get_data(as_text=True)) == (403, True)
    r = client.get("/_test/conflict")
    assert (r.status_code, "此议题已经表决。" in r.get_data(as_text=True)) == (409, True)
    r = client.get("/_test/wrong")
    assert (r.status_code, "请写明理由。" in r.get_data(as_text=True)) == (422, True)
