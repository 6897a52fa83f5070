"""People decide how they hear: the settings page and one-click email unsubscribe.

URL table (on the notifications blueprint):
    /notifications/settings                    notifications.preferences   mine: channels per kind, digest
    /notifications/settings              POST  notifications.preferences   save
    /notifications/unsubscribe/<token>         notifications.unsubscribe   confirm page (link in every email)
    /notifications/unsubscribe/<token>   POST  notifications.unsubscribe   unsubscribe (RFC 8058 one click:
                                                                           the signed token is the key)
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectMultipleField
from wtforms.validators import Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ...accounts.models import User
from ...extensions import csrf, db
from .. import channels, preferences
from ..blueprint import bp


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferenceForm(FlaskForm):
    sms = _Checkboxes(lazy_gettext("短信通知"), choices=[], validate_choice=True)
    email_groups = _Checkboxes(lazy_gettext("邮件通知"), choices=[], validate_choice=True)
    email = EmailField(lazy_gettext("邮箱（可不填）"), validators=[
        Optional(), Length(max=254),
        Regexp(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", message=lazy_gettext("请填写有效的邮箱地址。"))])
    digest = BooleanField(lazy_gettext("邮件改为每天早上汇总一封"))


@bp.route("/settings", methods=["GET", "POST"], endpoint="preferences")
@login_required
def preference_page():
    current = preferences.choice(current_user)
    form = PreferenceForm(data={"sms": sorted(current.sms), "email_groups": sorted(current.email_groups),
                                "email": current.email or "", "digest": current.digest}
                          if request.method == "GET" else None)
    choices = [(key, str(label)) for key, label in preferences.GROUPS.items()]
    form.sms.choices = choices
    form.email_groups.choices = choices
    if form.validate_on_submit():
        preferences.save(current_user, email=(form.email.data or "").strip() or None,
                         sms=set(form.sms.data or ()), email_groups=set(form.email_groups.data or ()),
                         digest=bool(form.digest.data))
        flash(gettext("通知设置已保存。"), "success")
        return redirect(url_for("notifications.preferences"), 303)
    if request.method == "POST":
        return render_template("notifications/preferences.html", form=form,
                               phone_verified=preferences.phone_verified(current_user)), 422
    return render_template("notifications/preferences.html", form=form,
                           phone_verified=preferences.phone_verified(current_user))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    found = channels.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(404)
    group = found[1]
    if request.method == "POST":
        preferences.unsubscribe(user, group)
        return render_template("notifications/unsubscribe.html", done=True, token=token,
                               group_label=preferences.GROUPS[group])
    return render_template("notifications/unsubscribe.html", done=False, token=token,
                           group_label=preferences.GROUPS[group])
