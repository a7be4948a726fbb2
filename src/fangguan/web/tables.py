"""What the generic registry pages show for each resource: list columns and detail sections.

This is the only per-resource table of the web UI; the views and templates are generic and read
it. A column is a dotted attribute path on a row (``area.estate``); its heading defaults to the
model field's verbose name, so headings are translated with the models. Every related object a
column touches must be in the resource's ``related`` (select_related) or ``annotate``, so a list
costs the same number of queries whatever its length (tests/web check that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.core.resources import Resource, resources_in
from fangguan.core.units import WAN


@dataclass(frozen=True)
class Column:
    key: str  # dotted attribute path on the row
    label: str | None = None  # default: the verbose name of the last field on the path
    fmt: str = ""  # "wan": ㎡ shown in 万㎡
    link: bool = False  # links to the row's detail page
    numeric: bool = False  # right-aligned (``_c`` sets it from the key)


@dataclass(frozen=True)
class Section:
    """Records related to a detail page's record: a filter of another resource's list."""

    resource: str
    filter: str  # the FilterSchema field of ``resource`` that takes this record's id
    label: str | None = None  # default: the related model's verbose_name_plural
    add: str | None = None  # what its "Add" button creates (default ``resource``), pre-filled with this record


def _c(*keys: str, link: str | None = None, **special: Column) -> tuple[Column, ...]:
    """Plain columns from keys; the first (or ``link``) column links to the detail page.
    Counts (``*_count``) and numeric fields are right-aligned, except years."""
    link = link or keys[0]
    return tuple(special.get(k.replace(".", "__")) or Column(k, link=(k == link), numeric=_numeric(k)) for k in keys)


def _numeric(key: str) -> bool:
    return key.endswith(("_m2", "_count", "percent", "floors", "units", "quantity", "score"))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "towns": _c("code", "name", "kind", link="name"),
    "neighbourhoods": _c("code", "name", "town", "property_subcommittee_since", link="name"),
    "estates": _c(
        "code", "name", "town", "neighbourhood", "estate_type", "delivered_on", "floor_area_m2",
        "buildings_count", "homes_count", link="name",
        floor_area_m2=Column("floor_area_m2", gettext_lazy("floor area (10,000 ㎡)"), fmt="wan", numeric=True),
        buildings_count=Column("buildings_count", gettext_lazy("buildings"), numeric=True),
        homes_count=Column("homes_count", gettext_lazy("homes"), numeric=True),
    ),
    "areas": _c("code", "name", "estate", "estate.town", "established_on", link="name"),
    "buildings": _c(
        "number", "estate", "area", "floors", "units", "structure", "built_year", "has_elevator",
        "floor_area_m2", "homes_count", homes_count=Column("homes_count", gettext_lazy("homes"), numeric=True),
    ),
    "homes": _c("room_number", "building.estate", "building", "unit", "floor", "area_m2", "use",
                building=Column("building", gettext_lazy("building"))),
    "shares": _c("home", "home.building.estate", "person", "kind", "share_percent", "since", "until"),
    # namesakes told apart (issue 18: 25 identical 丁丽 rows): the masked number and their homes
    "people": _c("name", "kind", "id_type", "id_number_masked", "homes_label", "phone_masked",
                 homes_label=Column("homes_label", gettext_lazy("homes held"))),
    "companies": _c("name", "credit_code", "filed_on", "filing_revoked_on", "qualification", "phone"),
    "contracts": _c("area", "area.estate", "company", "kind", "start_on", "end_on", "terminated_on",
                    link="start_on"),
    "committees": _c("name", "area", "area.estate", "established_on", "term_start", "term_end",
                     "dissolved_on"),
    "committee-members": _c("name", "committee", "role", "start_on", "end_on", "neighbourhood"),
    "committee-documents": _c("title", "committee", "kind", "issued_on"),
    "facilities": _c("kind", "estate", "building", "location", "quantity", "installed_on", "status"),
    "assessments": _c("kind", "estate", "passed_on", "revoked_on", "score"),
}

SECTIONS: dict[str, tuple[Section, ...]] = {
    "towns": (Section("neighbourhoods", "town"), Section("estates", "town")),
    "neighbourhoods": (Section("estates", "neighbourhood"),),
    "estates": (
        Section("areas", "estate"), Section("buildings", "estate"), Section("facilities", "estate"),
        Section("contracts", "estate"), Section("committees", "estate"), Section("assessments", "estate"),
    ),
    "areas": (Section("buildings", "area"), Section("contracts", "area"), Section("committees", "area")),
    "buildings": (Section("homes", "building"),),
    "homes": (Section("shares", "home", add="people"),),  # register an owner or tenant of this home
    "people": (Section("shares", "person"),),
    "companies": (Section("contracts", "company"),
                  Section("estates", "company", gettext_lazy("Estates served today"))),
    "committees": (Section("committee-members", "committee"), Section("committee-documents", "committee")),
}

HOMES_SHOWN = 2  # a person's homes named in the people list; more are counted


def _people_homes(user, people: list) -> None:
    """Each person's homes today (``homes_label``), those the user may see, in one query for the
    page: how a list of namesakes is told apart."""
    from collections import defaultdict

    from fangguan.registry.models import HomeShare

    homes = defaultdict(list)
    shares = (HomeShare.objects.visible_to(user).as_of(timezone.localdate()).filter(person__in=[p.pk for p in people])
              .select_related("home__building__estate").order_by("person_id", "home_id"))
    for share in shares:
        homes[share.person_id].append(str(share.home))
    for person in people:
        mine = homes.get(person.pk, [])
        label = "；".join(mine[:HOMES_SHOWN])
        if len(mine) > HOMES_SHOWN:
            label += _(" and %(n)s more homes") % {"n": len(mine) - HOMES_SHOWN}
        person.homes_label = label


# Warnings a row carries on lists and its page (the rule is the model's): records to check.
FLAGS = {
    "committees": lambda obj, day: [_("term ended")] if obj.term_ended(day) else [],
    "contracts": lambda obj, day: [_("starts more than a year ahead: check the date")] if obj.dated_far_ahead(day) else [],
}


def flags_of(obj, day=None) -> list[str]:
    flag = FLAGS.get(resource_of(obj) or "")
    return flag(obj, day or timezone.localdate()) if flag else []


# What a list page adds to its rows beyond their own fields, one query per page (never per row).
PAGE_EXTRAS = {"people": _people_homes}


def page_extras(resource: Resource, user, objects: list) -> list:
    if resource.name in PAGE_EXTRAS and objects:
        PAGE_EXTRAS[resource.name](user, objects)
    return objects


PAGES = "r"  # the namespace of resources with pages at /r/<name>/ (``core.resources``)


def pages() -> dict:
    """The resources with generic pages: every table registered in the ``r`` namespace."""
    return resources_in(PAGES)


# Fields never shown on a detail page: bookkeeping, search keys, ciphertexts and blind indexes.
HIDDEN_FIELDS = frozenset({"id", "name_pinyin", "created_at", "updated_at"})

def resource_of(obj_or_model) -> str | None:
    """The resource name (URL segment) of a record or model, if it has pages."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return next((r.name for r in pages().values() if r.model is model), None)


