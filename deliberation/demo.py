"""The demo street, built through the same services the pages call (so the audit log is real)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from .accounts import services as accounts
from .accounts.models import Role, User
from .core import time as clock
from .directory import services as directory
from .directory.models import (
    Body,
    BodyKind,
    BodyRole,
    Category,
    Community,
    CommunityKind,
    Membership,
    Organisation,
    OrganisationKind,
    Street,
)
from .extensions import db
from .matters import services as matters
from .matters import workflow
from .matters.models import Matter

DEMO_PASSWORD = "Yishiyiyi2026"  # noqa: S105  (published demo logins, demo data only)
CATEGORIES = ["环境卫生", "设施维修", "加装电梯", "停车交通", "安全隐患", "养老助残", "儿童青少年",
              "文体活动", "其他"]

# (phone, name, role-description) for the printed login table, filled as users are made.
LOGINS: list[tuple[str, str, str]] = [
    ("13900000001", "平台管理员", "平台管理员"),
    ("13900000002", "社工站 周敏", "社工站工作人员"),
    ("13900000011", "幸福社区 陈主任", "幸福社区居委会主任（初审）"),
    ("13900000012", "幸福社区 林秘书", "幸福社区居委会秘书（记录员）"),
    ("13900000051", "社联会 吴会长", "社会组织联合会会长（议事会）"),
    ("13900000041", "商联会 郑老板", "商业联合会会员（认捐）"),
    ("13900000061", "暖阳 刘社工", "承接组织（暖阳为老服务中心）：报告进展"),
    ("13800000101", "王阿姨", "居民（幸福社区）"),
    ("13800000102", "李大爷", "居民（幸福社区）"),
    ("13800000201", "赵女士", "居民（和平社区）"),
]


def print_logins(echo: Callable[[str], None]) -> None:
    echo("")
    echo(f"演示账号（密码都是 {DEMO_PASSWORD}）：")
    for phone, name, role in LOGINS:
        echo(f"  {phone}  {name:<12}  {role}")
    echo("")


def _user(phone: str, name: str, community: Community | None, household: str = "",
          role: Role = Role.RESIDENT, by: User | None = None) -> User:
    return accounts.create_user(phone=phone, display_name=name, password=DEMO_PASSWORD,
                                community_id=community.id if community else None,
                                household=household, role=role, created_by=by)


def load() -> None:
    now = clock.utcnow()
    clock.freeze(now - timedelta(days=80))
    try:
        _load(now)
    finally:
        clock.freeze(None)


def _at(now, days_ago: float) -> None:
    clock.freeze(now - timedelta(days=days_ago))


def _load(now) -> None:
    # The demo street lets its 联席会议 decide any community's matters (the demo's joint meeting).
    street = Street(name="示范街道", council_decides=True)
    db.session.add(street)
    db.session.flush()
    admin = _user("13900000001", "平台管理员", None, role=Role.ADMIN)
    staff = _user("13900000002", "社工站 周敏", None, role=Role.STAFF, by=admin)
    communities = []
    for name, kind in (("幸福社区", CommunityKind.COMMUNITY), ("和平社区", CommunityKind.COMMUNITY),
                       ("光明村", CommunityKind.VILLAGE)):
        communities.append(directory.save(Community(), admin.id,
                                          {"name": name, "kind": kind.value, "street_id": street.id}))
    xingfu, heping, guangming = communities
    for position, name in enumerate(CATEGORIES):
        directory.save(Category(), admin.id, {"name": name, "position": position, "active": True})

    def body(name: str, kind: BodyKind, community: Community | None = None) -> Body:
        return directory.save(Body(), admin.id, {"name": name, "kind": kind.value,
                                                  "community_id": community.id if community else None})

    committees = {c.id: body(f"{c.name}居民自治委员会", BodyKind.COMMITTEE, c) for c in communities}
    federation = body("示范街道社会组织联合会", BodyKind.FEDERATION)
    business = body("示范街道商业联合会", BodyKind.BUSINESS)
    station = body("示范街道社会工作服务站", BodyKind.STATION)
    joint = body("示范街道联席会议", BodyKind.COUNCIL)

    # Committee members: a chair, a recorder and two members per community.
    member_no = 11
    for index, c in enumerate(communities):
        names = [("陈主任", BodyRole.CHAIR), ("林秘书", BodyRole.RECORDER),
                 ("黄委员", BodyRole.MEMBER), ("何委员", BodyRole.MEMBER)]
        for offset, (name, role) in enumerate(names):
            phone = f"139000000{member_no + index * 10 + offset:02d}"
            u = _user(phone, f"{c.name} {name}", c, household=f"{offset + 1} 栋", by=staff)
            directory.add_member(committees[c.id], u.id, role.value, admin.id)
            directory.add_member(joint, u.id, BodyRole.MEMBER.value, admin.id)
    for offset, name in enumerate(("吴会长", "孙理事", "钱理事", "冯理事", "卫理事")):
        u = _user(f"139000000{51 + offset}", f"社联会 {name}", xingfu, by=staff)
        directory.add_member(federation, u.id,
                             (BodyRole.CHAIR if offset == 0 else BodyRole.MEMBER).value, admin.id)
    directory.add_member(station, staff.id, BodyRole.CHAIR.value, admin.id)
    directory.add_member(joint, staff.id, BodyRole.RECORDER.value, admin.id)

    orgs = {
        "social": directory.save(Organisation(), admin.id, {
            "name": "暖阳为老服务中心", "kind": OrganisationKind.SOCIAL.value,
            "community_id": xingfu.id, "contact_name": "刘社工",
            "description": "为老服务、助餐、上门探访"}),
        "business": directory.save(Organisation(), admin.id, {
            "name": "邻里五金店", "kind": OrganisationKind.BUSINESS.value,
            "community_id": xingfu.id, "contact_name": "郑老板",
            "description": "五金材料、灯具，可提供维修工时"}),
        "volunteer": directory.save(Organisation(), admin.id, {
            "name": "幸福社区志愿服务队", "kind": OrganisationKind.VOLUNTEER.value,
            "community_id": xingfu.id, "description": "环境整治、秩序维护"}),
    }
    shop_owner = _user("13900000041", "商联会 郑老板", xingfu, household="沿街商铺 12 号", by=staff)
    directory.add_member(business, shop_owner.id, BodyRole.MEMBER.value, admin.id)
    directory.add_org_member(orgs["business"], shop_owner.id, admin.id)

    residents = {
        "wang": _user("13800000101", "王阿姨", xingfu, "5 栋 2 单元 301"),
        "li": _user("13800000102", "李大爷", xingfu, "3 栋 1 单元 102"),
        "zhang": _user("13800000103", "张先生", xingfu, "8 栋 501"),
        "zhao": _user("13800000201", "赵女士", heping, "2 栋 603"),
        "qian": _user("13800000202", "钱师傅", heping, "6 栋 101"),
        "sun": _user("13800000301", "孙大姐", guangming, "三组 17 号"),
    }
    db.session.flush()
    categories = {c.name: c for c in db.session.scalars(db.select(Category))}
    # A social worker of 暖阳为老服务中心 who carries adopted matters out and reports progress.
    worker = _user("13900000061", "暖阳 刘社工", xingfu, by=staff)
    directory.add_org_member(orgs["social"], worker.id, admin.id)
    _whole_loop(now, residents, categories)
    _matters(now, residents, staff, categories=categories)
    from .meetings.demo import demo_steps as meetings_demo

    meetings_demo(now)
    _upcoming(now, residents, categories)


def _upcoming(now, residents: dict[str, User], categories: dict) -> None:
    """An accepted matter, one on next week's published agenda, and one its proposer withdrew."""
    from .meetings import services as meetings

    heping_chair = _chair_of(residents["zhao"].community_id)
    recorder = db.session.scalar(db.select(User).where(User.phone == "13900000022"))
    waste = db.session.scalar(db.select(Matter).where(Matter.title == "垃圾分类点太臭"))
    childcare = db.session.scalar(db.select(Matter).where(Matter.title == "想办儿童暑期托管"))
    _at(now, 0.8)
    workflow.accept(waste, heping_chair, scope="与物业、清运公司商定清运时间，改善分类点卫生。")
    workflow.accept(childcare, heping_chair)
    committee = db.session.scalar(db.select(Body).where(Body.name == "和平社区居民自治委员会"))
    meeting = meetings.create_meeting(heping_chair, body_ids=[committee.id],
                                      title="和平社区居民议事会（下周）",
                                      starts_at=now + timedelta(days=6), place="和平社区活动室",
                                      mode="both", chair_id=heping_chair.id, recorder_id=recorder.id)
    meetings.add_item(meeting, childcare, heping_chair)
    meetings.publish(meeting, heping_chair)
    _at(now, 0.5)
    m, _created = matters.file_matter(filer=residents["qian"], title="楼顶水箱有异味",
                                      description="6 栋自来水有点味道。", category_id=categories["其他"].id,
                                      place="6 栋")
    _at(now, 0.4)
    workflow.withdraw(m, residents["qian"], reason="物业已经清洗过水箱，没问题了。")


