"""Forms for filing and editing matters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..core.inputs import int_arg
from .models import Channel

TITLE_MAX = 60
DESCRIPTION_MAX = 2000


class MatterForm(FlaskForm):
    title = StringField(
        _l("标题"), validators=[DataRequired(_l("请写一个标题，说清是什么事。")),
                              Length(max=TITLE_MAX, message=_l("标题不能超过 60 个字。"))],
        description=_l("一句话说清是什么事，例如“5 栋楼道灯坏了”。"))
    description = TextAreaField(
        _l("详细说明"), validators=[DataRequired(_l("请说明具体情况。")),
                                Length(max=DESCRIPTION_MAX, message=_l("详细说明不能超过 2000 个字。"))],
        description=_l("什么情况、影响到谁、希望怎么解决。"))
    category_id = RadioField(_l("分类"), coerce=int,
                             validators=[DataRequired(_l("请选择一个分类。"))],
                             invalid_choice_message=_l("请选择列表中的分类。"))
    place = StringField(_l("地点"), validators=[Length(max=120, message=_l("地点不能超过 120 个字。"))],
                        description=_l("楼栋、街巷或附近的地标，例如“5 栋 2 单元门口”。"))
    hide_name = BooleanField(_l("对外不显示我的名字（居委会和社工站仍能看到）"))
    submit_token = HiddenField()


class ScreeningForm(FlaskForm):
    """One form for every screening decision; the workflow says which fields each needs."""

    decision = RadioField(_l("初审决定"), choices=[
        ("accept", _l("列为议题")), ("return", _l("退回补充")), ("merge", _l("合并到更早的议题")),
        ("refer", _l("转办到政府部门或热线")), ("reject", _l("不予受理")),
    ], validators=[DataRequired(_l("请选择一个初审决定。"))])
    title = StringField(_l("改写后的议题标题（可不填）"),
                        validators=[Length(max=TITLE_MAX, message=_l("标题不能超过 60 个字。"))])
    scope = TextAreaField(_l("议题范围（可不填）"), validators=[Length(max=DESCRIPTION_MAX)])
    target_id = StringField(_l("合并到的议题编号"), render_kw={"inputmode": "numeric"})
    department = StringField(_l("转办部门或热线"), validators=[Length(max=80)])
    reason = TextAreaField(_l("理由或说明（退回、转办、不予受理时必填，居民可见）"),
                           validators=[Length(max=1000, message=_l("说明不能超过 1000 个字。"))])
    note = TextAreaField(_l("内部备注（只有居委会和社工站能看到）"), validators=[Length(max=1000)])


def _id(value) -> int:
    return int_arg(value, default=0)


class FilingForm(MatterForm):
    """Filing a new matter: the shared fields plus photos and the community it belongs to."""

    photos = MultipleFileField(_l("照片（可不传，最多 6 张）"))
    # A resident's own community; any other id is refused (the form can be tampered with).
    community_id = HiddenField()
    # Photos kept from an earlier try that had an error: a signed list of generated keys.
    pending_photos = HiddenField()


class StaffFilingForm(FilingForm):
    """Station staff filing on behalf of a resident (代录)."""

    channel = RadioField(_l("收集渠道"), choices=[
        (c.value, c.label) for c in Channel if c != Channel.ONLINE
    ], validators=[DataRequired(_l("请选择这件事是通过什么渠道收集的。"))],
        invalid_choice_message=_l("请选择列表中的收集渠道。"))
    resident_phone = StringField(
        _l("居民手机号（知道的话填写）"), render_kw={"inputmode": "tel", "autocomplete": "off"},
        validators=[Optional(), Regexp(r"^1\d{10}$", message=_l("请填写 11 位手机号，或者不填。"))],
        description=_l("填写后议题记在这位居民名下，他会收到办理进展的通知。"))
    notify_by_sms = BooleanField(_l("用短信告诉这位居民办理进展（手机号核实后发送）"))
    # Not limited to the choices here: the service refuses an unknown or mismatched community.
    community_id = SelectField(_l("所在社区"), coerce=_id, validate_choice=False,
                               description=_l("不知道是哪位居民时必选；知道时须与居民的社区一致。"))
