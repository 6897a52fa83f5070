"""The bell: my notifications.

URL table:
    /notifications/                 notifications.index      newest first, unread marked
    /notifications/read       POST  notifications.mark_read  mark all read
    /notifications/<id>/open  POST  notifications.open       mark one read and go to its matter
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select, update

from ..accounts.forms import ConfirmForm
from ..core.audit import AuditEntry
from ..core.pagination import paginate
from ..core.time import utcnow
from ..extensions import db
from ..matters.models import Matter
from ..matters.workflow import action_label
from . import services
from .models import Notification
from .reminders import REMINDER_LABELS

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

# Notifications that are not audit actions (written by services outside the workflow).
KIND_LABELS = {"cosign": lazy_gettext("有居民附议了您的议题"),
               "to_screen": lazy_gettext("有议题等待初审"),
               "opinion_reported": lazy_gettext("有意见被举报")}
KIND_LABELS |= REMINDER_LABELS


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or action_label(kind)


@bp.get("/")
@login_required
def index():
    query = (select(Notification, Matter, AuditEntry)
             .outerjoin(Matter, Matter.id == Notification.matter_id)
             .outerjoin(AuditEntry, AuditEntry.id == Notification.audit_entry_id)
             .where(Notification.user_id == current_user.id)
             .order_by(Notification.id.desc()))
    page = paginate(query, request.args.get("page"), per_page=30, rows=True)
    return render_template("notifications/index.html", page=page, form=ConfirmForm(),
                           kind_label=kind_label, notice_text=services.display_text)


@bp.post("/read")
@login_required
def mark_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user.id)
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open", endpoint="open")
@login_required
def open_notification(notification_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    db.session.execute(update(Notification).where(
        Notification.id == note.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    if note.matter_id:
        return redirect(url_for("matters.detail", matter_id=note.matter_id), 303)
    return redirect(url_for("notifications.index"), 303)