# Matters that went through the whole loop two months ago: adopted in a meeting, then carried
# out, evaluated, rectified and closed by the tracking demo (one per end state it knows).
LOOP_MATTERS = [
    ("wang", "中心花园路灯不亮", "花园里三盏路灯坏了，晚上散步看不清路。", "设施维修", "中心花园"),
    ("li", "单元门禁经常坏", "3 栋 1 单元门禁常坏，外人随便进。", "安全隐患", "3 栋 1 单元"),
    ("zhang", "楼下需要休息座椅", "老人买菜回来没地方歇脚，希望楼下放几张长椅。", "养老助残", "8 栋楼下"),
    ("wang", "垃圾桶不够用", "5 栋旁的垃圾桶每天都满出来。", "环境卫生", "5 栋旁"),
    ("li", "自行车棚漏雨", "车棚顶棚破了，下雨电动车都淋湿。", "设施维修", "3 栋车棚"),
]


def _whole_loop(now, residents: dict[str, User], categories: dict) -> None:
    from .meetings.demo import _hold
    from .tracking.demo import demo_steps as tracking_demo

    committee = db.session.scalar(db.select(Body).where(Body.name == "幸福社区居民自治委员会"))
    members = sorted((m.user for m in committee.memberships), key=lambda u: u.phone)
    chair, recorder = members[0], members[1]
    ids = []
    for offset, (who, title, description, category, place) in enumerate(LOOP_MATTERS):
        _at(now, 75 - offset)
        m, _created = matters.file_matter(filer=residents[who], title=title, description=description,
                                          category_id=categories[category].id, place=place)
        _at(now, 73 - offset)
        workflow.accept(m, chair)
        _at(now, 68 - offset)
        _hold(body=committee, title=f"幸福社区居民议事会（第 {offset + 1} 次）", chair=chair,
              recorder=recorder, matter=m, place="幸福社区活动中心二楼", present=members,
              votes={"yes": 3, "abstain": 1}, ballot="open", speakers=[(members[2], "for")])
        ids.append(m.id)
    tracking_demo(ids, now)
    from .volunteers.demo import demo_steps as volunteers_demo

    volunteers_demo(now, [residents["wang"], residents["li"]])


