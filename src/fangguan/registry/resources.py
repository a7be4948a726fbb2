"""The registry's resources, declared once: model, API shapes, filters, how to fetch them.

The API (``api.py``) and the web pages (``views.py``) are both generated from this table, so
adding a registry record type is one entry here plus its model, schemas and filters — and a
list, detail, create, edit and history exist in both doors with the same scope and services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from ninja import FilterSchema, Schema

from . import filters as f
from . import models as m
from . import schemas as s


def _count(model: type[models.Model], link: str) -> Coalesce:
    """A correlated COUNT, evaluated only for the rows of the page being returned."""
    sub = model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(c=Count("*")).values("c")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class Resource:
    name: str  # URL segment: /api/v1/<name>, /<name>/
    model: type[models.Model]
    out: type[Schema]
    create_in: type[Schema] | None
    filters: type[FilterSchema]
    related: tuple[str, ...] = ()  # select_related for lists and details
    annotate: Callable[[models.QuerySet], models.QuerySet] | None = None
    references: dict[str, type[models.Model]] = field(default_factory=dict)  # input id -> model
    ordering: tuple[str, ...] = ("id",)  # sort keys a client may ask for
    deletable: bool = True
    patch_drop: tuple[str, ...] = ()

    @property
    def object_type(self) -> str:
        return self.model.audit_name

    def order(self, qs: models.QuerySet, ordering: str | None) -> models.QuerySet:
        """Sort by an allowed key (``-`` for descending); the id breaks ties so pages are stable."""
        if ordering:
            key = ordering.lstrip("-")
            if key not in self.ordering:
                raise ValidationError({"ordering": [_("Cannot sort by %(key)s.") % {"key": key}]})
            return qs.order_by(ordering, "-pk" if ordering.startswith("-") else "pk")
        return qs.order_by(*(qs.model._meta.ordering or ["pk"]), "pk")

    def queryset(self, user) -> models.QuerySet:
        qs = self.model.objects.visible_to(user)
        if self.related:
            qs = qs.select_related(*self.related)
        if self.annotate is not None:
            qs = self.annotate(qs)
        return qs


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("towns", m.Town, s.TownOut, s.TownIn, f.TownFilters, ordering=("sort_order", "code", "name"), deletable=False),
        Resource(
            "neighbourhoods", m.Neighbourhood, s.NeighbourhoodOut, s.NeighbourhoodIn, f.NeighbourhoodFilters,
            related=("town",), references={"town": m.Town}, ordering=("code", "name"),
        ),
        Resource(
            "estates", m.Estate, s.EstateOut, s.EstateIn, f.EstateFilters,
            related=("town", "neighbourhood"),
            annotate=lambda qs: qs.annotate(
                buildings_count=_count(m.Building, "estate"), homes_count=_count(m.Home, "building__estate")
            ),
            references={"town": m.Town, "neighbourhood": m.Neighbourhood},
            ordering=("code", "name", "delivered_on", "floor_area_m2", "town"),
        ),
        Resource(
            "areas", m.ManagementArea, s.AreaOut, s.AreaIn, f.AreaFilters,
            related=("estate__town",), references={"estate": m.Estate}, ordering=("code", "name"),
        ),
        Resource(
            "buildings", m.Building, s.BuildingOut, s.BuildingIn, f.BuildingFilters,
            related=("estate", "area"), annotate=lambda qs: qs.annotate(homes_count=_count(m.Home, "building")),
            references={"estate": m.Estate, "area": m.ManagementArea}, ordering=("number", "floors", "built_year"),
        ),
        Resource(
            "homes", m.Home, s.HomeOut, s.HomeIn, f.HomeFilters,
            related=("building__estate",), references={"building": m.Building},
            ordering=("room_number", "floor", "area_m2"),
        ),
        Resource(
            "shares", m.HomeShare, s.ShareOut, s.ShareIn, f.ShareFilters,
            related=("home__building__estate", "person"), references={"home": m.Home, "person": m.Person},
            ordering=("since",),
        ),
        Resource(
            "people", m.Person, s.PersonOut, s.PersonIn, f.PersonFilters, ordering=("name",), patch_drop=("share",),
        ),
        Resource(
            "companies", m.Company, s.CompanyOut, s.CompanyIn, f.CompanyFilters, ordering=("name", "filed_on"),
        ),
        Resource(
            "contracts", m.Contract, s.ContractOut, s.ContractIn, f.ContractFilters,
            related=("area__estate", "company"), references={"area": m.ManagementArea, "company": m.Company},
            ordering=("start_on", "end_on"),
        ),
        Resource(
            "committees", m.OwnersCommittee, s.CommitteeOut, s.CommitteeIn, f.CommitteeFilters,
            related=("area__estate",), references={"area": m.ManagementArea}, ordering=("established_on", "name"),
        ),
        Resource(
            "committee-members", m.CommitteeMember, s.CommitteeMemberOut, s.CommitteeMemberIn, f.CommitteeMemberFilters,
            related=("committee", "person", "neighbourhood"),
            references={"committee": m.OwnersCommittee, "person": m.Person, "neighbourhood": m.Neighbourhood},
            ordering=("start_on", "name"),
        ),
        Resource(
            "committee-documents", m.CommitteeDocument, s.CommitteeDocumentOut, s.CommitteeDocumentIn,
            f.CommitteeDocumentFilters, related=("committee",), references={"committee": m.OwnersCommittee},
            ordering=("issued_on",),
        ),
        Resource(
            "facilities", m.Facility, s.FacilityOut, s.FacilityIn, f.FacilityFilters,
            related=("estate", "building__estate"), references={"estate": m.Estate, "building": m.Building},
            ordering=("kind", "installed_on"),
        ),
        Resource(
            "assessments", m.Assessment, s.AssessmentOut, s.AssessmentIn, f.AssessmentFilters,
            related=("estate",), references={"estate": m.Estate}, ordering=("passed_on",),
        ),
    )
}

BY_OBJECT_TYPE: dict[str, Resource] = {r.object_type: r for r in RESOURCES.values()}
