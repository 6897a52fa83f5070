"""Forms for assignment, offers and pledges, reports and spending, rating and closing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..core.dates import InRange
from ..core.time import utcnow
from .models import Choice, PhaseKey, ResourceKind

MAX_YUAN = Decimal("100000000")


def yuan_to_cents(raw: str) -> int:
    """'1,234.5' → 123450. Raises ValueError for anything that is not a sum of money."""
    text = (raw or "").strip().replace(",", "").replace("，", "").removeprefix("¥")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value < 0 or value > MAX_YUAN or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(value * 100)


class YuanField(StringField):
    """An amount in yuan typed by a person; `.cents` holds the parsed amount."""

    cents: int | None = None

    def pre_validate(self, form) -> None:
        self.cents = None
        if not (self.data or "").strip():
            return
        try:
            self.cents = yuan_to_cents(self.data)
        except ValueError as exc:
            raise ValidationError(_l("请填写金额（元），例如 1200 或 85.50。")) from exc


class AssignForm(FlaskForm):
    organisation_id = SelectField(_l("承接组织"), coerce=int,
                                  validators=[DataRequired(_l("请选择承接组织。"))])
    lead_id = SelectField(_l("负责人"), coerce=int, validators=[DataRequired(_l("请选择负责人。"))],
                          description=_l("承接组织的成员或社工站工作人员。"))
    budget = YuanField(_l("预算（元）"), validators=[DataRequired(_l("请填写预算，没有预算填 0。"))],
                       render_kw={"inputmode": "decimal"})
    due_on = DateField(_l("完成期限"), validators=[DataRequired(_l("请选择完成期限。")), InRange()])

    def phase_fields(self) -> list:
        return [getattr(self, f"phase_{p.value}") for p in PhaseKey]

    def chosen_phases(self) -> dict[str, date]:
        """The phases given a date: a light bulb needs one, an elevator all nine."""
        return {p.value: f.data for p, f in zip(PhaseKey, self.phase_fields(), strict=True)
                if f.data}

    def validate(self, extra_validators=None) -> bool:
        """The plan's dates are checked with the rest, so every mistake shows on this answer
        next to its field (not one at a time, submit after submit)."""
        ok = super().validate(extra_validators)
        fields = self.phase_fields()
        if not any(f.data or f.raw_data and f.raw_data[0] for f in fields):
            fields[0].errors.append(_l("请至少为一个阶段填写完成日期；小事只填一个阶段即可。"))
            ok = False
        due = self.due_on.data if not self.due_on.errors else None
        if due is not None and due < utcnow().date():
            self.due_on.errors.append(_l("完成期限不能早于今天。"))
            ok = False
        for f in fields:
            if due is not None and f.data and not f.errors and f.data > due:
                f.errors.append(_l("阶段日期不能晚于完成期限（%(due)s）。", due=due.isoformat()))
                ok = False
        return ok


for _phase in PhaseKey:
    setattr(AssignForm, f"phase_{_phase.value}",
            DateField(_phase.label, validators=[Optional(), InRange()]))


class OfferForm(FlaskForm):
    organisation_id = SelectField(_l("提供资源的组织"), coerce=int,
                                  validators=[DataRequired(_l("请选择组织。"))])
    kind = RadioField(_l("资源类型"), choices=ResourceKind.choices(),
                      validators=[DataRequired(_l("请选择资源类型。"))])
    description = StringField(_l("可以提供什么"), validators=[
        DataRequired(_l("请写明可以提供什么。")), Length(max=200)],
        description=_l("例如“LED 灯泡和灯座”“周末两名电工”“活动室，每周六上午”。"))
    quantity = StringField(_l("数量或时间（可不填）"), validators=[Length(max=60)])


class PledgeForm(FlaskForm):
    organisation_id = SelectField(_l("以哪个组织名义"), coerce=int, validators=[Optional()])
    kind = RadioField(_l("认捐什么"), choices=ResourceKind.choices(),
                      validators=[DataRequired(_l("请选择资源类型。"))])
    description = StringField(_l("具体内容"), validators=[
        DataRequired(_l("请写明认捐的具体内容。")), Length(max=200)],
        description=_l("例如“LED 灯泡 20 个”“安装工时 8 小时”。"))
    quantity = StringField(_l("数量（可不填）"), validators=[Length(max=60)])
    amount = YuanField(_l("金额或估值（元，认捐资金必填）"), render_kw={"inputmode": "decimal"})


class ReportForm(FlaskForm):
    body = TextAreaField(_l("进展情况"), validators=[
        DataRequired(_l("请写一写做了什么、下一步做什么。")), Length(max=2000)])
    percent = IntegerField(_l("完成进度（%）"), validators=[
        InputRequired(_l("请填写完成进度。")),
        NumberRange(min=0, max=99, message=_l("请填 0 到 99；全部完成请用“报告完成”。"))],
        render_kw={"inputmode": "numeric"})
    photos = MultipleFileField(_l("现场照片（可不传，最多 6 张）"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


class DoneForm(FlaskForm):
    summary = TextAreaField(_l("完成情况说明"), validators=[
        DataRequired(_l("请写明完成了哪些工作。")), Length(max=2000)],
        description=_l("居民会据此评议，请写清楚做了什么、效果如何。"))
    photos = MultipleFileField(_l("完工照片（可不传，最多 6 张）"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


class SpendingForm(FlaskForm):
    amount = YuanField(_l("金额（元）"), validators=[DataRequired(_l("请填写金额。"))],
                       render_kw={"inputmode": "decimal"})
    what = StringField(_l("用途"), validators=[DataRequired(_l("请写明用途。")), Length(max=200)])
    spent_on = DateField(_l("支出日期"), validators=[DataRequired(_l("请选择日期。")), InRange()])
    receipt = FileField(_l("票据照片（可不传）"),
                        render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ResumeForm(FlaskForm):
    plan = TextAreaField(_l("整改措施"), validators=[
        DataRequired(_l("请写明按居民意见要整改什么、怎么改。")), Length(max=2000)],
        description=_l("写好后议题回到“实施中”，整改完成后再报告完成、请居民再次评议。"))


class RateForm(FlaskForm):
    choice = RadioField(_l("您对办理结果满意吗？"), choices=Choice.choices(),
                        validators=[DataRequired(_l("请选择满意、基本满意或不满意。"))])
    comment = TextAreaField(_l("意见（可不填）"), validators=[Length(max=500)])


class CloseForm(FlaskForm):
    summary = TextAreaField(_l("结果公示"), validators=[
        DataRequired(_l("请写一段办理结果，销号后对外公示。")), Length(max=2000)])


class DecideForm(FlaskForm):
    decision = RadioField(_l("社工站的决定"), choices=[
        ("close", _l("销号：办理结果已核实，不再评议")),
        ("rectify", _l("整改：转回承接组织整改后重新评议"))],
        validators=[DataRequired(_l("请选择销号或整改。"))])
    reason = TextAreaField(_l("理由（对居民公示）"), validators=[
        DataRequired(_l("请写明作出这个决定的理由。")), Length(max=2000)],
        description=_l("例如“已上门回访 5 户，灯已修好，居民表示满意”。"))


class SuperviseForm(FlaskForm):
    message = TextAreaField(_l("督办要求"), validators=[
        DataRequired(_l("请写明督办要求。")), Length(max=500)])
