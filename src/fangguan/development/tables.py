"""Columns of the development lists (label, value of a record)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _area(v):
    return "" if v is None else f"{v:,.2f}"


COLUMNS = {
    "parcels": [
        (_("code"), lambda o: o.code), (_("name"), lambda o: o.name), (_("town"), lambda o: o.town.name),
        (_("area (ha)"), lambda o: o.area_ha), (_("planned use"), lambda o: o.get_planned_use_display()),
        (_("residential share"), lambda o: o.residential_share), (_("residential (ha)"), lambda o: f"{o.residential_ha:.4f}"),
        (_("listing completed on"), lambda o: o.listed_on or ""), (_("status"), lambda o: o.get_status_display()),
    ],
    "projects": [
        (_("code"), lambda o: o.code), (_("name"), lambda o: o.name), (_("developer"), lambda o: o.developer),
        (_("town"), lambda o: o.town.name), (_("housing type"), lambda o: o.get_housing_type_display()),
        (_("land parcel"), lambda o: o.parcel.code if o.parcel_id else ""),
    ],
    "permits": [
        (_("kind"), lambda o: o.get_kind_display()), (_("certificate number"), lambda o: o.number),
        (_("date"), lambda o: o.issued_on), (_("project"), lambda o: o.project.name),
        (_("town"), lambda o: o.project.town.name), (_("housing type"), lambda o: o.project.get_housing_type_display()),
        (_("floor area (㎡)"), lambda o: _area(o.area_m2)), (pgettext_lazy("number of", "homes"), lambda o: o.homes or ""),
        (_("estate"), lambda o: o.estate.name if o.estate_id else ""),
    ],
    "affordable": [
        (_("project"), lambda o: o.project.name), (_("town"), lambda o: o.project.town.name),
        (pgettext_lazy("number of", "homes"), lambda o: o.homes), (_("handed over on"), lambda o: o.handed_over_on or ""),
        (_("ready for supply on"), lambda o: o.ready_on or ""),
    ],
    "renovations": [
        (_("code"), lambda o: o.code), (_("name"), lambda o: o.name), (_("town"), lambda o: o.town.name),
        (_("type"), lambda o: o.get_kind_display()), (_("estates"), lambda o: "、".join(e.name for e in o.estates.all())),
        (_("floor area renovated (㎡)"), lambda o: _area(o.area_m2)),
        (_("of which public housing (㎡)"), lambda o: _area(o.public_housing_area_m2)),
        (_("started on"), lambda o: o.started_on or ""), (_("completed on"), lambda o: o.completed_on or ""),
    ],
}


def cells(obj, columns) -> list:
    """The row's values; dates in ISO form (2026-04-22), as the registry's lists print them."""
    return [_iso(getter(obj)) for _label, getter in columns]


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value
