"""The needs list's query: allow-listed orders and filters, search, keyset pagination.

Every order is a keyset over an index (`ix_matter_created`, `ix_matter_cosigns`,
`ix_matter_state_created`), so page 500 costs what page 1 costs: the cursor carries the last
row's sort key and the next page starts right after it.

Search finds Chinese words inside titles and descriptions. SQLite: an FTS5 table with the
trigram tokenizer (`search_matter`, kept in sync by triggers from migration 0002). PostgreSQL:
ILIKE over `title || ' ' || description`, served by a pg_trgm GIN index on that expression.
Trigrams need three characters; a two-character word (路灯, 停车) falls back to a plain
LIKE scan in the list's order, which stops as soon as a page is full. One character is too
broad to mean anything and is ignored with a hint.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import (
    Select,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import joinedload

from ..core.inputs import MAX_ID
from ..directory.models import Category, Community
from ..extensions import db
from .models import Matter
from .states import MatterState

SORTS = ("new", "cosigns", "waiting")
MAX_TERMS = 5
MAX_QUERY = 60
# A search term with at least this many FTS hits is "common": see `search_conditions`.
COMMON_HITS = 1000


class BadQuery(ValueError):
    """An unknown order, filter or cursor; the message is for the user (answered with 400)."""


@dataclass
class NeedsQuery:
    sort: str = "new"
    state: str | None = None
    category_id: int | None = None
    community_id: int | None = None
    q: str = ""
    cursor: tuple[Any, int] | None = None
    hint: str = ""

    def args(self, **override: Any) -> dict[str, Any]:
        """URL arguments for this query (for links and the pager); empty values left out."""
        values = {"sort": self.sort if self.sort != "new" else None, "state": self.state,
                  "category": self.category_id, "community": self.community_id,
                  "q": self.q or None}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass
class Results:
    items: list[Matter]
    next_cursor: str | None
    query: NeedsQuery
    first_page: bool = True
    extra: dict = field(default_factory=dict)


def public_states() -> list[MatterState]:
    return [s for s in MatterState if s != MatterState.WITHDRAWN]


def parse(args) -> NeedsQuery:
    """Read the list's URL arguments; anything not on the allow-lists raises BadQuery."""
    nq = NeedsQuery()
    sort = args.get("sort") or "new"
    if sort not in SORTS:
        raise BadQuery(gettext("不认识的排序方式“%(v)s”。", v=sort[:20]))
    nq.sort = sort
    state = args.get("state") or None
    if state is not None and state not in {s.value for s in public_states()}:
        raise BadQuery(gettext("不认识的办理状态“%(v)s”。", v=state[:20]))
    nq.state = state
    nq.category_id = _existing_id(args.get("category"), Category, gettext("分类"))
    nq.community_id = _existing_id(args.get("community"), Community, gettext("社区"))
    q = " ".join((args.get("q") or "").split())[:MAX_QUERY]
    if q and all(len(t) < 2 for t in q.split()):
        nq.hint = gettext("请至少输入两个字再搜索。")
    nq.q = q
    if args.get("after"):
        nq.cursor = _decode(args["after"], sort)
    return nq


def _existing_id(raw: str | None, model, what: str) -> int | None:
    if not raw:
        return None
    # ASCII digits within the 32-bit key range: larger numbers overflow the database driver.
    if not (raw.isascii() and raw.isdigit() and int(raw) < 2**31) \
            or db.session.get(model, int(raw)) is None:
        raise BadQuery(gettext("没有这个%(what)s：“%(v)s”。", what=what, v=raw[:20]))
    return int(raw)


def fetch(nq: NeedsQuery, per_page: int) -> Results:
    query = base_query(nq)
    key = _sort_key(nq.sort)
    if nq.cursor is not None:
        after = tuple_(*key) > tuple_(*nq.cursor) if nq.sort == "waiting" else \
            tuple_(*key) < tuple_(*nq.cursor)
        query = query.where(after)
    order = [k.asc() for k in key] if nq.sort == "waiting" else [k.desc() for k in key]
    query = (query.order_by(*order).limit(per_page + 1)
             .options(joinedload(Matter.category), joinedload(Matter.community)))
    rows = list(db.session.scalars(query).unique())
    items, more = rows[:per_page], len(rows) > per_page
    next_cursor = _encode(nq.sort, items[-1]) if more else None
    return Results(items, next_cursor, nq, first_page=nq.cursor is None)


