"""Repairs API (/api/v1/repairs): file, list, read with history, act, the catalogue, the figures.

Thin: reads through ``selectors`` (``visible_to``), writes through ``services``. A request the
caller cannot see answers 404; an action not allowed for the caller 403, not allowed in the
request's state 409 — each with a Chinese ``detail`` — and a refused action changes nothing.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fangguan.core.api import Error, Id, InSchema, get_or_404, paginate
from fangguan.core.identity import mask_phone

from . import deadlines, services
from .choices import Channel, Place, Status
from .deadlines import overdue_q
from .machine import API_ACTIONS, allowed_actions
from .models import Category, RepairRequest
from .selectors import GROUPS, repair_stats, requests_for, with_related

router = Router(tags=["repairs"])


class RefOut(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    urgent: bool
    urgent_response_minutes: int
    onsite_response_minutes: int
    urgent_complete_hours: int
    response_workdays: int
    complete_workdays: int


class ContactIn(InSchema):
    """Who to call back, as a request carries it (the repairs API and the hotline's orders)."""

    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class RepairIn(ContactIn):
    estate: Id
    home: Id | None = None
    building: Id | None = None
    category: str = Field(..., max_length=30)
    description: str = Field(..., max_length=2000)
    urgent: bool = False
    place: Literal["", *Place.values] = ""  # type: ignore[valid-type]
    channel: Literal["app", "phone", "onsite"] = "app"


class RepairOut(Schema):
    id: int
    status: str
    status_label: str
    estate: RefOut
    building: RefOut | None
    home: RefOut | None
    place: str
    category: str
    category_name: str
    company: RefOut | None
    description: str
    urgent: bool
    urgent_requested: bool
    channel: str
    external_id: str | None
    contact_name: str
    contact_phone: str
    assignee: RefOut | None
    created_at: dt.datetime
    response_due_at: dt.datetime
    complete_due_at: dt.datetime
    calendar_estimated: bool
    responded_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    deferred_until: dt.date | None
    overdue: bool
    reopen_count: int
    rating: int | None
    comment: str
    possible_duplicate_of: int | None
    merged_into: int | None


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    actor: RefOut | None
    at: dt.datetime
    note: str
    from_status: str
    to_status: str
    data: dict


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    width: int
    height: int


class EscalationOut(Schema):
    id: int
    level: str
    deadline: str
    due_at: dt.datetime | None
    state: str
    sent_at: dt.datetime
    acknowledged_at: dt.datetime | None


class SupervisionOut(Schema):
    id: int
    note: str
    created_at: dt.datetime
    answer_due_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class RepairDetail(RepairOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    escalations: list[EscalationOut]
    supervisions: list[SupervisionOut]
    actions: list[str]


class RepairPage(Schema):
    count: int
    items: list[RepairOut]


class ActionIn(InSchema):
    action: Literal[API_ACTIONS]  # type: ignore[valid-type]
    note: str = Field("", max_length=1000)
    reason: str = Field("", max_length=1000)
    comment: str = Field("", max_length=500)
    rating: int | None = Field(None, ge=-(2**31), le=2**31)
    assignee: Id | None = None
    until: dt.date | None = None
    urgent: bool | None = None
    into: Id | None = None
    answer: str = Field("", max_length=1000)
    answer_due: dt.datetime | None = None
    escalation: Id | None = None
    supervision: Id | None = None


class StatsFigures(Schema):
    volume: int
    responses_counted: int
    on_time_response_percent: float | None
    completions_counted: int
    on_time_completion_percent: float | None
    reopen_rate_percent: float | None
    rated: int
    satisfaction: float | None
    median_hours_to_complete: float | None


class StatsGroup(StatsFigures):
    group: dict


class StatsOut(Schema):
    group_by: str
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None
    items: list[StatsGroup]
    total: StatsFigures


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    name = obj.get_full_name() if hasattr(obj, "get_full_name") else str(obj)
    return {"id": obj.pk, "name": getattr(obj, "display_name", "") or name or str(obj)}


def _out(r: RepairRequest, now=None) -> dict:
    from django.utils import timezone

    now = now or timezone.now()
    return {
        "id": r.pk, "status": r.status, "status_label": r.get_status_display(),
        "estate": _ref(r.estate), "building": _ref(r.building), "home": _ref(r.home), "place": r.place,
        "category": r.category.code, "category_name": r.category.name, "company": _ref(r.company),
        "description": r.description, "urgent": r.urgent, "urgent_requested": r.urgent_requested,
        "channel": r.channel, "external_id": r.external_id, "contact_name": r.contact_name,
        "contact_phone": mask_phone(r.contact_phone) if r.contact_phone else "",
        "assignee": _ref(r.assignee), "created_at": r.created_at, "response_due_at": r.response_due_at,
        "complete_due_at": r.complete_due_at, "calendar_estimated": r.calendar_estimated,
        "responded_at": r.responded_at, "completed_at": r.completed_at, "closed_at": r.closed_at,
        "deferred_until": r.deferred_until,
        "overdue": bool(deadlines.missed(r, now)),
        "reopen_count": r.reopen_count, "rating": r.rating, "comment": r.comment,
        "possible_duplicate_of": r.possible_duplicate_of_id, "merged_into": r.merged_into_id,
    }


def detail(user, r: RepairRequest) -> dict:
    from django.urls import reverse

    out = _out(r)
    out["events"] = [
        {"id": e.pk, "kind": e.kind, "kind_label": e.get_kind_display(), "actor": _ref(e.actor), "at": e.at,
         "note": e.note, "from_status": e.from_status, "to_status": e.to_status, "data": e.data}
        for e in r.events.select_related("actor").order_by("at", "pk")]
    out["photos"] = [{"id": p.pk, "stage": p.stage, "url": reverse("repairs-photo", args=[p.pk]),
                      "width": p.width, "height": p.height} for p in r.photos.all()]
    out["escalations"] = list(r.escalations.values("id", "level", "deadline", "due_at", "state", "sent_at",
                                                   "acknowledged_at"))
    out["supervisions"] = list(r.supervisions.values("id", "note", "created_at", "answer_due_at", "answer",
                                                     "answered_at"))
    out["actions"] = allowed_actions(user, r)
    return out


@contextmanager
def domain_errors():
    """The services' refusals as HTTP answers (403 passes through as PermissionDenied)."""
    try:
        yield
    except services.ActionConflict as exc:
        raise HttpError(409, str(exc)) from None
    except services.TooManyRequests as exc:
        raise HttpError(429, str(exc)) from None


def _visible(user):
    return with_related(RepairRequest.objects.visible_to(user))


@router.get("/categories", response=list[CategoryOut], operation_id="repairs_categories")
def categories(request):
    """The category catalogue with each category's time limits."""
    return list(Category.objects.visible_to(request.user).filter(active=True))


class CategoryPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=60)
    urgent: bool | None = None
    urgent_response_minutes: int | None = Field(None, ge=1, le=10080)
    onsite_response_minutes: int | None = Field(None, ge=1, le=10080)
    urgent_complete_hours: int | None = Field(None, ge=1, le=2160)
    response_workdays: int | None = Field(None, ge=1, le=365)
    complete_workdays: int | None = Field(None, ge=1, le=365)
    active: bool | None = None


@router.patch("/categories/{code}", response={200: CategoryOut, 403: Error}, operation_id="repairs_category_update")
def category_update(request, code: str, payload: CategoryPatch):
    """The bureau changes a category's name, default urgency or time limits (change-logged).
    Requests already filed keep their deadlines."""
    category = Category.objects.visible_to(request.user).filter(code=code[:30]).first()
    if category is None:
        raise Http404
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if changes:
        category = services.category_update(request.user, category, changes)
    return 200, category


class StatsFilters(Schema):
    group_by: Literal[tuple(GROUPS)] = "company"  # type: ignore[valid-type]
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.get("/stats", response=StatsOut, operation_id="repairs_stats", by_alias=True)
def stats(request, filters: Query[StatsFilters]):
    """Volume, on-time response and completion %, reopen rate, satisfaction and median time to
    complete, per company, estate or town, for requests filed between ``from`` and ``to``
    (Shanghai days, both included)."""
    return repair_stats(request.user, filters.group_by, filters.from_, filters.to)


STATUSES = "|".join(Status.values)


class ListFilters(Schema):
    status: str | None = Field(None, pattern=rf"^({STATUSES})(,({STATUSES}))*$",
                               description="one status or several, comma-separated: submitted,accepted,in_progress")
    open: bool | None = Field(None, description="true: every request not yet closed, rejected or cancelled")
    number: Id | None = Field(None, description="the request's number")
    estate: Id | None = None
    company: Id | None = None
    town: Id | None = None
    category: str | None = Field(None, max_length=30)
    overdue: bool | None = None
    ordering: Literal["-created", "deadline"] = "-created"


@router.get("", response=RepairPage, operation_id="repairs_list")
def list_requests(request, filters: Query[ListFilters], limit: int | None = None, offset: int | None = None):
    """Requests the caller may see, newest first (``ordering=deadline``: the queue by deadline)."""
    params = filters.dict()
    params["status"] = params["status"].split(",") if params["status"] else None
    qs = requests_for(request.user, **params)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [_out(r) for r in items]}