def _chair_of(community_id: int) -> User:
    return db.session.scalar(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .join(Body, Body.id == Membership.body_id)
        .where(Body.kind == BodyKind.COMMITTEE.value, Body.community_id == community_id,
               Membership.role == BodyRole.CHAIR.value))


def _matters(now, residents: dict[str, User], staff: User, categories: dict) -> None:
    cat = categories

    def file(who: str, title: str, description: str, category: str, place: str, days_ago: float,
             hide: bool = False):
        _at(now, days_ago)
        m, _created = matters.file_matter(filer=residents[who], title=title, description=description,
                                          category_id=cat[category].id, place=place, hide_name=hide)
        return m

    lamp = file("wang", "5 栋楼道灯坏了", "5 栋 2 单元一到三楼的楼道灯都不亮，晚上老人上下楼很危险。",
                "设施维修", "5 栋 2 单元", 28)
    lift = file("li", "3 栋想加装电梯", "3 栋住了很多老人，爬楼困难，希望讨论加装电梯，费用怎么分摊。",
                "加装电梯", "3 栋", 26)
    file("zhang", "小区东门乱停车", "东门口经常被车堵住，消防通道也被占了。", "停车交通", "东门", 20)
    dup = file("zhang", "5 栋楼梯灯不亮", "5 栋楼梯灯坏了好几天。", "设施维修", "5 栋", 18)
    file("wang", "希望办老年人助餐点", "附近没有吃饭的地方，独居老人吃饭难，希望有个助餐点。",
         "养老助残", "社区活动中心", 15, hide=True)
    file("zhao", "垃圾分类点太臭", "2 栋旁的垃圾分类点夏天很臭，清运不及时。", "环境卫生", "2 栋旁", 12)
    road = file("qian", "路口红绿灯时间太短", "学校门口路口的绿灯太短，孩子过马路来不及。",
                "停车交通", "学校门口路口", 11)
    noise = file("sun", "广场舞音响太吵", "晚上九点以后还有音响，影响休息。", "文体活动", "村文化广场", 9)
    file("li", "楼下想装电动车充电桩", "楼道里有人拉线给电动车充电，很不安全，希望在车棚旁装集中充电桩。",
         "安全隐患", "3 栋车棚旁", 7)
    file("li", "健身器材生锈", "花园里的健身器材生锈了，有的螺丝松动。", "安全隐患", "中心花园", 2)
    file("zhao", "想办儿童暑期托管", "双职工家庭暑假孩子没人看，希望社区组织托管。", "儿童青少年",
         "社区活动中心", 1)

    xingfu_chair = _chair_of(lamp.community_id)
    heping_chair = _chair_of(road.community_id)
    guangming_chair = _chair_of(noise.community_id)
    _at(now, 25)
    workflow.accept(lamp, xingfu_chair, scope="修复 5 栋 2 单元 1-3 楼楼道灯，并排查其他单元。")
    _at(now, 17)
    workflow.merge(dup, xingfu_chair, target=lamp, reason=f"与 #{lamp.id} 是同一件事，合并办理。")
    _at(now, 24)
    workflow.return_for_detail(lift, xingfu_chair,
                               reason="请补充：3 栋几个单元、每单元几户、大致多少户同意加装。")
    _at(now, 10)
    workflow.refer(road, heping_chair, department="区交通管理部门（12345 热线）",
                   reason="红绿灯配时属交警部门管理，已转 12345 热线并将跟进答复。")
    _at(now, 8)
    workflow.reject(noise, guangming_chair,
                    reason="已由村委会当面协调广场舞队伍，九点后停止使用音响，无需再议。")
