"""Build test data through the same services the app uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from werkzeug.security import generate_password_hash

from deliberation.accounts.models import Role, User
from deliberation.directory import services as directory
from deliberation.directory.models import (
    Body,
    BodyKind,
    BodyRole,
    Category,
    Community,
    Organisation,
    OrganisationKind,
    Street,
)
from deliberation.extensions import db
from deliberation.matters import services as matters
from deliberation.matters.models import Matter

PASSWORD = "Correct-Horse-42"
_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
_phones = itertools.count(1)


def phone() -> str:
    return f"137{next(_phones):08d}"


def user(community: Community | None = None, *, role: Role = Role.RESIDENT, name: str = "",
         household: str = "1 栋 101") -> User:
    u = User(phone=phone(), display_name=name or f"居民{next(_phones)}", password_hash=_HASH,
             role=role.value, community_id=community.id if community else None,
             household=household)
    db.session.add(u)
    db.session.flush()
    return u


@dataclass
class World:
    """Two communities (A and B), each with a committee (chair, recorder, member) and residents;
    a federation council, a business association with a shop owner, station staff, an admin."""

    street: Street
    a: Community
    b: Community
    categories: list[Category]
    committee_a: Body
    committee_b: Body
    federation: Body
    business: Body
    chair_a: User
    recorder_a: User
    member_a: User
    chair_b: User
    resident_a: User
    resident_a2: User
    resident_b: User
    council_member: User
    shop_owner: User
    staff: User
    admin: User
    shop: Organisation
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        street = Street(name="测试街道")
        db.session.add(street)
        db.session.flush()
        admin = user(role=Role.ADMIN, name="管理员")
        a = directory.save(Community(), admin.id, {"name": "幸福社区", "street_id": street.id})
        b = directory.save(Community(), admin.id, {"name": "和平社区", "street_id": street.id})
        categories = [directory.save(Category(), admin.id, {"name": n, "position": i})
                      for i, n in enumerate(["设施维修", "环境卫生", "其他"])]

        def body(name, kind, community=None):
            return directory.save(Body(), admin.id, {"name": name, "kind": kind.value,
                                                      "community_id": community.id if community else None})

        committee_a = body("幸福居委会", BodyKind.COMMITTEE, a)
        committee_b = body("和平居委会", BodyKind.COMMITTEE, b)
        federation = body("社联会", BodyKind.FEDERATION)
        business = body("商联会", BodyKind.BUSINESS)
        chair_a, recorder_a, member_a = (user(a, name=n) for n in ("陈主任", "林秘书", "黄委员"))
        chair_b = user(b, name="和平主任")
        for u, role, c in ((chair_a, BodyRole.CHAIR, committee_a),
                           (recorder_a, BodyRole.RECORDER, committee_a),
                           (member_a, BodyRole.MEMBER, committee_a),
                           (chair_b, BodyRole.CHAIR, committee_b)):
            directory.add_member(c, u.id, role.value, admin.id)
        council_member = user(a, name="社联理事")
        directory.add_member(federation, council_member.id, BodyRole.MEMBER.value, admin.id)
        shop_owner = user(a, name="郑老板")
        directory.add_member(business, shop_owner.id, BodyRole.MEMBER.value, admin.id)
        shop = directory.save(Organisation(), admin.id, {"name": "五金店",
                                                          "kind": OrganisationKind.BUSINESS.value})
        directory.add_org_member(shop, shop_owner.id, admin.id)
        world = cls(street=street, a=a, b=b, categories=categories, committee_a=committee_a,
                    committee_b=committee_b, federation=federation, business=business,
                    chair_a=chair_a, recorder_a=recorder_a, member_a=member_a, chair_b=chair_b,
                    resident_a=user(a, name="王阿姨"), resident_a2=user(a, name="李大爷"),
                    resident_b=user(b, name="赵女士"), council_member=council_member,
                    shop_owner=shop_owner, staff=user(role=Role.STAFF, name="社工小周"),
                    admin=admin, shop=shop)
        db.session.commit()
        return world

    def matter(self, proposer: User | None = None, **kwargs) -> Matter:
        proposer = proposer or self.resident_a
        values = {"title": "5 栋楼道灯坏了", "description": "一到三楼都不亮。",
                  "category_id": self.categories[0].id, "place": "5 栋"}
        values.update(kwargs)
        m, _ = matters.file_matter(filer=proposer, **values)
        db.session.commit()
        return m

    def roles(self) -> dict[str, User | None]:
        """The role x route matrix's users."""
        return {
            "anonymous": None, "resident": self.resident_a, "committee": self.chair_a,
            "council": self.council_member, "business": self.shop_owner, "staff": self.staff,
            "admin": self.admin,
        }


