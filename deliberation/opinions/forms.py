"""Forms for opinions, replies, reports, moderation and the summary."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from .models import ReportReason, Stance
from .services import SUMMARY_MAX, TEXT_MAX

_TEXT = [DataRequired(_l("请写下您的意见。")),
         Length(max=TEXT_MAX, message=_l("意见不能超过 1000 个字。"))]


class OpinionForm(FlaskForm):
    stance = RadioField(_l("您的态度"), choices=Stance.choices(),
                        validators=[DataRequired(_l("请选择支持、反对或建议。"))],
                        invalid_choice_message=_l("请选择支持、反对或建议。"))
    text = TextAreaField(_l("您的意见"), validators=_TEXT,
                         description=_l("说说您的理由或建议，会议前居委会会汇总大家的意见。"))
    photo = FileField(_l("照片（可不传，最多 1 张）"))


class ReplyForm(FlaskForm):
    parent_id = HiddenField()
    text = TextAreaField(_l("回复"), validators=[
        DataRequired(_l("请写下回复的内容。")),
        Length(max=TEXT_MAX, message=_l("回复不能超过 1000 个字。"))])


class EditForm(FlaskForm):
    stance = RadioField(_l("您的态度"), choices=Stance.choices(),
                        invalid_choice_message=_l("请选择支持、反对或建议。"))
    text = TextAreaField(_l("您的意见"), validators=_TEXT)


class ReportForm(FlaskForm):
    reason = RadioField(_l("举报理由"), choices=ReportReason.choices(),
                        validators=[DataRequired(_l("请选择举报理由。"))],
                        invalid_choice_message=_l("请选择举报理由。"))


class HideForm(FlaskForm):
    reason = RadioField(_l("隐藏理由（居民可见）"), choices=ReportReason.choices(),
                        validators=[DataRequired(_l("请选择隐藏的理由。"))],
                        invalid_choice_message=_l("请选择隐藏的理由。"))
    note = TextAreaField(_l("补充说明（可不填，居民可见）"),
                         validators=[Length(max=200, message=_l("补充说明不能超过 200 个字。"))])


class SummaryForm(FlaskForm):
    text = TextAreaField(_l("意见汇总"), validators=[
        DataRequired(_l("请写下意见汇总。")),
        Length(max=SUMMARY_MAX, message=_l("意见汇总不能超过 3000 个字。"))],
        description=_l("概括支持、反对的主要理由和居民的建议，会随会议议程和纪要一起公布。"))
