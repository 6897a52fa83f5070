"""Which rule set (表决规则) a body and a meeting decide under, and changing a body's.

A body stores a preset's key, or "custom" with the parameters. A meeting stores a snapshot made
when it is called (key and parameters), so changing the body's rule later leaves its results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext

from ..core import audit
from ..extensions import db
from . import rules

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..directory.models import Body
    from .models import Meeting


def can_set_rules(user: User | None) -> bool:
    """Who may change a body's rule set, or call a meeting under another rule: staff."""
    return bool(user and user.is_authenticated and user.is_staff)


def of_body(body: Body) -> rules.RuleSet:
    return rules.resolve(body.rule_preset, body.rule_params if body.rule_preset == rules.CUSTOM else None)


def of_meeting(meeting: Meeting) -> rules.RuleSet:
    return rules.resolve(meeting.rule_preset, meeting.rule_params)


def snapshot(rule: rules.RuleSet) -> dict[str, Any]:
    """What a meeting and an audit entry keep of a rule: its key and all its parameters."""
    return {"key": rule.key, **rules.params_of(rule)}


def set_for_body(body: Body, actor: User, rule: rules.RuleSet) -> None:
    from .services import Forbidden  # services imports this module

    if not can_set_rules(actor):
        raise Forbidden(gettext("只有社工站工作人员可以修改表决规则。"))
    before = snapshot(of_body(body))
    body.rule_preset = rule.key
    body.rule_params = rules.params_of(rule) if rule.key == rules.CUSTOM else None
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="body", subject_id=body.id, action="rule_preset",
                 details={"from": before, "to": snapshot(rule)}, public=False)
