"""The computed measures indicators are measured by — the ONE place they are defined.

Each measure turns records into per-year values, in its unit, for a user (scope applies: a town
office gets its town's contribution) and up to an "as of" day:

- a *flow* (``Flow``) sums what happened in each year — area of permits issued, hectares of
  parcels listed, homes made ready, area renovated, designations made; its cumulative value is
  the sum of the years. Its records are selected with the very filter class of the list they
  drill down to (``development.filters`` / ``registry.filters``), so a figure and its list agree.
- a *level* (``Level``) is a state on a day — the charging-site coverage rate; its value for a
  year is the state at the year's end (or on the "as of" day), and its cumulative value is the
  latest one. It reuses ``registry.selectors.registry_coverage`` (ineligible estates excluded).

An indicator names its measure by key (``Indicator.measure``); ``entered`` means values offices
type in (``EnteredValue``), summed like a flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

FLOW, LEVEL = "flow", "level"
TEN_THOUSAND = Decimal("10000")
PLACES = Decimal("0.000001")


def period(year: int, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of ``year`` counted on ``as_of``: the whole year, its part up to ``as_of``, or None."""
    first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), as_of)
    return (first, last) if first <= last else None


@dataclass(frozen=True)
class Flow:
    key: str
    label: Any
    unit: str
    app: str  # "development" or "registry": whose resource table and web list
    resource: str
    value: Callable[[], Any]  # aggregate expression of one year's records
    scale: Decimal = Decimal("1")
    params: dict = field(default_factory=dict)  # filter parameters selecting the records
    kind: str = FLOW
    dated_by: str = ""  # the date a record counts on; by default its list filter's ``date_field``

    @property
    def date_field(self) -> str:
        """The field the years are taken from: the one the list's ``from``/``to`` select on."""
        return self.dated_by or self._resource().filters.date_field

    def _resource(self):
        if self.app == "development":
            from fangguan.development.resources import RESOURCES
        else:
            from fangguan.registry.resources import RESOURCES
        return RESOURCES[self.resource]

    def date_params(self, first: dt.date, last: dt.date) -> dict:
        if self.app == "development":
            return {"from": first.isoformat(), "to": last.isoformat()}
        return {"passed_from": first.isoformat(), "passed_to": last.isoformat()}

    def records(self, user, first: dt.date, last: dt.date):
        """The records counted between ``first`` and ``last`` (inclusive), in ``user``'s scope."""
        res = self._resource()
        filters = res.filters(**self.params, **self.date_params(first, last))
        return filters.filter(res.model.objects.visible_to(user))

    def per_year(self, user, years: range, as_of: dt.date) -> dict[int, Decimal]:
        spans = [p for p in (period(y, as_of) for y in years) if p]
        result = {y: Decimal("0") for y in years if period(y, as_of)}
        if not spans:
            return result
        rows = (self.records(user, spans[0][0], spans[-1][1]).order_by()
                .annotate(_year=ExtractYear(self.date_field)).values("_year").annotate(_v=self.value()))
        for row in rows:
            if row["_year"] in result:
                # the raw sum is cleaned of float noise (SQLite) before scaling, never after
                result[row["_year"]] = Decimal(row["_v"] or 0).quantize(PLACES) / self.scale
        return result

    def link(self, first: dt.date, last: dt.date) -> str:
        """The web list of the records counted between ``first`` and ``last``."""
        query = urlencode({**self.params, **self.date_params(first, last)})
        if self.app == "development":
            return f"{reverse('development:list', args=[self.resource])}?{query}"
        return f"{reverse('registry-list', args=[self.resource])}?{query}"


@dataclass(frozen=True)
class Level:
    key: str
    label: Any
    unit: str
    kind: str = LEVEL

    def on(self, user, day: dt.date) -> dict:
        """The coverage on ``day``: rate and the counts it is made of."""
        from fangguan.registry.selectors import registry_coverage

        c = registry_coverage(user, day)
        return {"value": c["charging_coverage_percent"], "part": c["eligible_with_charging"], "whole": c["eligible"]}

    def per_year(self, user, years: range, as_of: dt.date) -> dict[int, Decimal | None]:
        return {y: self.on(user, p[1])["value"] for y in years if (p := period(y, as_of))}

    def link(self, first: dt.date, last: dt.date) -> str:
        day = last.isoformat()
        return f"{reverse('registry-list', args=['estates'])}?{urlencode({'as_of': day, 'charging_eligible': 'true', 'charging_on': day})}"


def _sum(name: str):
    return lambda: Sum(name)


def _permits(key, label, kind, housing_type=None, homes=False):
    params = {"kind": kind, **({"housing_type": housing_type} if housing_type else {})}
    unit = "万套" if homes else "万㎡"
    return Flow(key, label, unit, "development", "permits", _sum("homes" if homes else "area_m2"), scale=TEN_THOUSAND,
                params=params)


MEASURES: dict[str, Flow | Level] = {
    m.key: m
    for m in (
        Flow("land.residential_ha", _("residential land supplied (listing completed; mixed use by its share)"), "公顷",
             "development", "parcels", lambda: Sum(F("area_ha") * F("residential_share")),
             params={"status": "listed", "residential": "true"}),
        _permits("supply.commercial_area", _("commercial housing supplied: pre-sale permits and sales-plan filings, area"),
                 "presale", "commercial"),
        _permits("supply.commercial_homes", _("commercial housing supplied: pre-sale permits and sales-plan filings, homes"),
                 "presale", "commercial", homes=True),
        _permits("starts.area", _("residential starts: construction permits, residential area"), "construction"),
        _permits("starts.area.commercial", _("starts of commercial housing"), "construction", "commercial"),
        _permits("starts.area.resettlement", _("starts of resettlement housing"), "construction", "resettlement"),
        _permits("deliveries.area", _("deliveries: delivery permits, residential area"), "delivery"),
        _permits("deliveries.area.commercial", _("deliveries of commercial housing"), "delivery", "commercial"),
        _permits("deliveries.area.resettlement", _("deliveries of resettlement housing"), "delivery", "resettlement"),
        _permits("deliveries.area.social_rental", _("deliveries of social rental housing"), "delivery", "social_rental"),
        Flow("affordable.homes", _("配建 affordable homes handed over and ready for supply"), "套", "development",
             "affordable", _sum("homes"), params={"ready": "true"}),
        Flow("renovation.area", _("old housing renovated (completed projects)"), "万㎡", "development", "renovations",
             _sum("area_m2"), scale=TEN_THOUSAND),
        Flow("renovation.public_area", _("of which public housing"), "万㎡", "development", "renovations",
             _sum("public_housing_area_m2"), scale=TEN_THOUSAND),
        Flow("meili.model_estates", _("美丽家园 model estates designated (registry assessments)"), "个", "registry",
             "assessments", lambda: Count("pk"), params={"kind": "meili_model"}, dated_by="passed_on"),
        Level("charging.coverage", _("e-bike charging-site coverage of eligible existing estates (registry facilities)"), "%"),
    )
}
