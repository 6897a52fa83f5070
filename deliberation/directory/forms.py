"""Admin forms for the street's structure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import BodyKind, BodyRole, CommunityKind, OrganisationKind

REQUIRED = DataRequired(_l("此项必填。"))


def _name(label, max_len=80):
    return StringField(label, validators=[REQUIRED, Length(max=max_len, message=_l("太长了。"))])


class StreetForm(FlaskForm):
    name = _name(_l("街道名称"))
    first_answer_days = IntegerField(_l("初审答复时限（天）"), validators=[NumberRange(1, 365)])
    notice_days = IntegerField(_l("决议公示期（天）"), validators=[NumberRange(1, 60)])
    evaluation_days = IntegerField(_l("满意度评议期（天）"), validators=[NumberRange(1, 60)])
    no_report_days = IntegerField(_l("多少天无进展报告即督办（天）"), validators=[NumberRange(1, 365)])
    verified_only = BooleanField(_l("附议、评议和异议只计经居委会核实的居民"),
                                 description=_l("在短信验证上线之前，防止用编造的手机号注册后附议或评议。"))
    council_decides = BooleanField(
        _l("街道议事会可以审议各社区的议题"),
        description=_l("不勾选时，一个社区的议题只能由有本社区居民自治委员会参加的会议审议。"))
    volunteer_points_per_hour = IntegerField(
        _l("志愿服务每小时计多少积分"), validators=[NumberRange(0, 1000)],
        description=_l("公布给居民的积分规则；改动只影响以后发布的志愿任务。"))
    redemption_days = IntegerField(_l("兑换的物品几天内未领取即退回积分（天）"),
                                   validators=[NumberRange(1, 90)])


class CommunityForm(FlaskForm):
    name = _name(_l("名称"))
    kind = SelectField(_l("类型"), choices=CommunityKind.choices())


class CategoryForm(FlaskForm):
    name = _name(_l("分类名称"), 40)
    position = IntegerField(_l("排序"), default=0, validators=[Optional(), NumberRange(0, 1000)])
    active = BooleanField(_l("启用"), default=True)


class BodyForm(FlaskForm):
    name = _name(_l("名称"))
    kind = SelectField(_l("类型"), choices=BodyKind.choices())
    community_id = SelectField(_l("所属社区（居委会必选）"), coerce=int)


class MembershipForm(FlaskForm):
    phone = StringField(_l("成员手机号"), validators=[REQUIRED], render_kw={"inputmode": "tel"})
    role = SelectField(_l("职务"), choices=BodyRole.choices())


class OrganisationForm(FlaskForm):
    name = _name(_l("名称"))
    kind = SelectField(_l("类型"), choices=OrganisationKind.choices())
    community_id = SelectField(_l("所在社区"), coerce=int)
    contact_name = StringField(_l("联系人"), validators=[Length(max=40)])
    contact_phone = StringField(_l("联系电话"), validators=[Length(max=20)])
    description = TextAreaField(_l("简介 / 能提供的资源"), validators=[Length(max=2000)])


class OrganisationMemberForm(FlaskForm):
    phone = StringField(_l("成员手机号"), validators=[REQUIRED], render_kw={"inputmode": "tel"})
