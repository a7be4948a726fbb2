"""The search: one query per record type, each through the type's scope rule, with a LIMIT.

An overview (every type) reads up to ``limit`` results of each type; one type (``kinds=[name]``)
reads a page of it from ``offset``. Each type's statement asks for one row more than it shows,
so ``more`` says whether a further page exists without counting every match (a common surname
matches hundreds of thousands of people: counting them would cost more than the search).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import BY_NAME, KINDS, Kind, Query

OVERVIEW_LIMIT = 5  # results per type on the overview
PAGE_LIMIT = 20  # results per page of one type
MAX_LIMIT = 50
MAX_OFFSET = 1000  # further than this, a better query is the answer


@dataclass(frozen=True)
class Item:
    type: str
    id: int
    title: str
    subtitle: str
    url: str


@dataclass
class Group:
    kind: Kind
    items: list[Item]
    more: bool
    offset: int = 0

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass
class Results:
    query: Query
    groups: list[Group] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group.items]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)


def kinds_named(names) -> list[Kind]:
    """The types asked for (unknown names ignored), or every type."""
    chosen = [BY_NAME[n] for n in names if n in BY_NAME] if names else []
    return chosen or list(KINDS)


def search(user, raw: str, *, kinds: list[str] | None = None, limit: int | None = None, offset: int = 0) -> Results:
    """Records of every type (or of ``kinds``) matching ``raw`` that ``user`` may see."""
    query = Query.parse(raw)
    results = Results(query)
    if query.empty:
        return results
    chosen = kinds_named(kinds)
    if query.only_numbered:
        chosen = [kind for kind in chosen if kind.numbered]
    single = len(chosen) == 1
    limit = max(1, min(limit or (PAGE_LIMIT if single else OVERVIEW_LIMIT), MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET)) if single else 0
    for kind in chosen:
        match = kind.match(query)
        if match is None:
            continue
        rows = list(kind.queryset(user).filter(match).order_by(*kind.order).values(*kind.fields)[offset:offset + limit + 1])
        if not rows:
            continue
        items = [Item(kind.name, row["id"], kind.title(row), kind.subtitle(row), kind.url(row)) for row in rows[:limit]]
        results.groups.append(Group(kind, items, more=len(rows) > limit, offset=offset))
    return results
