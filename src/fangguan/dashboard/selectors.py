"""What the dashboard shows, built only from the registry's selectors: the figures of
``registry_stats`` (the API's ``/stats/registry``), the rates of ``registry_coverage`` and the
deliveries of ``deliveries_by_year`` — never a number of its own.

Each figure comes with the link to the list of the records it counts: the registry list
(``/r/<resource>/``) with the date filters of ``registry/filters.py`` that select exactly
``selectors.Counted``'s querysets, so the list's row count is the figure (tests/dashboard prove
it for several roles and dates).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from fangguan.core import maps
from fangguan.core.units import wan
from fangguan.registry.choices import EstateType
from fangguan.registry.selectors import (
    Counted,
    deliveries_by_year,
    registry_coverage,
    registry_stats,
)


@dataclass(frozen=True)
class Figure:
    """One registry figure: its key in ``registry_stats``, label, and the list that shows its rows.

    ``params(day)`` are the list filters for the whole scope; a town's row adds ``town``.
    ``district_params`` replaces them for users who read the whole district (companies filed:
    all filed companies there, those serving the user's estates elsewhere).

    ``note`` says what the figure counts on the day (``%(day)s``), in the words of the rule
    ``registry.selectors.Counted`` applies (issue 18: the home page said 295 estates, the
    dashboard 294, and neither said what it counted); ``district_note`` replaces it for users
    who read the whole district where the rule differs for them.
    """

    key: str
    label: str
    resource: str
    params: tuple[str, ...]
    district_params: tuple[str, ...] | None = None
    town_params: tuple[str, ...] | None = None
    unit: str = ""
    fixed: tuple[tuple[str, str], ...] = ()
    note: str = ""
    district_note: str | None = None

    def explain(self, day: dt.date, *, district: bool) -> str:
        note = self.district_note if district and self.district_note else self.note
        return str(note) % {"day": day.isoformat()}


ESTATES_NOTE = gettext_lazy("Estates on the register on %(day)s: delivered on or before that day and not "
                            "removed from the register on or before it.")
FIGURES: tuple[Figure, ...] = (
    Figure("estates", gettext_lazy("Residential estates"), "estates", ("as_of",), note=ESTATES_NOTE),
    Figure("managed_floor_area_m2", gettext_lazy("Managed floor area"), "estates", ("as_of",),
           unit=gettext_lazy("10,000 ㎡"),
           note=gettext_lazy("The floor area of the estates on the register on %(day)s, added up.")),
    Figure("companies_serving", gettext_lazy("Property companies serving"), "companies", ("serving_on",),
           note=gettext_lazy("Companies with a service contract in force on %(day)s (started, not expired, not "
                             "terminated) for an estate on the register; each company counted once.")),
    Figure("companies_filed", gettext_lazy("Property companies filed"), "companies",
           ("filed_as_of", "serving_on"), district_params=("filed_as_of",),
           town_params=("filed_as_of", "serving_on"),
           note=gettext_lazy("Companies filed with the bureau on or before %(day)s, the filing not revoked by "
                             "then, serving an estate on the register in your area that day."),
           district_note=gettext_lazy("Companies filed with the bureau on or before %(day)s, the filing not "
                                      "revoked by then.")),
    Figure("owners_committees", gettext_lazy("Owners' assemblies and committees"), "committees", ("in_force_on",),
           note=gettext_lazy("Owners' committees of estates on the register, established on or before %(day)s "
                             "and not dissolved by then.")),
    Figure("committees_with_party_group", gettext_lazy("Committees with a party working group"), "committees",
           ("in_force_on", "party_group_on"),
           note=gettext_lazy("Of those owners' committees, the ones with a party working group set up on or "
                             "before %(day)s.")),
    Figure("neighbourhood_committees_with_overlap",
           gettext_lazy("Neighbourhood committees with a member on an owners' committee"), "neighbourhoods",
           ("overlap_on",),
           note=gettext_lazy("Neighbourhood committees with a member who, on %(day)s, also sits on one of "
                             "those owners' committees.")),
    Figure("neighbourhood_committees_with_property_subcommittee",
           gettext_lazy("Neighbourhood committees with a property sub-committee"), "neighbourhoods",
           ("subcommittee_on",),
           note=gettext_lazy("Neighbourhood committees of the estates on the register in your area with an "
                             "environment and property sub-committee in place on %(day)s."),
           district_note=gettext_lazy("Neighbourhood committees with an environment and property "
                                      "sub-committee in place on %(day)s.")),
    Figure("estates_meili_passed", gettext_lazy("Estates that passed Beautiful Home"), "estates",
           ("as_of", "meili_on"),
           note=gettext_lazy("Estates on the register on %(day)s holding a Beautiful Home standard assessment "
                             "passed on or before that day and not revoked by then.")),
    Figure("estates_with_charging", gettext_lazy("Estates with an e-bike charging site"), "estates",
           ("as_of", "charging_on"),
           note=gettext_lazy("Estates on the register on %(day)s with an e-bike charging site installed on or "
                             "before that day and not removed by then.")),
)
CHARGING_COVERAGE_NOTE = gettext_lazy("Of the estates on the register on %(day)s that must have a central e-bike "
                                      "charging site, the share that have one that day.")
BY_KEY = {f.key: f for f in FIGURES}


def list_url(resource: str, names: tuple[str, ...], day: dt.date, *, town: int | None = None,
             extra: dict[str, str] | None = None) -> str:
    """The registry list of ``resource`` with the date filters ``names`` set to ``day``."""
    params: dict[str, Any] = dict.fromkeys(names, day.isoformat())
    params.update(extra or {})
    if town is not None:
        params["town"] = town
    return f"{reverse('registry-list', args=[resource])}?{urlencode(params)}"


def figure_url(figure: Figure, day: dt.date, *, district: bool, town: int | None = None) -> str:
    if town is not None:
        names = figure.town_params or figure.params
    else:
        names = figure.district_params if district and figure.district_params else figure.params
    return list_url(figure.resource, names, day, town=town, extra=dict(figure.fixed))


def charging_urls(day: dt.date, town: int | None = None) -> tuple[str, str]:
    """The lists behind the charging coverage: eligible estates with a site, and all eligible."""
    eligible = {"charging_eligible": "true"}
    return (list_url("estates", ("as_of", "charging_on"), day, town=town, extra=eligible),
            list_url("estates", ("as_of",), day, town=town, extra=eligible))


@dataclass
class Dashboard:
    """Everything the page, the charts and the export show for one user and day."""

    day: dt.date
    stats: dict
    coverage: dict
    deliveries: list[dict]
    district: bool

    @classmethod
    def build(cls, user, day: dt.date) -> Dashboard:
        return cls(day=day, stats=registry_stats(user, day), coverage=registry_coverage(user, day),
                   deliveries=deliveries_by_year(user, day), district=Counted(user, day).all)

    def cards(self) -> list[dict]:
        cards = []
        for figure in FIGURES:
            value = self.stats[figure.key]
            cards.append({
                "key": figure.key, "label": figure.label, "unit": figure.unit,
                "value": wan(value) if figure.key == "managed_floor_area_m2" else value,
                "url": figure_url(figure, self.day, district=self.district),
                "note": figure.explain(self.day, district=self.district),
            })
        with_site, eligible = charging_urls(self.day)
        cards.append({
            "key": "charging_coverage", "label": _("E-bike charging coverage of eligible estates"), "unit": "%",
            "value": self.coverage["charging_coverage_percent"], "url": with_site,
            "detail": {"part": self.coverage["eligible_with_charging"], "whole": self.coverage["eligible"],
                       "whole_url": eligible},
            "note": str(CHARGING_COVERAGE_NOTE) % {"day": self.day.isoformat()},
        })
        return cards

    def towns(self) -> list[dict]:
        """One row per town: each figure with the link to its rows, and the coverage rates."""
        coverage = {row["town"]["id"]: row for row in self.coverage["by_town"]}
        rows = []
        for row in self.stats["by_town"]:
            town = row["town"]
            cov = coverage.get(town["id"]) or {}
            cells = [{"key": f.key, "value": wan(row[f.key]) if f.key == "managed_floor_area_m2" else row[f.key],
                      "url": figure_url(f, self.day, district=self.district, town=town["id"])} for f in FIGURES]
            with_site, eligible = charging_urls(self.day, town["id"])
            rows.append({"town": town, "cells": cells, "coverage": cov, "charging_url": with_site,
                         "eligible_url": eligible})
        return rows

    def charts(self) -> list[dict]:
        """Chart specifications for ``web/charts.js``: categories, series, and per bar the list it
        stands for (a click opens it)."""
        rows = self.towns()
        names = [r["town"]["name"] for r in rows]

        def cell(r, key):
            return next(c for c in r["cells"] if c["key"] == key)

        def pct(value):
            return None if value is None else float(value)

        # every year from the first delivery on, so gaps show as gaps
        delivered = {y["year"]: y for y in self.deliveries}
        years = [delivered.get(year) or {"year": year, "estates": 0, "floor_area_m2": Decimal(0), "first_day": None}
                 for year in range(min(delivered, default=self.day.year), max(delivered, default=0) + 1)]
        return [
            {
                "id": "chart-towns", "title": _("Estates and floor area by town"), "categories": names,
                "series": [
                    {"name": _("Estates"), "type": "bar", "data": [cell(r, "estates")["value"] for r in rows],
                     "urls": [cell(r, "estates")["url"] for r in rows]},
                    {"name": _("Floor area (10,000 ㎡)"), "type": "bar", "axis": 1,
                     "data": [float(cell(r, "managed_floor_area_m2")["value"]) for r in rows],
                     "urls": [cell(r, "managed_floor_area_m2")["url"] for r in rows]},
                ],
                "axes": [pgettext("count unit", "estates"), _("10,000 ㎡")],
            },
            {
                "id": "chart-coverage", "title": _("Coverage by town"), "categories": names, "percent": True,
                "series": [
                    {"name": _("E-bike charging (eligible estates)"), "type": "bar",
                     "data": [pct(r["coverage"].get("charging_coverage_percent")) for r in rows],
                     "urls": [r["charging_url"] for r in rows]},
                    {"name": _("Beautiful Home passed"), "type": "bar",
                     "data": [pct(r["coverage"].get("meili_percent")) for r in rows],
                     "urls": [cell(r, "estates_meili_passed")["url"] for r in rows]},
                ],
                "axes": ["%"],
            },
            {
                "id": "chart-deliveries", "title": _("Estates delivered per year"),
                "categories": [str(y["year"]) for y in years],
                "series": [
                    {"name": _("Estates delivered"), "type": "bar", "data": [y["estates"] for y in years],
                     "urls": [list_url("estates", (), self.day, extra={
                         "delivered_from": y["first_day"].isoformat(), "delivered_to": y["last_day"].isoformat()})
                         if y["first_day"] else None for y in years]},
                    {"name": _("Floor area delivered (10,000 ㎡)"), "type": "line", "axis": 1,
                     "data": [float(wan(y["floor_area_m2"])) for y in years], "urls": []},
                ],
                "axes": [pgettext("count unit", "estates"), _("10,000 ㎡")],
            },
        ]

    def export_rows(self) -> tuple[list[str], list[list[Any]]]:
        """The figures by town as a table (header, rows, then the total) for the .xlsx export."""
        headers = [_("Town")] + [
            f"{f.label}（{f.unit}）" if f.unit else str(f.label) for f in FIGURES
        ] + [_("Eligible for e-bike charging"), _("Eligible with a charging site"),
             _("Charging coverage (%)"), _("Beautiful Home passed (%)")]
        coverage = {row["town"]["id"]: row for row in self.coverage["by_town"]}

        def line(name, row, cov):
            values = [wan(row[f.key]) if f.key == "managed_floor_area_m2" else row[f.key] for f in FIGURES]
            return [name, *values, cov.get("eligible", 0), cov.get("eligible_with_charging", 0),
                    cov.get("charging_coverage_percent"), cov.get("meili_percent")]

        rows = [line(r["town"]["name"], r, coverage.get(r["town"]["id"], {})) for r in self.stats["by_town"]]
        rows.append(line(_("Total"), self.stats, self.coverage))
        return headers, rows


# --- The map's layers -------------------------------------------------------------------------


def estate_features(user, day: dt.date) -> dict:
    """The estates counted on ``day`` as GeoJSON points, with what the map colours them by: type,
    the company serving (the first by name when areas have different ones), charging site."""
    counted = Counted(user, day)
    estates = list(counted.estates.select_related("town").exclude(latitude=None).exclude(longitude=None)
                   .order_by("code"))
    companies: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for estate_id, company_id, name in (counted.contracts.order_by("company__name")
                                        .values_list("area__estate_id", "company_id", "company__name").distinct()):
        if (name, company_id) not in companies[estate_id]:
            companies[estate_id].append((name, company_id))
    charging = set(counted.estates_with_charging.values_list("pk", flat=True))
    types = dict(EstateType.choices)
    pages = reverse("registry-list", args=["estates"])  # + "<id>/": one reverse, not one per estate
    yes, no, none = _("Yes"), _("No"), _("none")
    features = []
    for e in estates:
        serving = companies.get(e.pk, [])
        features.append(maps.point(e.longitude, e.latitude, {
            "name": e.name, "code": e.code, "url": f"{pages}{e.pk}/",
            "town": e.town.name, "estate_type": e.estate_type, "estate_type_label": str(types.get(e.estate_type, "")),
            "company": serving[0][1] if serving else None, "company_label": serving[0][0] if serving else none,
            "companies": "、".join(name for name, _id in serving) or none,
            "charging": e.pk in charging, "charging_label": yes if e.pk in charging else no,
            "floor_area": f"{wan(e.floor_area_m2)} {_('10,000 ㎡')}",
        }, fid=e.pk))
    return maps.collection(features, as_of=day.isoformat())


def town_area_features(user, day: dt.date) -> dict:
    """Approximate town areas: the convex hull of the locations of each town's estates counted on
    ``day``. Not administrative boundaries (none are held), and labelled so."""
    points: dict[tuple[int, str], list] = defaultdict(list)
    for town_id, town, lng, lat in (Counted(user, day).estates.exclude(latitude=None).exclude(longitude=None)
                                    .values_list("town_id", "town__name", "longitude", "latitude")):
        points[(town_id, town)].append((lng, lat))
    features = []
    for (town_id, town), pts in sorted(points.items()):
        ring = maps.convex_hull(pts)
        if len(ring) >= 3:
            features.append(maps.polygon(ring, {"name": town, "town": town_id, "estates": len(pts),
                                                "approximate": True}, fid=town_id))
    return maps.collection(features, as_of=day.isoformat(), approximate=True)