@router.post("", response={201: RepairDetail, 403: Error, 429: Error}, operation_id="repairs_create")
def create(request, payload: RepairIn):
    """File a request (a resident for their home or estate; a dispatcher for a call or visit)."""
    from django.core.exceptions import ValidationError

    from fangguan.registry.models import Building, Estate, Home

    data = payload.dict()
    # ids resolve through the caller's scope: an estate you cannot see does not exist
    estate = Estate.objects.visible_to(request.user).filter(pk=data["estate"]).first()
    if estate is None:
        raise ValidationError({"estate": [_("No such record: %(id)s.") % {"id": data["estate"]}]})
    home = building = None
    if data["home"]:
        home = Home.objects.visible_to(request.user).filter(pk=data["home"]).first()
        if home is None:
            raise ValidationError({"home": [_("No such record: %(id)s.") % {"id": data["home"]}]})
    if data["building"]:
        building = Building.objects.visible_to(request.user).filter(pk=data["building"]).first()
        if building is None:
            raise ValidationError({"building": [_("No such record: %(id)s.") % {"id": data["building"]}]})
    with domain_errors():
        r = services.create_request(
            request.user, estate=estate, home=home, building=building, category=data["category"],
            description=data["description"], urgent=data["urgent"], place=data["place"],
            channel=data["channel"] or Channel.APP, contact_name=data["contact_name"],
            contact_phone=data["contact_phone"])
    return 201, detail(request.user, get_or_404(_visible(request.user), r.pk))


