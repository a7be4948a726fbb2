"""Plans API (issue #8 contract): ``GET /api/v1/plans`` and
``GET /api/v1/plans/{id}/indicators?as_of=YYYY-MM-DD`` — each indicator's target, actual (in the
indicator's unit, within the caller's scope), share of target, status and values by year,
computed by ``selectors.plan_progress``."""


import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from fangguan.core.api import Id, Number, get_or_404, paginate

from .maps import delivered_features, parcel_features, renovation_features
from .models import Plan
from .selectors import plan_progress

router = Router(tags=["planning"])


class PlanOut(Schema):
    id: int
    code: str
    name: str
    start_year: int
    end_year: int


class PlanList(Schema):
    count: int
    items: list[PlanOut]


class IndicatorProgressOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    parent: str | None
    target: Number
    attribute: str
    measure: str
    actual: Number | None
    share_of_target: Number | None
    status: str
    ratio: Number | None
    by_year: dict[str, Number | None]
    calculation: str


class IndicatorProgressList(Schema):
    count: int
    as_of: dt.date
    items: list[IndicatorProgressOut]


@router.get("/plans", response=PlanList, operation_id="list_plans")
def list_plans(request, limit: int | None = None, offset: int | None = None):
    count, items = paginate(Plan.objects.visible_to(request.user).order_by("start_year", "code", "pk"), limit, offset)
    return {"count": count, "items": items}


@router.get("/plans/{plan_id}/indicators", response=IndicatorProgressList, operation_id="plan_indicators")
def plan_indicators(request, plan_id: Id, as_of: dt.date | None = None):
    """Progress of every indicator of the plan on ``as_of`` (default today); see
    ``planning.selectors`` for the status method."""
    plan = get_or_404(Plan.objects.visible_to(request.user), plan_id)
    day = as_of or timezone.localdate()
    rows = plan_progress(request.user, plan, day)
    items = [
        {
            "id": p.indicator.pk, "code": p.code, "name": p.indicator.name, "unit": p.indicator.unit,
            "parent": p.indicator.parent.code if p.indicator.parent_id else None, "target": p.indicator.target,
            "attribute": p.indicator.attribute, "measure": p.indicator.measure, "actual": p.actual,
            "share_of_target": p.share, "status": p.status, "ratio": p.ratio,
            "by_year": {str(y): v for y, v in p.by_year.items()}, "calculation": p.calculation(),
        }
        for p in rows
    ]
    return {"count": len(items), "as_of": day, "items": items}


class FeatureCollection(Schema):
    """GeoJSON (RFC 7946): positions are [longitude, latitude] in WGS84."""

    type: str
    features: list[dict[str, Any]]
    as_of: str
    approximate: bool = False


class Span(Schema):
    """``from`` / ``to`` (inclusive); by default this year up to today."""

    model_config = ConfigDict(populate_by_name=True)
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")

    def days(self) -> tuple[dt.date, dt.date]:
        last = self.date_to or timezone.localdate()
        return self.date_from or dt.date(last.year, 1, 1), last


@router.get("/plans/map/deliveries", response=FeatureCollection, operation_id="plan_map_deliveries")
def map_deliveries(request, span: Query[Span]):
    """Delivery permits issued between ``from`` and ``to`` (inclusive), at their estates."""
    return delivered_features(request.user, *span.days())


@router.get("/plans/map/parcels", response=FeatureCollection, operation_id="plan_map_parcels")
def map_parcels(request, span: Query[Span]):
    """Residential parcels listed between ``from`` and ``to``."""
    return parcel_features(request.user, *span.days())


@router.get("/plans/map/renovations", response=FeatureCollection, operation_id="plan_map_renovations")
def map_renovations(request, span: Query[Span]):
    """Renovation completed between ``from`` and ``to``, by town (approximate areas)."""
    return renovation_features(request.user, *span.days())
