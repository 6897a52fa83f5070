"""Account forms. Messages in plain Chinese; the form keeps what was typed on an error."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from . import passwords

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(value: str | None) -> str:
    return re.sub(r"[\s-]", "", value or "").removeprefix("+86")


def validate_phone(_form, field) -> None:
    field.data = normalise_phone(field.data)
    if not PHONE_RE.match(field.data):
        raise ValidationError(_l("请输入 11 位中国大陆手机号，例如 13812345678。"))


class StrongPassword:
    """The password rules; the phone is the form's own field or, on the change-password form,
    the account's number (`form.account_phone`, set by the view)."""

    def __call__(self, form, field) -> None:
        phone = getattr(form, "phone", None)
        number = phone.data if phone else getattr(form, "account_phone", "")
        msg = passwords.problem(field.data or "", phone=number or "")
        if msg:
            raise ValidationError(msg)


class RegisterForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。")), validate_phone],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    display_name = StringField(
        _l("称呼"), validators=[DataRequired(_l("请填写称呼。")),
                              Length(max=40, message=_l("称呼不能超过 40 个字。"))],
        description=_l("其他居民看到的名字，例如“王阿姨”“3 栋李先生”。"))
    community_id = SelectField(_l("所在社区"), coerce=int,
                               validators=[DataRequired(_l("请选择所在社区。"))])
    household = StringField(
        _l("楼栋 / 门牌"), validators=[DataRequired(_l("请填写楼栋或门牌。")),
                                   Length(max=80, message=_l("楼栋门牌不能超过 80 个字。"))],
        description=_l("例如：5 栋 2 单元 301"))
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。")), StrongPassword()],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("至少 8 位，不要用生日、手机号或连续数字。"))
    confirm = PasswordField(_l("再次输入密码"),
                            validators=[DataRequired(_l("请再次输入密码。")),
                                        EqualTo("password", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。"))],
                        render_kw={"inputmode": "tel", "autocomplete": "username"})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码。"))],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请设置新密码。")), StrongPassword()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[DataRequired(_l("请再次输入新密码。")),
                                        EqualTo("password", _l("两次输入的密码不一致。"))],
                            render_kw={"autocomplete": "new-password"})


class StaffCreateResidentForm(FlaskForm):
    phone = RegisterForm.phone
    display_name = RegisterForm.display_name
    community_id = RegisterForm.community_id
    household = RegisterForm.household


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries only the CSRF token."""
