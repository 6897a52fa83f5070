"""Staff see delivery: what was sent, failed or held, by person, with resend.

URL table (on the notifications blueprint):
    /notifications/deliveries                        notifications.deliveries  staff: list, search
    /notifications/deliveries/<id>/resend      POST  notifications.resend      staff: send again (audited)
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select

from ...accounts.forms import ConfirmForm
from ...accounts.models import User
from ...accounts.permissions import staff_required
from ...core import audit
from ...core.pagination import paginate
from ...extensions import db
from .. import delivery
from ..blueprint import bp
from ..models import Delivery, DeliveryState, Notification, SmsConsoleMessage
from .bell import kind_label

SHOWN_STATES = ("sent", "failed", "held", "pending", "sending", "suppressed")


@bp.get("/deliveries")
@staff_required
def deliveries():
    state = request.args.get("state", "")
    q = (request.args.get("q") or "").strip()[:40]
    query = (select(Delivery, User, Notification)
             .join(User, User.id == Delivery.user_id)
             .join(Notification, Notification.id == Delivery.notification_id)
             .order_by(Delivery.id.desc()))
    if state in SHOWN_STATES:
        query = query.where(Delivery.state == state)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.display_name.like(pattern, escape="\\"),
                                User.phone.like(pattern, escape="\\")))
    page = paginate(query, request.args.get("page"), per_page=30, rows=True)
    console = db.session.scalars(select(SmsConsoleMessage)
                                 .order_by(SmsConsoleMessage.id.desc()).limit(20)).all()
    return render_template("notifications/deliveries.html", page=page, state=state, q=q,
                           states=SHOWN_STATES, labels=DeliveryState.LABELS, form=ConfirmForm(),
                           counts=delivery.counts(), console=console, kind_label=kind_label)


@bp.post("/deliveries/<int:delivery_id>/resend")
@staff_required
def resend(delivery_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        abort(404)
    if row.state in (DeliveryState.PENDING, DeliveryState.SENDING):
        flash(gettext("这条通知已在等待发送。"), "info")
    else:
        before = row.state
        delivery.resend(row)
        audit.record(actor_id=current_user.id, subject_type="delivery", subject_id=row.id,
                     action="resend_delivery", from_state=before, to_state=row.state,
                     details={"channel": row.channel, "user_id": row.user_id}, public=False)
        db.session.info.setdefault("deliveries_new", []).append(row.id)
        flash(gettext("已安排重新发送。"), "success")
    return redirect(url_for("notifications.deliveries", q=request.args.get("q") or None), 303)