# --- matters put straight into a later state (test set-up only) -----------------------------
# The database requires a scheduled matter to reference its agenda item, and a matter voted on
# (adopted, not adopted and every state after adoption) the item whose vote decided it. Tests
# that start from such a state give it those through `reach`, as a meeting would have.

def agenda_item(matter: Matter, *, outcome: str | None = None, meeting=None):
    """`matter` on the agenda of `meeting` (a fresh meeting of its community's committee unless
    given): pending, or closed by a show-of-hands vote with `outcome` ('adopted', 'not_adopted')."""
    import secrets
    from datetime import timedelta

    from sqlalchemy import select

    from deliberation.core.time import utcnow
    from deliberation.meetings.models import AgendaItem, Meeting

    if meeting is None:
        committee = db.session.scalar(select(Body).where(
            Body.community_id == matter.community_id, Body.kind == BodyKind.COMMITTEE.value))
        meeting = Meeting(title="议事会", starts_at=utcnow() - timedelta(days=1),
                          chair_id=matter.filed_by_id, recorder_id=matter.filed_by_id,
                          rule_preset="council_majority", checkin_code=secrets.token_hex(5),
                          created_by_id=matter.filed_by_id,
                          bodies=[committee] if committee is not None else [])
        db.session.add(meeting)
        db.session.flush()
    item = AgendaItem(meeting_id=meeting.id, matter_id=matter.id, motion=matter.title,
                      method="hands")
    if outcome is not None:
        item.state, item.outcome, item.closed_at = "closed", outcome, utcnow()
        item.yes, item.no, item.abstain = (3, 0, 0) if outcome == "adopted" else (0, 3, 0)
        item.members_base = item.present_base = 3
    db.session.add(item)
    db.session.flush()
    return item


def reach(matter: Matter, state) -> Matter:
    """Put `matter` straight into `state` (a MatterState or its value) with the agenda item the
    database requires of it; flushes, the caller commits."""
    from deliberation.matters.states import DECIDED, MatterState

    value = getattr(state, "value", state)
    if MatterState(value) in DECIDED and matter.decided_by_item_id is None:
        item = agenda_item(matter, outcome="not_adopted" if value == "not_adopted" else "adopted")
        matter.agenda_item_id = matter.decided_by_item_id = item.id
    elif value == MatterState.SCHEDULED.value and matter.agenda_item_id is None:
        matter.agenda_item_id = agenda_item(matter).id
    if MatterState(value) not in DECIDED:
        matter.decided_by_item_id = None
    matter.state = value
    db.session.flush()
    return matter


# --- a vote under way, and signed-in cookies (the vote storms: tests and bench/) -------------

def vote_under_way(staff: User, body_ids: list[int], matter: Matter, attendees, *, ballot: str = "open",
                   check_in: bool = True, title: str = "代表会议"):
    """A meeting of the bodies convened, chaired and recorded by `staff` with `matter` its only
    item, started, `attendees` present, the item debated and its vote open: the agenda item.
    `check_in=False` writes the attendance rows directly (hundreds of voters; check-in itself
    is tested elsewhere). Flushes; the caller commits."""
    from deliberation.meetings import debate, services, voting
    from deliberation.meetings.models import Attendance

    meeting = services.create_meeting(staff, body_ids=body_ids, title=title, starts_at=matter.created_at,
                                      place="礼堂", mode="in_person", chair_id=staff.id, recorder_id=staff.id)
    services.add_item(meeting, matter, staff)
    services.publish(meeting, staff)
    services.start(meeting, staff)
    if check_in:
        for u in attendees:
            services.check_in(meeting, u)
    else:
        db.session.add_all(Attendance(meeting_id=meeting.id, user_id=u.id) for u in attendees)
    item = meeting.items[0]
    debate.open_debate(item, staff)
    voting.open_vote(item, staff, ballot=ballot)
    db.session.flush()
    return item


def signed_in(app, user: User) -> tuple[str, str]:
    """A session cookie for `user` and its CSRF token, made as Flask-Login and Flask-WTF make them
    (logging hundreds of voters in through scrypt would only measure the password hash)."""
    import hashlib
    import os

    from itsdangerous import URLSafeTimedSerializer

    raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 (what Flask-WTF does)
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True, "csrf_token": raw})
    return cookie, URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
