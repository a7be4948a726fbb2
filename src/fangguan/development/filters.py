"""List filters shared by the API and the web lists: ``town`` (id), ``from`` / ``to`` (dates,
inclusive) on the date each record is counted by, plus record-specific ones. The progress page's
drill-down links use exactly these, so a figure and the list behind it select the same rows
(``planning.measures`` selects the records it counts with these classes)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from django.db.models import Q
from ninja import FilterSchema
from pydantic import ConfigDict, Field

from fangguan.core.api import Id


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
    status: Literal["planned", "listed", "withdrawn"] | None = None
    planned_use: Literal["residential", "mixed", "other"] | None = None
    residential: bool | None = None

    def filter_status(self, value):
        return Q() if value is None else Q(status=value)

    def filter_planned_use(self, value):
        return Q() if value is None else Q(planned_use=value)

    def filter_residential(self, value):
        """With a residential share (what the land indicator counts)."""
        if value is None:
            return Q()
        return Q(residential_share__gt=0) if value else Q(residential_share=0)


class ProjectFilters(DatedFilters):
    """``from``/``to`` on projects: those with a permit dated in the range."""

    date_field: ClassVar[str] = "permits__issued_on"
    housing_type: Literal["commercial", "resettlement", "social_rental", "affordable"] | None = None

    def filter_housing_type(self, value):
        return Q() if value is None else Q(housing_type=value)

    def filter_date_from(self, value):
        from .models import Permit

        return Q() if value is None else Q(pk__in=Permit.objects.filter(issued_on__gte=value).values("project_id"))

    def filter_date_to(self, value):
        from .models import Permit

        return Q() if value is None else Q(pk__in=Permit.objects.filter(issued_on__lte=value).values("project_id"))

    def text_q(self, value):
        return super().text_q(value) | Q(developer__icontains=value)


class PermitFilters(DatedFilters):
    date_field: ClassVar[str] = "issued_on"
    town_field: ClassVar[str] = "project__town_id"
    kind: Literal["construction", "presale", "delivery"] | None = None
    housing_type: Literal["commercial", "resettlement", "social_rental", "affordable"] | None = None
    project: Id | None = None
    estate: Id | None = None

    def filter_kind(self, value):
        return Q() if value is None else Q(kind=value)

    def filter_housing_type(self, value):
        return Q() if value is None else Q(project__housing_type=value)

    def filter_project(self, value):
        return Q() if value is None else Q(project_id=value)

    def filter_estate(self, value):
        return Q() if value is None else Q(estate_id=value)

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
    kind: str | None = None
    estate: Id | None = None

    def filter_kind(self, value):
        return Q() if value is None else Q(kind=value)

    def filter_estate(self, value):
        return Q() if value is None else Q(estates=value)


