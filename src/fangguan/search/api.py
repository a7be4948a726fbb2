"""``GET /api/v1/search?q=``: the top bar's search over the API, every record type the caller may
see (each through its module's scope rule). ``type`` narrows to one type and pages it with
``offset``; ``groups`` says, per type, how many results are in this answer and whether there are
more (ask for that ``type`` with the next ``offset``)."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import Field

from .kinds import BY_NAME, MAX_LENGTH
from .selectors import MAX_LIMIT, MAX_OFFSET, search

router = Router(tags=["search"])


class ItemOut(Schema):
    type: str
    id: int
    title: str
    subtitle: str
    url: str


class GroupOut(Schema):
    type: str
    label: str
    count: int
    more: bool


class SearchOut(Schema):
    count: int = Field(description="results in this answer (over every group)")
    items: list[ItemOut]
    groups: list[GroupOut]


class SearchIn(Schema):
    q: Annotated[str, Field(max_length=MAX_LENGTH * 2)] = ""
    type: Annotated[str | None, Field(description="one of: " + ", ".join(BY_NAME))] = None
    limit: Annotated[int | None, Field(ge=1, le=MAX_LIMIT)] = None
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0


@router.get("", response=SearchOut, operation_id="search")
def search_all(request, params: Query[SearchIn]):
    results = search(request.user, params.q, kinds=[params.type] if params.type else None,
                     limit=params.limit, offset=params.offset)
    return {"count": results.count, "items": [item.__dict__ for item in results.items],
            "groups": [{"type": g.name, "label": g.label, "count": g.count, "more": g.more} for g in results.groups]}
