"""``GET /api/v1/search?q=``: the top bar's search over the API, every record type the caller may
see (each through its module's scope rule). ``type`` narrows to one type and pages it with
``offset``; ``groups`` says, per type, how many results are in this answer and whether there are
more (ask for that ``type`` with the next ``offset``)."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import Field

from . import pickers
from .kinds import BY_NAME, MAX_LENGTH
from .selectors import MAX_LIMIT, MAX_OFFSET, search

router = Router(tags=["search"])
root_router = Router(tags=["search"])  # routes outside /search (the AppConfig's api_routers)


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


class CandidateOut(Schema):
    id: int
    name: str
    id_number_masked: str = Field(description="masked; the clear number only through a reveal")
    homes: list[str] = Field(description="the person's homes in the committee's estate: building and room")
    more_homes: int = Field(description="further homes there, not listed")


class CandidatesOut(Schema):
    count: int = Field(description="people in this answer")
    more: bool = Field(description="further people match: a longer query narrows them")
    items: list[CandidateOut]


class CandidatesIn(Schema):
    q: Annotated[str, Field(max_length=MAX_LENGTH * 2, description=(
        "name, full pinyin or pinyin initials; empty: the first people in pinyin order. "
        "Identity numbers and phones are not matched"))] = ""
    limit: Annotated[int, Field(ge=1, le=pickers.MAX_LIMIT)] = pickers.LIMIT


@root_router.get("/committees/{int:committee_id}/candidates", response=CandidatesOut,
                 operation_id="committee_candidates",
                 summary="People who may be picked as members of an owners' committee")
def committee_candidates(request, committee_id: int, params: Query[CandidatesIn]):
    """The people with a right in force in a home of the committee's estate, matching ``q``: for
    whoever may add a member to this committee (else 403; 404 for a committee they cannot see)."""
    committee = pickers.committee_for_members(request.user, committee_id)
    found = pickers.committee_candidates(request.user, committee, params.q, limit=params.limit)
    return {"count": len(found.items), "more": found.more, "items": [item.__dict__ for item in found.items]}
