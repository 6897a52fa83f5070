"""Steps that cannot be undone ask first, with or without JavaScript.

The step's form posts without `confirmed=1`: the view answers with a confirmation page (the
same fields as hidden inputs plus confirmed=1, and a cancel link) and changes nothing. With
JavaScript, static/js/confirm.js puts the button's data-confirm question in a dialog and adds
confirmed=1, so one tap and one "OK" do it. The server never trusts that the question was asked.
"""

from __future__ import annotations

from flask import render_template, request

FIELD = "confirmed"


def is_confirmed() -> bool:
    return request.form.get(FIELD) == "1"


def ask(question: str, *, button: str, cancel_url: str,
        summary: list[tuple[str, str]] | None = None) -> tuple[str, int]:
    """The confirmation page for the current POST: it posts the same fields again, confirmed."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", FIELD)]
    action = request.full_path.rstrip("?")
    return render_template("core/confirm.html", question=question, button=button, action=action,
                           fields=fields, cancel_url=cancel_url, summary=summary or []), 200
