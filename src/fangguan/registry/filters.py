"""List filters, shared by the API (query parameters) and the web lists (the same GET names).

Every list takes ``q`` (text search, including pinyin and initials where names are Chinese) and,
where it applies, ``town`` and ``estate`` (ids). The queryset they narrow is already scoped.

Date filters (``as_of``, ``in_force_on``, ``serving_on`` …) select exactly the records a registry
figure counts on that day (``selectors.Counted``), so the dashboard's cards link to lists whose
row count is the figure. On public registers (companies, neighbourhood committees) the figure
counts only those reaching the estates the viewer sees; those filters read the viewer from the
scoped queryset (``ScopedQuerySet.viewer``) and, on an unscoped queryset, count district-wide.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import FilterLookup, FilterSchema
from pydantic import PrivateAttr

from fangguan.core.api import Id

from .choices import AssessmentKind, FacilityKind
from .models import Assessment, Contract, Estate, Facility, HomeShare, OwnersCommittee


def _text(*lookups: str):
    return Annotated[str | None, FilterLookup([f"{lookup}__icontains" for lookup in lookups])]


def matching(lookup: str, kind=Id):
    """A list filter applying ``lookup`` to the value given (ids by default): equality, or what the
    lookup names (``delivered_on__gte``)."""
    return Annotated[kind | None, FilterLookup(lookup)]


class ViewerFilters(FilterSchema):
    """Filters some of whose meaning depends on who is looking (see the module's docstring)."""

    _viewer = PrivateAttr(default=None)

    def filter(self, queryset):
        self._viewer = getattr(queryset, "viewer", None)
        return super().filter(queryset)

    def counted(self, day: dt.date):
        from .selectors import Counted, DistrictWide

        return DistrictWide(day) if self._viewer is None else Counted(self._viewer, day)


def _estates_on(day: dt.date):
    return Estate.objects.as_of(day).values("pk")


class TownFilters(FilterSchema):
    q: _text("name", "code") = None


class NeighbourhoodFilters(ViewerFilters):
    q: _text("name", "code") = None
    town: matching("town_id") = None
    overlap_on: dt.date | None = None
    subcommittee_on: dt.date | None = None

    def filter_overlap_on(self, value):
        """With a member sitting, on that day, on an owners' committee counted (交叉任职)."""
        if value is None:
            return Q()
        return Q(pk__in=self.counted(value).neighbourhoods_with_overlap.values("pk"))

    def filter_subcommittee_on(self, value):
        """With an environment and property sub-committee on that day (among the viewer's)."""
        if value is None:
            return Q()
        return Q(pk__in=self.counted(value).neighbourhoods_with_subcommittee.values("pk"))


class EstateFilters(FilterSchema):
    q: _text("name", "code", "name_pinyin", "address") = None
    town: matching("town_id") = None
    neighbourhood: matching("neighbourhood_id") = None
    estate_type: matching("estate_type", str) = None
    delivered_from: matching("delivered_on__gte", dt.date) = None
    delivered_to: matching("delivered_on__lte", dt.date) = None
    charging_eligible: matching("charging_eligible", bool) = None
    company: Id | None = None
    as_of: dt.date | None = None
    meili_on: dt.date | None = None
    charging_on: dt.date | None = None

    def filter_as_of(self, value):
        """In the registry on that day: delivered by then and not removed."""
        return Q() if value is None else Q(pk__in=_estates_on(value))

    def filter_meili_on(self, value):
        """Holding a 美丽家园 "standard passed" assessment on that day."""
        if value is None:
            return Q()
        passed = Assessment.objects.as_of(value).filter(kind=AssessmentKind.MEILI_STANDARD)
        return Q(pk__in=passed.values("estate_id"))

    def filter_charging_on(self, value):
        """With an e-bike charging site in service on that day."""
        if value is None:
            return Q()
        sites = Facility.objects.as_of(value).filter(kind=FacilityKind.EBIKE_CHARGING)
        return Q(pk__in=sites.values("estate_id"))

    def filter_company(self, value):
        """Estates the company serves under a contract in force today."""
        if value is None:
            return Q()
        areas = Contract.objects.as_of(timezone.localdate()).filter(company_id=value).values("area__estate_id")
        return Q(pk__in=areas)


class AreaFilters(FilterSchema):
    q: _text("name", "code") = None
    town: matching("estate__town_id") = None
    estate: matching("estate_id") = None


class BuildingFilters(FilterSchema):
    q: _text("number", "estate__name") = None
    town: matching("estate__town_id") = None
    estate: matching("estate_id") = None
    area: matching("area_id") = None
    has_elevator: matching("has_elevator", bool) = None


class HomeFilters(FilterSchema):
    q: _text("room_number", "property_unit_number") = None
    town: matching("building__estate__town_id") = None
    estate: matching("building__estate_id") = None
    building: matching("building_id") = None
    use: matching("use", str) = None


class ShareFilters(FilterSchema):
    town: matching("home__building__estate__town_id") = None
    estate: matching("home__building__estate_id") = None
    home: matching("home_id") = None
    person: matching("person_id") = None
    kind: matching("kind", str) = None


class PersonFilters(FilterSchema):
    q: _text("name", "name_pinyin") = None
    kind: matching("kind", str) = None
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


class CompanyFilters(ViewerFilters):
    q: _text("name", "name_pinyin", "credit_code") = None
    filed: bool | None = None
    flagged: matching("credit_code_flagged", bool) = None
    town: Id | None = None
    estate: Id | None = None
    serving_on: dt.date | None = None
    filed_as_of: dt.date | None = None

    def filter_filed(self, value):
        if value is None:
            return Q()
        filed = Q(filed_on__isnull=False) & (Q(filing_revoked_on__isnull=True) | Q(filing_revoked_on__gt=timezone.localdate()))
        return filed if value else ~filed

    def filter_filed_as_of(self, value):
        """Filed with the bureau by that day and not revoked by it."""
        if value is None:
            return Q()
        return Q(filed_on__isnull=False, filed_on__lte=value) & (
            Q(filing_revoked_on__isnull=True) | Q(filing_revoked_on__gt=value)
        )

    def _serving(self, **lookup):
        """Companies with a contract in force — on ``serving_on`` for the estates counted that day
        (the viewer's), else today — narrowed by ``lookup`` (town, estate)."""
        if self.serving_on is not None:
            contracts = self.counted(self.serving_on).contracts
        else:
            contracts = Contract.objects.as_of(timezone.localdate())
        return Q(pk__in=contracts.filter(**lookup).values("company_id"))

    def filter_serving_on(self, value):
        return Q() if value is None else self._serving()

    def filter_town(self, value):
        return Q() if value is None else self._serving(area__estate__town_id=value)

    def filter_estate(self, value):
        return Q() if value is None else self._serving(area__estate_id=value)


class ContractFilters(FilterSchema):
    q: _text("company__name", "area__name") = None
    town: matching("area__estate__town_id") = None
    estate: matching("area__estate_id") = None
    area: matching("area_id") = None
    company: matching("company_id") = None
    kind: matching("kind", str) = None
    in_force_on: dt.date | None = None

    def filter_in_force_on(self, value):
        if value is None:
            return Q()
        return Q(pk__in=Contract.objects.as_of(value).values("pk"))


class CommitteeFilters(FilterSchema):
    q: _text("name") = None
    town: matching("area__estate__town_id") = None
    estate: matching("area__estate_id") = None
    area: matching("area_id") = None
    in_force_on: dt.date | None = None
    party_group_on: matching("party_group_since__lte", dt.date) = None

    def filter_in_force_on(self, value):
        """Established and not dissolved on that day, for an estate in the registry that day."""
        if value is None:
            return Q()
        return Q(pk__in=OwnersCommittee.objects.as_of(value).filter(area__estate__in=_estates_on(value)).values("pk"))


class CommitteeMemberFilters(FilterSchema):
    q: _text("name") = None
    town: matching("committee__area__estate__town_id") = None
    estate: matching("committee__area__estate_id") = None
    committee: matching("committee_id") = None


class CommitteeDocumentFilters(FilterSchema):
    q: _text("title") = None
    estate: matching("committee__area__estate_id") = None
    committee: matching("committee_id") = None
    kind: matching("kind", str) = None


class FacilityFilters(FilterSchema):
    q: _text("location", "estate__name") = None
    town: matching("estate__town_id") = None
    estate: matching("estate_id") = None
    kind: matching("kind", str) = None
    status: matching("status", str) = None


class AssessmentFilters(FilterSchema):
    town: matching("estate__town_id") = None
    estate: matching("estate_id") = None
    kind: matching("kind", str) = None
    passed_from: matching("passed_on__gte", dt.date) = None  # the plan's designations per period (issue #8)
    passed_to: matching("passed_on__lte", dt.date) = None
