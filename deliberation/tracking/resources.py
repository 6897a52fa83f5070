"""The resource list (辖区资源清单): standing offers, and pledges against matters (认捐)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..core import audit, errors
from ..core.pagination import Page, paginate
from ..core.time import utcnow
from ..directory.models import BodyKind, Organisation, OrganisationMember
from ..extensions import db
from ..matters import follows
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_
from .models import Offer, Pledge, PledgeStatus, ResourceKind

if TYPE_CHECKING:
    from ..accounts.models import User

# Pledges are welcome from adoption until the work is reported done (and again while rectifying).
PLEDGE_OPEN = frozenset({MatterState.ADOPTED, MatterState.IN_NOTICE, MatterState.IN_PROGRESS,
                         MatterState.RECTIFYING})


def organisations_of(user: User | None) -> list[Organisation]:
    if user is None or not user.is_authenticated:
        return []
    return list(db.session.scalars(
        select(Organisation).join(OrganisationMember)
        .where(OrganisationMember.user_id == user.id).order_by(Organisation.name)))


def may_give(user: User | None) -> bool:
    """Members of the business association and of organisations may offer and pledge."""
    return bool(user and user.is_authenticated
                and (user.sits_on(BodyKind.BUSINESS) or organisations_of(user)))


def may_pledge(matter: Matter, user: User | None) -> bool:
    """The "pledge" ability: givers, while the matter takes pledges."""
    return matter.status in PLEDGE_OPEN and may_give(user)


def can_offer_for(user: User | None, organisation_id: int) -> bool:
    return bool(user and user.is_authenticated and (
        user.is_staff or any(o.id == organisation_id for o in organisations_of(user))))


def add_offer(actor: User, *, organisation_id: int, kind: str, description: str,
              quantity: str = "") -> Offer:
    if not can_offer_for(actor, organisation_id):
        raise errors.Forbidden(gettext("只能为自己所在的组织登记资源。"))
    offer = Offer(organisation_id=organisation_id, kind=ResourceKind(kind).value,
                  description=description.strip(), quantity=quantity.strip(),
                  created_by_id=actor.id, created_at=utcnow())
    db.session.add(offer)
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="offer", subject_id=offer.id, action="create",
                 details={"organisation_id": organisation_id, "kind": kind,
                          "description": offer.description})
    return offer


def withdraw_offer(offer: Offer, actor: User) -> None:
    if not can_offer_for(actor, offer.organisation_id):
        raise errors.Forbidden(gettext("只能撤下自己组织的资源。"))
    offer.active = False
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="offer", subject_id=offer.id, action="withdraw")


def pledge(matter: Matter, actor: User, *, kind: str, description: str, quantity: str = "",
           amount_cents: int = 0, organisation_id: int | None = None) -> Pledge:
    """Pledge resources against a matter, for one's organisation or as a business member."""
    if not may_give(actor):
        raise errors.Forbidden(gettext("商业联合会会员或社会组织成员才能认捐。"))
    if matter.status not in PLEDGE_OPEN:
        raise errors.Refused(gettext("此议题当前为「%(state)s」，不再接受认捐。",
                                       state=matter.status.label))
    if organisation_id is not None and organisation_id not in {o.id for o in organisations_of(actor)}:
        raise errors.Forbidden(gettext("只能以自己所在的组织名义认捐。"))
    kind = ResourceKind(kind).value
    if kind == ResourceKind.MONEY.value and amount_cents <= 0:
        raise errors.Refused(gettext("认捐资金请填写金额。"))
    p = Pledge(matter_id=matter.id, organisation_id=organisation_id, pledged_by_id=actor.id,
               kind=kind, description=description.strip(), quantity=quantity.strip(),
               amount_cents=max(amount_cents, 0), created_at=utcnow())
    db.session.add(p)
    db.session.flush()
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    entry = audit.record(
        actor_id=actor.id, subject_type="matter", subject_id=matter.id, action="pledge",
        reason=p.description,
        details={"pledge": p.id, "kind": kind, "quantity": p.quantity,
                 "amount_cents": p.amount_cents, "organisation": org.name if org else ""})
    follows.follow(matter, actor.id)
    follows.notify_followers(matter, entry, exclude=actor.id)
    return p


def fulfil(p: Pledge, matter: Matter, actor: User) -> None:
    """Staff confirm that what was pledged has arrived."""
    if not actor.is_staff:
        raise errors.Forbidden(gettext("只有社工站工作人员可以确认资源到位。"))
    now = utcnow()
    result = db.session.execute(
        update(Pledge).where(Pledge.id == p.id, Pledge.status == PledgeStatus.PLEDGED.value)
        .values(status=PledgeStatus.FULFILLED.value, fulfilled_at=now, fulfilled_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise errors.Refused(gettext("这项认捐已经确认到位了。"))
    db.session.refresh(p)
    entry = audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                         action="pledge_fulfilled", reason=p.description,
                         details={"pledge": p.id, "kind": p.kind})
    notifications.notify_users({p.pledged_by_id} - {actor.id}, kind="pledge_fulfilled",
                               message=N_("您认捐的「%(d)s」已确认到位，谢谢！", d=p.description),
                               matter=matter, entry=entry)


@dataclass(frozen=True)
class PledgeTotals:
    pledged: int
    delivered: int
    money_pledged_cents: int
    money_delivered_cents: int


def totals(matter_id: int) -> PledgeTotals:
    rows = db.session.execute(
        select(Pledge.status, Pledge.kind, func.count(), func.coalesce(func.sum(Pledge.amount_cents), 0))
        .where(Pledge.matter_id == matter_id).group_by(Pledge.status, Pledge.kind)).all()
    pledged = sum(r[2] for r in rows)
    delivered = sum(r[2] for r in rows if r[0] == PledgeStatus.FULFILLED.value)
    money = [r for r in rows if r[1] == ResourceKind.MONEY.value]
    return PledgeTotals(pledged, delivered, int(sum(r[3] for r in money)),
                        int(sum(r[3] for r in money if r[0] == PledgeStatus.FULFILLED.value)))


def pledges_of(matter_id: int) -> list[Pledge]:
    return list(db.session.scalars(select(Pledge).where(Pledge.matter_id == matter_id)
                                   .order_by(Pledge.created_at, Pledge.id)))


def pledge_list(page: str | int | None, *, per_page: int = 20) -> Page:
    """Every pledge on the resource list, newest first: (pledge, matter) rows. Pledges are made
    only on adopted matters, which are public; withdrawn ones are left out all the same."""
    query = (select(Pledge, Matter).join(Matter, Matter.id == Pledge.matter_id)
             .where(Matter.state != MatterState.WITHDRAWN.value)
             .options(joinedload(Pledge.organisation), joinedload(Pledge.pledged_by))
             .order_by(Pledge.created_at.desc(), Pledge.id.desc()))
    return paginate(query, page, per_page=per_page, rows=True)


def active_offers() -> list[Offer]:
    return list(db.session.scalars(select(Offer).join(Organisation).where(Offer.active.is_(True))
                                   .order_by(Organisation.name, Offer.created_at)))
