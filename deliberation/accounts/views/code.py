"""Login and registration by SMS code (验证码登录), on the `accounts` blueprint.

URL table:
    /login/code                        accounts.code_request   phone number -> a code by SMS
    /login/code/verify                 accounts.code_verify    the code -> logged in, or on to
    /register/code                     accounts.code_register  name, community, household

Asking for a code answers the same (a redirect to the code page) whether or not the number has
an account; only after the right code does the site say which it is.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from ...core.time import utcnow
from ...extensions import db, limiter
from .. import services, sms_login
from ..blueprint import bp
from ..forms import RegisterForm, normalise_phone, validate_phone
from .accounts import _address_limit, _community_choices, _failed, _safe_next

DEFAULT_SEND_LIMIT = "1 per minute;10 per day"


class CodeRequestForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。")), validate_phone],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})


class CodeVerifyForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[
        DataRequired(_l("请填写短信里的 6 位验证码。")),
        Regexp(r"^\s*\d{6}\s*$", message=_l("验证码是 6 位数字。"))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6})


class CodeRegisterForm(FlaskForm):
    display_name = RegisterForm.display_name
    community_id = RegisterForm.community_id
    household = RegisterForm.household


def _send_limit() -> str:
    return current_app.config.get("SMS_CODE_LIMIT", DEFAULT_SEND_LIMIT)


def _phone_key() -> str:
    return "sms-code-phone:" + normalise_phone(request.form.get("phone"))[:20]


def _sent(response) -> bool:
    """Only a code that went out counts (a mistyped number or a failed send does not)."""
    return response.status_code == 302


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_send_limit, methods=["POST"], deduct_when=_sent)
@limiter.limit(_send_limit, methods=["POST"], key_func=_phone_key, deduct_when=_sent)
def code_request():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = CodeRequestForm()
    if form.validate_on_submit():
        phone = form.phone.data
        code, user = sms_login.issue(phone)
        try:
            sms_login.send_code(phone, "login_code" if user else "register_code", code)
        except sms_login.CodeNotSent:
            # The 503 rolls the request back: the code (and its audit entry) never existed.
            current_app.logger.exception("SMS code to %s not sent", sms_login.mask(phone))
            form.phone.errors.append(_("短信暂时发不出去，请稍后再试，或用密码登录。"))
            return render_template("accounts/code_request.html", form=form), 503
        session["code_phone"] = phone
        return redirect(url_for("accounts.code_verify", next=request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/code_request.html", form=form), status


@bp.route("/login/code/verify", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def code_verify():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    phone = session.get("code_phone")
    if not phone:
        return redirect(url_for("accounts.code_request"))
    form = CodeVerifyForm()
    if form.validate_on_submit():
        if sms_login.check(phone, form.code.data):
            user = services.find_by_phone(phone)
            session.clear()  # a fresh session: nothing from before carries over
            if user is None:
                session["code_verified_phone"] = phone
                session["code_verified_at"] = utcnow().isoformat()
                return redirect(url_for("accounts.code_register"))
            if user.active:
                login_user(user)
                sms_login.logged_in(user)
                return redirect(_safe_next(request.args.get("next")))
        # A wrong try must count although the 422 rolls the request back: keep it now.
        db.session.commit()
        form.code.errors.append(_("验证码不正确或已失效。输错 5 次或超过 5 分钟，请重新获取验证码。"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/code_verify.html", form=form,
                           masked=sms_login.mask(phone)), status


def _verified_phone() -> str | None:
    phone, at = session.get("code_verified_phone"), session.get("code_verified_at")
    if not (phone and at):
        return None
    try:
        fresh = utcnow() - datetime.fromisoformat(at) <= sms_login.REGISTER_WINDOW
    except ValueError:
        return None
    return phone if fresh else None


@bp.route("/register/code", methods=["GET", "POST"])
def code_register():
    """The number is proven by the code; the rest is what the password registration asks."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    phone = _verified_phone()
    if phone is None:
        flash(_("请先用手机号获取验证码。"), "error")
        return redirect(url_for("accounts.code_request"))
    form = CodeRegisterForm()
    form.community_id.choices = _community_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                phone=phone, display_name=form.display_name.data,
                password=sms_login.unusable_password(), community_id=form.community_id.data,
                household=form.household.data)
        except services.DuplicatePhone:
            session.clear()
            flash(_("这个手机号已经注册过了，请直接登录。"), "error")
            return redirect(url_for("accounts.code_request"))
        session.clear()
        login_user(user)
        flash(_("注册成功，欢迎您，%(name)s！", name=user.display_name), "success")
        return redirect(url_for("public.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/code_register.html", form=form,
                           masked=sms_login.mask(phone)), status