def detail_url(obj) -> str | None:
    name = resource_of(obj)
    return reverse("registry-detail", args=[name, obj.pk]) if name else None


def field_of(model: type[models.Model], path: str) -> models.Field | None:
    """The model field at the end of a dotted path, or None for annotations."""
    field = None
    for part in path.split("."):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model
    return field


def label_of(model: type[models.Model], column: Column) -> str:
    if column.label is not None:
        return capfirst(column.label)
    field = field_of(model, column.key)
    return capfirst(field.verbose_name) if field is not None else column.key


def format_value(value, field: models.Field | None = None, fmt: str = "") -> str:
    """A value as the pages print it: labels for choices, 是/否, ISO dates, grouped numbers."""
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if fmt == "wan":
        return number_format(Decimal(value) / WAN, decimal_pos=2, force_grouping=True)
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=field.decimal_places if field else 2, force_grouping=True)
    return str(value)  # integers plain: years, floors and counts read better without separators


def resolve(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def cell(obj, column: Column) -> dict:
    """One table cell: its text, and a link when the value is a record or the row's link column."""
    value = resolve(obj, column.key)
    url = None
    if isinstance(value, models.Model):
        url, text = detail_url(value), str(value)
    else:
        text = format_value(value, field_of(type(obj), column.key), column.fmt)
    if column.link:
        url = detail_url(obj)
    return {"text": text, "url": url, "numeric": column.numeric}


def columns_for(resource: Resource, *, without: str | None = None, columns: tuple[Column, ...] | None = None) -> list[dict]:
    """Column headings of a list: ``columns`` (a user's choice) or the list's own; ``without``
    drops the column a detail section is filtered on."""
    cols = [c for c in (columns or COLUMNS[resource.name]) if c.key != without]
    return [
        {"column": c, "label": label_of(resource.model, c), "sort": c.key if c.key in resource.ordering else None}
        for c in cols
    ]


def rows_for(objects, columns: list[dict]) -> list[dict]:
    """The rows' cells; a row's warnings (``FLAGS``) go in its first cell, beside what opens it."""
    day = timezone.localdate()
    rows = []
    for o in objects:
        cells = [cell(o, c["column"]) for c in columns]
        if cells:
            cells[0]["flags"] = flags_of(o, day)
        rows.append({"obj": o, "url": detail_url(o), "cells": cells})
    return rows


def detail_fields(obj) -> list[dict]:
    """The record's own fields, labelled by verbose name, secrets and bookkeeping left out."""
    hidden = HIDDEN_FIELDS | getattr(obj, "audit_exclude", frozenset())
    out = []
    for field in obj._meta.concrete_fields:
        if field.name in hidden:
            continue
        value = getattr(obj, field.name)
        text = str(value) if isinstance(value, models.Model) else format_value(value, field)
        url = detail_url(value) if isinstance(value, models.Model) else None
        if field.name.endswith("_m2") and value is not None:
            text = f"{text} ㎡"
        out.append({"name": field.name, "label": capfirst(field.verbose_name), "text": text, "url": url})
    return out


def section_label(section: Section) -> str:
    return capfirst(section.label or pages()[section.resource].model._meta.verbose_name_plural)