def base_query(nq: NeedsQuery) -> Select:
    query = select(Matter).where(Matter.state != MatterState.WITHDRAWN.value)
    if nq.sort == "waiting":
        query = query.where(Matter.state == MatterState.SUBMITTED.value,
                            Matter.first_answer_at.is_(None))
    if nq.state:
        query = query.where(Matter.state == nq.state)
    if nq.category_id:
        query = query.where(Matter.category_id == nq.category_id)
    if nq.community_id:
        query = query.where(Matter.community_id == nq.community_id)
    for condition in search_conditions(nq.q):
        query = query.where(condition)
    return query


def search_conditions(q: str) -> list:
    terms = [t for t in q.split() if len(t) >= 2][:MAX_TERMS]
    if not terms:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        text_of = Matter.title.op("||")(literal_column("' '")).op("||")(Matter.description)
        return [text_of.ilike(_like(t), escape="\\") for t in terms]
    conditions = [or_(Matter.title.ilike(_like(t), escape="\\"),
                      Matter.description.ilike(_like(t), escape="\\"))
                  for t in terms if len(t) < 3]
    long_terms = [t for t in terms if len(t) >= 3]
    if long_terms:
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        hits = (select(column("rowid")).select_from(table("search_matter"))
                .where(text("search_matter MATCH :fts").bindparams(fts=match)))
        # A rare term: fetch its few hits by primary key and sort them. A common one (thousands
        # of hits): fetching and sorting them all costs tens of milliseconds, while walking the
        # list's own order index and probing the hits finds a page in a few hundred rows.
        # `id + 0` keeps SQLite from using the primary key for the IN, so it walks the index.
        common = db.session.scalar(select(func.count()).select_from(
            hits.limit(COMMON_HITS).subquery())) >= COMMON_HITS
        probe = Matter.id + literal_column("0") if common else Matter.id
        conditions.append(probe.in_(hits))
    return conditions


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sort_key(sort: str) -> tuple:
    if sort == "cosigns":
        return (Matter.cosign_count, Matter.id)
    return (Matter.created_at, Matter.id)


def _encode(sort: str, last: Matter) -> str:
    value: Any = last.cosign_count if sort == "cosigns" else last.created_at.isoformat()
    raw = json.dumps([sort, value, last.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, sort: str) -> tuple[Any, int]:
    problem = BadQuery(gettext("翻页参数无效，请回到第一页重新浏览。"))
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        kind, value, last_id = json.loads(raw)
        if kind != sort or not _fits(last_id):
            raise problem
        if sort == "cosigns":
            if not _fits(value):
                raise problem
            return (value, last_id)
        return (datetime.fromisoformat(value), last_id)
    except (ValueError, TypeError) as exc:
        raise problem from exc


def _fits(value: object) -> bool:
    """An integer a 64-bit column can be compared with (larger ones overflow the driver)."""
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID <= value <= MAX_ID


def autogenerate_include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic autogenerate: objects named `search_*` are hand-written in migrations (FTS)."""
    return not (name or "").startswith("search_")


# --- similar matters while filing -------------------------------------------------------------
MAX_GRAMS = 12
SIMILAR_CANDIDATES = 50


def title_grams(title: str) -> list[str]:
    """The two-character pieces of a title (Chinese has no spaces to split words on), and
    whole Latin words; at most MAX_GRAMS, in order, without repeats."""
    grams: list[str] = []
    for run in re.findall(r"\w+", title or ""):
        if run.isascii():
            pieces = [run] if len(run) >= 2 and not run.isdigit() else []
        else:
            pieces = [run[i:i + 2] for i in range(len(run) - 1)]
        grams += [p for p in pieces if p not in grams and not p.isdigit()]
    return grams[:MAX_GRAMS]


def similar(title: str, community_id: int, states: list[str], limit: int = 5) -> list[Matter]:
    """Matters of one community in `states` whose title or description shares pieces with
    `title`, the closest first: a title sharing more pieces ranks higher, then more co-signs.

    Each piece is matched by the needs list's own search (`search_conditions`)."""
    grams = title_grams(title)
    if not grams:
        return []
    matches = [and_(*search_conditions(g)) for g in grams]
    rows = db.session.scalars(
        select(Matter).where(Matter.community_id == community_id, Matter.state.in_(states),
                             or_(*matches))
        .order_by(Matter.created_at.desc(), Matter.id.desc()).limit(SIMILAR_CANDIDATES)).all()
    # One shared piece among many is chance (好了, 小区); short titles have few pieces to share.
    needed = 1 if len(grams) <= 2 else 2
    scored = []
    for m in rows:
        title_text, body = m.title.lower(), m.description.lower()
        in_title = sum(g.lower() in title_text for g in grams)
        shared = sum(g.lower() in title_text or g.lower() in body for g in grams)
        if shared >= needed:
            scored.append((-(2 * in_title + shared), -m.cosign_count, -m.id, m))
    return [row[-1] for row in sorted(scored, key=lambda r: r[:3])[:limit]]
