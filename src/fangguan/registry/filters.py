"""List filters, shared by the API (query parameters) and the web lists (the same GET names).

Every list takes ``q`` (text search, including pinyin and initials where names are Chinese) and,
where it applies, ``town`` and ``estate`` (ids). The queryset they narrow is already scoped.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import FilterLookup, FilterSchema

from fangguan.core.api import Id

from .models import Contract, HomeShare


def _text(*lookups: str):
    return Annotated[str | None, FilterLookup([f"{lookup}__icontains" for lookup in lookups])]


def _eq(lookup: str, kind=Id):
    return Annotated[kind | None, FilterLookup(lookup)]


class TownFilters(FilterSchema):
    q: _text("name", "code") = None


class NeighbourhoodFilters(FilterSchema):
    q: _text("name", "code") = None
    town: _eq("town_id") = None


class EstateFilters(FilterSchema):
    q: _text("name", "code", "name_pinyin", "address") = None
    town: _eq("town_id") = None
    neighbourhood: _eq("neighbourhood_id") = None
    estate_type: _eq("estate_type", str) = None
    delivered_from: _eq("delivered_on__gte", dt.date) = None
    delivered_to: _eq("delivered_on__lte", dt.date) = None
    charging_eligible: _eq("charging_eligible", bool) = None
    company: Id | None = None

    def filter_company(self, value):
        """Estates the company serves under a contract in force today."""
        if value is None:
            return Q()
        areas = Contract.objects.as_of(timezone.localdate()).filter(company_id=value).values("area__estate_id")
        return Q(pk__in=areas)


class AreaFilters(FilterSchema):
    q: _text("name", "code") = None
    town: _eq("estate__town_id") = None
    estate: _eq("estate_id") = None


class BuildingFilters(FilterSchema):
    q: _text("number", "estate__name") = None
    town: _eq("estate__town_id") = None
    estate: _eq("estate_id") = None
    area: _eq("area_id") = None
    has_elevator: _eq("has_elevator", bool) = None


class HomeFilters(FilterSchema):
    q: _text("room_number", "property_unit_number") = None
    town: _eq("building__estate__town_id") = None
    estate: _eq("building__estate_id") = None
    building: _eq("building_id") = None
    use: _eq("use", str) = None


class ShareFilters(FilterSchema):
    town: _eq("home__building__estate__town_id") = None
    estate: _eq("home__building__estate_id") = None
    home: _eq("home_id") = None
    person: _eq("person_id") = None
    kind: _eq("kind", str) = None


class PersonFilters(FilterSchema):
    q: _text("name", "name_pinyin") = None
    kind: _eq("kind", str) = None
    town: Id | None = None
    estate: Id | None = None

    def filter_town(self, value):
        if value is None:
            return Q()
        return Q(pk__in=HomeShare.objects.filter(home__building__estate__town_id=value).values("person_id"))

    def filter_estate(self, value):
        if value is None:
            return Q()
        return Q(pk__in=HomeShare.objects.filter(home__building__estate_id=value).values("person_id"))


class CompanyFilters(FilterSchema):
    q: _text("name", "name_pinyin", "credit_code") = None
    filed: bool | None = None
    flagged: _eq("credit_code_flagged", bool) = None
    town: Id | None = None
    estate: Id | None = None

    def filter_filed(self, value):
        if value is None:
            return Q()
        filed = Q(filed_on__isnull=False) & (Q(filing_revoked_on__isnull=True) | Q(filing_revoked_on__gt=timezone.localdate()))
        return filed if value else ~filed

    def _serving(self, **lookup):
        return Q(pk__in=Contract.objects.as_of(timezone.localdate()).filter(**lookup).values("company_id"))

    def filter_town(self, value):
        return Q() if value is None else self._serving(area__estate__town_id=value)

    def filter_estate(self, value):
        return Q() if value is None else self._serving(area__estate_id=value)


class ContractFilters(FilterSchema):
    q: _text("company__name", "area__name") = None
    town: _eq("area__estate__town_id") = None
    estate: _eq("area__estate_id") = None
    area: _eq("area_id") = None
    company: _eq("company_id") = None
    kind: _eq("kind", str) = None
    in_force_on: dt.date | None = None

    def filter_in_force_on(self, value):
        if value is None:
            return Q()
        return Q(pk__in=Contract.objects.as_of(value).values("pk"))


class CommitteeFilters(FilterSchema):
    q: _text("name") = None
    town: _eq("area__estate__town_id") = None
    estate: _eq("area__estate_id") = None
    area: _eq("area_id") = None


class CommitteeMemberFilters(FilterSchema):
    q: _text("name") = None
    town: _eq("committee__area__estate__town_id") = None
    estate: _eq("committee__area__estate_id") = None
    committee: _eq("committee_id") = None


class CommitteeDocumentFilters(FilterSchema):
    q: _text("title") = None
    estate: _eq("committee__area__estate_id") = None
    committee: _eq("committee_id") = None
    kind: _eq("kind", str) = None


class FacilityFilters(FilterSchema):
    q: _text("location", "estate__name") = None
    town: _eq("estate__town_id") = None
    estate: _eq("estate_id") = None
    kind: _eq("kind", str) = None
    status: _eq("status", str) = None


class AssessmentFilters(FilterSchema):
    town: _eq("estate__town_id") = None
    estate: _eq("estate_id") = None
    kind: _eq("kind", str) = None
