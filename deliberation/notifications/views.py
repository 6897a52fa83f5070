"""The bell: my notifications.

URL table:
    /notifications/             notifications.index
    /notifications/read  POST   notifications.mark_read
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.forms import ConfirmForm
from ..core.audit import AuditEntry
from ..core.pagination import paginate
from ..matters.models import Matter
from . import services
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    query = (select(Notification, Matter, AuditEntry)
             .outerjoin(Matter, Matter.id == Notification.matter_id)
             .outerjoin(AuditEntry, AuditEntry.id == Notification.audit_entry_id)
             .where(Notification.user_id == current_user.id)
             .order_by(Notification.id.desc()))
    page = paginate(query, request.args.get("page"), per_page=30, rows=True)
    return render_template("notifications/index.html", page=page, form=ConfirmForm())


@bp.post("/read")
@login_required
def mark_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user.id)
    return redirect(url_for("notifications.index"))
