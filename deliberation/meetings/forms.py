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

from ..core.dates import InRange
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
                                   validators=[DataRequired(_l("请选择开会的日期和时间。")), InRange()])
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


FRACTION_INPUT = {"list": "common-fractions", "autocomplete": "off", "size": 8}
STRICTNESS = [("more", _l("超过（正好等于不算）")), ("least", _l("达到（正好等于也算）"))]


class RuleSetForm(FlaskForm):
    """A preset, or "custom" with the parameters; the parameters are checked only for custom."""

    rule_preset = RadioField(_l("表决规则"),
                             choices=rules.preset_choices() + [(rules.CUSTOM, _l("自定义规则"))],
                             validators=[DataRequired(_l("请选择表决规则。"))])
    quorum_ratio = StringField(_l("到会人数须占全体成员的比例"), default="1/2",
                               validators=[Length(max=20)], render_kw=FRACTION_INPUT,
                               description=_l("写成“分子/分母”，例如 1/2、2/3，也可以从常用比例中选。"))
    quorum_strict = RadioField(_l("到会人数与这个比例相比"), choices=STRICTNESS, default="more")
    pass_base = RadioField(_l("赞成票与谁相比"), default=rules.PassBase.CAST.value, choices=[
        (rules.PassBase.CAST.value, _l("赞成票与反对票之和（弃权不计）")),
        (rules.PassBase.PRESENT.value, _l("到会成员人数（弃权算作不赞成）")),
        (rules.PassBase.MEMBERS.value, _l("全体成员人数（弃权、缺席都算作不赞成）"))])
    pass_ratio = StringField(_l("通过所需的赞成比例"), default="1/2", validators=[Length(max=20)],
                             render_kw=FRACTION_INPUT,
                             description=_l("写成“分子/分母”，例如 1/2、2/3。"))
    pass_strict = RadioField(_l("赞成票与这个比例相比"), choices=STRICTNESS, default="more")

    def fill(self, rule: rules.RuleSet) -> None:
        """Show a rule's parameters (a preset's too, as a starting point for a custom one)."""
        self.rule_preset.data = rule.key
        self.quorum_ratio.data = rules.ratio_text(rule.quorum_ratio)
        self.quorum_strict.data = "more" if rule.quorum_strict else "least"
        self.pass_base.data = rule.pass_base.value
        self.pass_ratio.data = rules.ratio_text(rule.pass_ratio)
        self.pass_strict.data = "more" if rule.pass_strict else "least"

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.rule = None
        if not ok:
            return False
        if self.rule_preset.data != rules.CUSTOM:
            self.rule = rules.PRESETS[self.rule_preset.data]
            return True
        ratios = {}
        for f in (self.quorum_ratio, self.pass_ratio):
            try:
                ratios[f.name] = rules.parse_ratio(f.data)
            except rules.RuleError as exc:
                f.errors.append(str(exc))
        if len(ratios) < 2:
            return False
        self.rule = rules.custom(ratios["quorum_ratio"], self.quorum_strict.data == "more",
                                 self.pass_base.data, ratios["pass_ratio"], self.pass_strict.data == "more")
        return True
