"""Forms for meetings. Plain words; what was typed is kept on an error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from . import rules
from .models import Ballot, Method, Mode


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MeetingForm(FlaskForm):
    body_ids = CheckboxList(_l("召开会议的议事主体（选多个即为联席会议）"), coerce=int,
                            validators=[DataRequired(_l("请至少选择一个议事主体。"))])
    title = StringField(_l("会议名称"), validators=[DataRequired(_l("请填写会议名称。")), Length(max=80)],
                        description=_l("例如“幸福社区 6 月议事会”。"))
    starts_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("请选择开会的日期和时间。"))])
    minutes_planned = IntegerField(_l("预计时长（分钟）"), default=120,
                                   validators=[InputRequired(), NumberRange(10, 600)])
    place = StringField(_l("地点"), validators=[Length(max=120)], description=_l("例如“社区活动中心二楼”。"))
    mode = RadioField(_l("会议形式"), choices=Mode.choices(), default=Mode.IN_PERSON.value,
                      validators=[DataRequired()])
    online_link = StringField(_l("线上会议链接或会议号（可不填）"), validators=[Length(max=200)])
    chair_id = SelectField(_l("主持人"), coerce=int, validators=[DataRequired(_l("请选择主持人。"))])
    recorder_id = SelectField(_l("记录员"), coerce=int, validators=[DataRequired(_l("请选择记录员。"))])
    rule_preset = SelectField(_l("表决规则"), choices=[("", _l("按议事主体的设置"))] + rules.preset_choices(),
                              default="", validators=[Optional()])
    speaker_seconds = IntegerField(_l("每次发言时长（秒）"), default=120,
                                   validators=[InputRequired(), NumberRange(30, 1800)])
    max_turns = IntegerField(_l("每人每项最多发言次数"), default=2,
                             validators=[InputRequired(), NumberRange(1, 10)])


class OpenVoteForm(FlaskForm):
    ballot = RadioField(_l("记名方式"), choices=Ballot.choices(), default=Ballot.OPEN.value,
                        validators=[DataRequired()])
    method = RadioField(_l("表决方式"), choices=Method.choices(), default=Method.PHONES.value,
                        validators=[DataRequired()])


class HandsForm(FlaskForm):
    yes = IntegerField(_l("同意"), validators=[InputRequired(_l("请填写人数。")), NumberRange(0, 10000)])
    no = IntegerField(_l("反对"), validators=[InputRequired(_l("请填写人数。")), NumberRange(0, 10000)])
    abstain = IntegerField(_l("弃权"), validators=[InputRequired(_l("请填写人数。")), NumberRange(0, 10000)])


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("记录员备注（写入会议纪要）"), validators=[Length(max=5000)])


class ObjectionForm(FlaskForm):
    text = TextAreaField(_l("异议理由"), validators=[DataRequired(_l("请写明异议的理由。")),
                                                 Length(max=2000)])


class DecideObjectionForm(FlaskForm):
    decision = RadioField(_l("处理决定"), choices=[("uphold", _l("异议成立：退回重新审议")),
                                                ("dismiss", _l("不予采纳"))],
                          validators=[DataRequired(_l("请选择处理决定。"))])
    reason = TextAreaField(_l("理由（居民可见）"), validators=[DataRequired(_l("请写明理由。")),
                                                       Length(max=1000)])


class RulePresetForm(FlaskForm):
    rule_preset = RadioField(_l("表决规则"), choices=rules.preset_choices(), validators=[DataRequired()])
