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
