"""Forms for volunteer tasks and the points shop. Plain words; what was typed is kept on an error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.dates import InRange

TIME = "%Y-%m-%dT%H:%M"
CODE_INPUT = {"class": "code-input", "autocomplete": "off", "autocapitalize": "characters"}


class TaskForm(FlaskForm):
    title = StringField(_l("做什么"), validators=[DataRequired(_l("请写明要做的事。")), Length(max=80)],
                        description=_l("例如“清理 5 栋楼道杂物”。"))
    place = StringField(_l("在哪里"), validators=[DataRequired(_l("请写明地点。")), Length(max=120)],
                        description=_l("例如“5 栋一楼门口集合”。"))
    starts_at = DateTimeLocalField(_l("开始时间"), format=TIME,
                                   validators=[DataRequired(_l("请选择开始的日期和时间。")), InRange()])
    ends_at = DateTimeLocalField(_l("结束时间"), format=TIME,
                                 validators=[DataRequired(_l("请选择结束的日期和时间。")), InRange()])
    capacity = IntegerField(_l("需要几人"), default=5,
                            validators=[InputRequired(_l("请填人数。")),
                                        NumberRange(1, 500, _l("人数请填 1 到 500。"))])
    cutoff_hours = IntegerField(_l("开始前几小时截止报名和取消"), default=2,
                                validators=[InputRequired(), NumberRange(0, 72, _l("请填 0 到 72。"))])
    phase_id = SelectField(_l("属于哪个阶段（可不选）"), coerce=int, default=0, validators=[Optional()])
    details = TextAreaField(_l("说明（可不填）"), validators=[Length(max=1000)],
                            description=_l("要带什么、穿什么、找谁。"))


class CodeForm(FlaskForm):
    code = StringField(_l("组织者手机上的签到码"),
                       validators=[DataRequired(_l("请输入签到码。")), Length(max=8)],
                       render_kw=CODE_INPUT)


class HoursForm(FlaskForm):
    minutes = IntegerField(_l("服务时长（分钟）"),
                           validators=[InputRequired(_l("请填时长。")),
                                       NumberRange(1, 1440, _l("时长请填 1 到 1440 分钟。"))])


class ItemForm(FlaskForm):
    organisation_id = SelectField(_l("捐赠单位"), coerce=int,
                                  validators=[DataRequired(_l("请选择捐赠单位。"))])
    name = StringField(_l("物品"), validators=[DataRequired(_l("请写明物品。")), Length(max=80)],
                       description=_l("例如“大米 5 斤”。"))
    points_price = IntegerField(_l("兑换所需积分"), validators=[
        InputRequired(_l("请填所需积分。")), NumberRange(1, 100000, _l("所需积分请填 1 到 100000。"))])
    stock = IntegerField(_l("数量"), validators=[
        InputRequired(_l("请填数量。")), NumberRange(1, 10000, _l("数量请填 1 到 10000。"))])
    collect_at = StringField(_l("在哪里领取"), validators=[
        DataRequired(_l("请写明领取地点。")), Length(max=120)], description=_l("例如“社工站服务大厅”。"))


class HandOverForm(FlaskForm):
    code = StringField(_l("居民出示的兑换码"),
                       validators=[DataRequired(_l("请输入兑换码。")), Length(max=12)],
                       render_kw=CODE_INPUT)


class AdjustForm(FlaskForm):
    phone = StringField(_l("居民手机号"), validators=[DataRequired(_l("请输入手机号。")), Length(max=20)])
    delta = IntegerField(_l("调整分数（正数加分，负数减分）"), validators=[InputRequired(_l("请填分数。"))])
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请写明调整原因。")), Length(max=200)])