@router.get("/{int:request_id}", response=RepairDetail, operation_id="repairs_get")
def get_request(request, request_id: int):
    """One request with its whole history, photos, escalations, supervision notes and the
    actions the caller may take now."""
    return detail(request.user, get_or_404(_visible(request.user), request_id))


@router.post("/{int:request_id}/photos", response={200: RepairDetail, 403: Error, 409: Error},
             operation_id="repairs_photos_add")
def photos_add(request, request_id: int, photos: File[list[UploadedFile]]):
    """Add photos (multipart, field ``photos``, one or more): the reporter while the request is
    open, the serving company as completion photos while in progress or completed. JPEG, PNG,
    WebP or GIF whose bytes are an image, within the size limit, at most 9 per stage; all or none."""
    r = get_or_404(_visible(request.user), request_id)
    with domain_errors():
        services.attach_photos(request.user, r, photos)
    return 200, detail(request.user, get_or_404(_visible(request.user), request_id))


@router.post("/{int:request_id}/actions", response={200: RepairDetail, 403: Error, 409: Error},
             operation_id="repairs_act")
def act(request, request_id: int, payload: ActionIn):
    """Take one action (``accept``, ``assign`` + ``assignee``, ``start``, ``complete``, ``defer``
    + ``until`` + ``reason``, ``reject`` + ``reason``, ``change_urgency`` + ``urgent`` + ``reason``,
    ``escalate`` + ``note``, ``acknowledge``, ``supervise`` + ``note`` + ``answer_due``, ``answer``,
    ``confirm`` + ``rating`` 1–5 + ``comment``, ``reopen`` + ``comment``, ``cancel``, ``merge`` +
    ``into``)."""
    r = get_or_404(_visible(request.user), request_id)
    params = {k: v for k, v in payload.dict().items() if k != "action" and v not in (None, "")}
    with domain_errors():
        services.act(request.user, r, payload.action, **params)
    return 200, detail(request.user, get_or_404(_visible(request.user), request_id))


__all__ = ["router", "overdue_q"]
