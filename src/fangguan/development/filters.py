"""List filters shared by the API and the web lists: ``town`` (id), ``from`` / ``to`` (dates,
inclusive) on the date each record is counted by, plus record-specific ones. The progress page's
drill-down links use exactly these, so a figure and the list behind it select the same rows
(``planning.measures`` selects the records it counts with these classes)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db.models import Q
from ninja import FilterSchema
from pydantic import ConfigDict, Field

from fangguan.core.api import Id
from fangguan.registry.filters import matching

from .choices import HousingType, LandUse, ParcelStatus, PermitKind, one_of


class DatedFilters(FilterSchema):
    """``from``/``to`` select on ``date_field``; ``town`` on ``town_field``."""

    model_config = ConfigDict(populate_by_name=True)
    date_field: ClassVar[str] = "issued_on"
    town_field: ClassVar[str] = "town_id"

    q: str | None = None
    town: Id | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")

    def filter_town(self, value):
        return Q() if value is None else Q(**{self.town_field: value})

    def filter_date_from(self, value):
        return Q() if value is None else Q(**{f"{self.date_field}__gte": value})

    def filter_date_to(self, value):
        return Q() if value is None else Q(**{f"{self.date_field}__lte": value})

    def filter_q(self, value):
        return Q() if not value else self.text_q(value)

    def text_q(self, value: str) -> Q:
        return Q(code__icontains=value) | Q(name__icontains=value)


class ParcelFilters(DatedFilters):
    date_field: ClassVar[str] = "listed_on"
    status: matching("status", one_of(ParcelStatus)) = None
    planned_use: matching("planned_use", one_of(LandUse)) = None
    residential: bool | None = None

    def filter_residential(self, value):
        """With a residential share (what the land indicator counts)."""
        if value is None:
            return Q()
        return Q(residential_share__gt=0) if value else Q(residential_share=0)


class ProjectFilters(DatedFilters):
    """``from``/``to`` on projects: those with a permit dated in the range."""

    date_field: ClassVar[str] = "permits__issued_on"
    housing_type: matching("housing_type", one_of(HousingType)) = None

    def _with_a_permit_in_range(self) -> Q:
        from .models import Permit

        permits = Permit.objects.all()
        if self.date_from is not None:
            permits = permits.filter(issued_on__gte=self.date_from)
        if self.date_to is not None:
            permits = permits.filter(issued_on__lte=self.date_to)
        return Q(pk__in=permits.values("project_id"))

    def filter_date_from(self, value):
        return Q() if value is None else self._with_a_permit_in_range()

    def filter_date_to(self, value):
        """With ``from`` too, already applied there: one permit inside the whole range."""
        return Q() if value is None or self.date_from is not None else self._with_a_permit_in_range()

    def text_q(self, value):
        return super().text_q(value) | Q(developer__icontains=value)


class PermitFilters(DatedFilters):
    date_field: ClassVar[str] = "issued_on"
    town_field: ClassVar[str] = "project__town_id"
    kind: matching("kind", one_of(PermitKind)) = None
    housing_type: matching("project__housing_type", one_of(HousingType)) = None
    project: matching("project_id") = None
    estate: matching("estate_id") = None

    def text_q(self, value):
        return Q(number__icontains=value) | Q(project__name__icontains=value)


class AffordableFilters(DatedFilters):
    """``from``/``to`` on the date the homes became ready for supply."""

    date_field: ClassVar[str] = "ready_on"
    town_field: ClassVar[str] = "project__town_id"
    ready: bool | None = None

    def filter_ready(self, value):
        return Q() if value is None else Q(ready_on__isnull=not value)

    def text_q(self, value):
        return Q(project__name__icontains=value)


class RenovationFilters(DatedFilters):
    """``from``/``to`` on the completion date (what the renovation indicators count)."""

    date_field: ClassVar[str] = "completed_on"
    kind: matching("kind", str) = None
    estate: matching("estates") = None


