"""Dashboard API: the series the charts draw and the map's GeoJSON layers, for any date.

The totals and figures by town are ``GET /api/v1/stats/registry`` (the registry's); these add
the coverage rates, the deliveries per year and the map layers, all restricted to the caller's
scope exactly like the lists.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Router, Schema

from fangguan.core.api import Number
from fangguan.registry.selectors import deliveries_by_year, registry_coverage

from .selectors import estate_features, town_area_features

router = Router(tags=["dashboard"])


def _day(as_of: dt.date | None) -> dt.date:
    return as_of or timezone.localdate()


class TownCoverage(Schema):
    town: dict
    estates: int
    eligible: int
    eligible_with_charging: int
    meili_passed: int
    charging_coverage_percent: Number = None
    meili_percent: Number = None


class Coverage(TownCoverage):
    as_of: dt.date
    town: None = None
    by_town: list[TownCoverage]


class YearDeliveries(Schema):
    year: int
    first_day: dt.date
    last_day: dt.date
    estates: int
    floor_area_m2: Number


class Deliveries(Schema):
    as_of: dt.date
    items: list[YearDeliveries]


class FeatureCollection(Schema):
    """GeoJSON (RFC 7946): positions are [longitude, latitude] in WGS84."""

    type: str
    features: list[dict[str, Any]]
    as_of: str
    approximate: bool = False


@router.get("/coverage", response=Coverage, operation_id="dashboard_coverage")
def coverage(request, as_of: dt.date | None = None):
    """Charging-site coverage of eligible estates and 美丽家园 rate, in total and by town."""
    return registry_coverage(request.user, _day(as_of))


@router.get("/deliveries", response=Deliveries, operation_id="dashboard_deliveries")
def deliveries(request, as_of: dt.date | None = None):
    """Estates delivered per year up to ``as_of`` (count and floor area)."""
    day = _day(as_of)
    return {"as_of": day, "items": deliveries_by_year(request.user, day)}


@router.get("/map/estates", response=FeatureCollection, operation_id="dashboard_map_estates")
def map_estates(request, as_of: dt.date | None = None):
    """The estates in the registry on ``as_of`` as GeoJSON points (type, company, charging site)."""
    return estate_features(request.user, _day(as_of))


@router.get("/map/towns", response=FeatureCollection, operation_id="dashboard_map_towns")
def map_towns(request, as_of: dt.date | None = None):
    """Approximate town areas (outline of each town's estate locations), not boundaries."""
    return town_area_features(request.user, _day(as_of))
