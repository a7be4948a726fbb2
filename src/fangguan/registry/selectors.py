"""Reads of the registry that are more than a filter: the plan's registry figures as of a date.

``registry_stats`` is the one place these figures are computed; the API, the dashboard and any
report call it, so a number means the same everywhere. Everything counted is restricted to the
estates the user may see, so a town office gets its town's figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from fangguan.accounts.roles import OWNER, grants, reads_everything
from fangguan.core.figures import cached, key_of

from .choices import AssessmentKind, FacilityKind
from .models import (
    Assessment,
    CommitteeMember,
    Company,
    Contract,
    Estate,
    Facility,
    Neighbourhood,
    OwnersCommittee,
    Town,
)

FIGURES = (
    "estates",
    "managed_floor_area_m2",
    "companies_serving",
    "companies_filed",
    "owners_committees",
    "committees_with_party_group",
    "neighbourhood_committees_with_overlap",
    "neighbourhood_committees_with_property_subcommittee",
    "estates_meili_passed",
    "estates_with_charging",
)


class Counted:
    """The records each registry figure counts on ``day`` for ``user``, as querysets.

    ``registry_stats`` counts these; the list filters the dashboard's cards link to
    (``filters.py``: ``as_of``, ``serving_on``, ``overlap_on`` …) select rows with the same
    querysets, so a figure and the list behind it cannot disagree. Every queryset is narrowed by
    the model's own scope rule and by the estates counted, so a user counts only what their
    lists show them.
    """

    def __init__(self, user, day: dt.date):
        self.user, self.day = user, day
        self.all = reads_everything(user)
        self.estates = self._scoped(Estate).as_of(day)
        self.estate_ids = self.estates.values("pk")

    def _scoped(self, model):
        return model.objects.visible_to(self.user)

    @cached_property
    def contracts(self):
        return self._scoped(Contract).as_of(self.day).filter(area__estate__in=self.estate_ids)

    @cached_property
    def companies_serving(self):
        return self._scoped(Company).filter(pk__in=self.contracts.values("company_id"))

    @cached_property
    def companies_filed(self):
        """Filed and not revoked: district users all of them, others those serving their estates."""
        filed = self._scoped(Company).filed_as_of(self.day)
        return filed if self.all else filed.filter(pk__in=self.contracts.values("company_id"))

    @cached_property
    def committees(self):
        return self._scoped(OwnersCommittee).as_of(self.day).filter(area__estate__in=self.estate_ids)

    @cached_property
    def committees_with_party_group(self):
        return self.committees.filter(party_group_since__lte=self.day)

    @cached_property
    def overlap_members(self):
        return self._scoped(CommitteeMember).as_of(self.day).filter(
            committee__in=self.committees.values("pk"), neighbourhood__isnull=False
        )

    @cached_property
    def neighbourhoods_with_overlap(self):
        return self._scoped(Neighbourhood).filter(pk__in=self.overlap_members.values("neighbourhood_id"))

    @cached_property
    def neighbourhoods_with_subcommittee(self):
        """District users: every neighbourhood committee with one; others: those of their estates."""
        ncs = self._scoped(Neighbourhood).with_property_subcommittee(self.day)
        return ncs if self.all else ncs.filter(pk__in=self.estates.values("neighbourhood"))

    @cached_property
    def estates_meili_passed(self):
        passed = self._scoped(Assessment).as_of(self.day).filter(kind=AssessmentKind.MEILI_STANDARD)
        return self.estates.filter(pk__in=passed.values("estate_id"))

    @cached_property
    def estates_with_charging(self):
        sites = self._scoped(Facility).as_of(self.day).filter(kind=FacilityKind.EBIKE_CHARGING)
        return self.estates.filter(pk__in=sites.values("estate_id"))

    @cached_property
    def estates_charging_eligible(self):
        return self.estates.filter(charging_eligible=True)

    @cached_property
    def estates_eligible_with_charging(self):
        return self.estates_with_charging.filter(charging_eligible=True)


class DistrictWide(Counted):
    """The same records for the whole district, unscoped: what a list filter selects when the
    queryset it narrows is not scoped to a viewer (internal code, tests)."""

    def __init__(self, day: dt.date):
        self.user, self.day, self.all = None, day, True
        self.estates = Estate.objects.as_of(day)
        self.estate_ids = self.estates.values("pk")

    def _scoped(self, model):
        return model.objects.all()


def registry_stats(user, as_of: dt.date) -> dict:
    """``registry_figures`` through the cache: the figures depend only on the watched registry
    tables (core/dataversion.py), the date asked for, today (a company's reach is its contracts
    in force today) and the user's grants — the key holds all four, so a write anywhere in those
    tables makes every cached figure unreachable the moment it commits. A resident's reach
    hangs from homes and shares, which are not watched: their figures are not cached."""
    user_grants = grants(user)
    if any(g.kind == OWNER for g in user_grants):
        return registry_figures(user, as_of)
    return cached("registry_stats", "registry", [as_of.isoformat(), key_of(user_grants)],
                  lambda: registry_figures(user, as_of))


def registry_figures(user, as_of: dt.date) -> dict:
    """The registry figures the plan reports (§一(一)4, §一(一)3) on ``as_of``, in total and by
    town. Definitions (the querysets are ``Counted``'s):

    - estates: delivered on or before the date and not removed; floor area is theirs, in ㎡;
    - companies serving: distinct companies with a contract in force on an estate counted;
    - companies filed: filed with the bureau and not revoked (district users: all of them;
      others: those serving the estates they see);
    - owners' committees: established and not dissolved; with a party working group by then;
    - neighbourhood committees with overlap: those with a member also sitting, on that date,
      on a committee counted; with a property sub-committee on that date;
    - 美丽家园: estates holding a "standard passed" assessment not revoked by the date;
    - charging: estates with an e-bike charging site installed and not removed.
    """
    c = Counted(user, as_of)
    estates = c.estates
    towns = {t.pk: t for t in Town.objects.visible_to(user)}
    per_town: dict[int, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    def put(rows, key: str, **figures: str) -> None:
        """Per-town rows of one grouped query: ``figure=column`` for each figure it carries."""
        for row in rows:
            for figure, column in figures.items():
                per_town[row[key]][figure] = row[column]

    def among(counted) -> Q:
        """Rows of the grouped query that are also in a narrower ``Counted`` queryset."""
        return Q(pk__in=counted.values("pk"))

    # one pass over the estates counted, one over the contracts, one over the committees
    put(
        estates.values("town").annotate(
            n=Count("pk"),
            area=Sum("floor_area_m2"),
            meili=Count("pk", filter=among(c.estates_meili_passed)),
            charging=Count("pk", filter=among(c.estates_with_charging)),
        ),
        "town", estates="n", managed_floor_area_m2="area", estates_meili_passed="meili",
        estates_with_charging="charging",
    )
    filed = Company.objects.filed_as_of(as_of).values("pk")
    put(
        c.contracts.values("area__estate__town").annotate(
            serving=Count("company", distinct=True),
            filed=Count("company", distinct=True, filter=Q(company__in=filed)),
        ),
        "area__estate__town", companies_serving="serving", companies_filed="filed",
    )
    put(
        c.committees.values("area__estate__town").annotate(
            n=Count("pk"), party=Count("pk", filter=among(c.committees_with_party_group))
        ),
        "area__estate__town", owners_committees="n", committees_with_party_group="party",
    )
    put(
        c.overlap_members.values("neighbourhood__town").annotate(n=Count("neighbourhood", distinct=True)),
        "neighbourhood__town", neighbourhood_committees_with_overlap="n",
    )
    put(
        c.neighbourhoods_with_subcommittee.values("town").annotate(n=Count("pk")),
        "town", neighbourhood_committees_with_property_subcommittee="n",
    )

    totals = {figure: sum(row[figure] for row in per_town.values()) for figure in FIGURES}
    # Companies can serve in several towns: the district total counts each once.
    totals["companies_serving"] = c.companies_serving.count()
    totals["companies_filed"] = c.companies_filed.count()
    totals["neighbourhood_committees_with_overlap"] = c.neighbourhoods_with_overlap.count()

    def plain(row: dict) -> dict:
        area = row["managed_floor_area_m2"] or Decimal("0")
        return {**row, "managed_floor_area_m2": float(Decimal(area).quantize(Decimal("0.01")))}

    by_town = [
        {"town": {"id": town.pk, "name": town.name, "code": town.code}, **plain(per_town[town.pk])}
        for town in towns.values()
        if town.pk in per_town or reads_everything(user)
    ]
    return {"as_of": as_of, **plain(totals), "by_town": by_town}


def _percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal place (None when there is nothing to cover)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def registry_coverage(user, as_of: dt.date) -> dict:
    """Coverage rates on ``as_of``, in total and by town, with the counts they are made of:

    - charging: eligible estates (``charging_eligible``) with an e-bike charging site ÷ all
      eligible estates — the plan's indicator 7 (非机动车集中充电场所覆盖率);
    - 美丽家园: estates holding a "standard passed" assessment ÷ all estates.

    The counts are ``Counted``'s querysets, so they are the figures of ``registry_stats``.
    """
    c = Counted(user, as_of)
    series = {
        "estates": c.estates,
        "eligible": c.estates_charging_eligible,
        "eligible_with_charging": c.estates_eligible_with_charging,
        "meili_passed": c.estates_meili_passed,
    }
    per_town: dict[int, dict] = defaultdict(lambda: dict.fromkeys(series, 0))
    for name, qs in series.items():
        for row in qs.values("town").annotate(n=Count("pk")):
            per_town[row["town"]][name] = row["n"]

    def rates(row: dict) -> dict:
        return {
            **row,
            "charging_coverage_percent": _percent(row["eligible_with_charging"], row["eligible"]),
            "meili_percent": _percent(row["meili_passed"], row["estates"]),
        }

    totals = {name: sum(row[name] for row in per_town.values()) for name in series}
    by_town = [
        {"town": {"id": town.pk, "name": town.name, "code": town.code}, **rates(per_town[town.pk])}
        for town in Town.objects.visible_to(user)
        if town.pk in per_town or c.all
    ]
    return {"as_of": as_of, **rates(totals), "by_town": by_town}


def deliveries_by_year(user, as_of: dt.date) -> list[dict]:
    """Estates delivered each year up to ``as_of`` (the year's first and last day, count, floor
    area in ㎡), among the estates the user may see — including estates removed since, because a
    delivery stays a delivery. Years without deliveries are left out."""
    rows = (
        Estate.objects.visible_to(user)
        .filter(delivered_on__isnull=False, delivered_on__lte=as_of)
        .annotate(year=ExtractYear("delivered_on"))
        .values("year")
        .annotate(estates=Count("pk"), floor_area_m2=Sum("floor_area_m2"))
        .order_by("year")
    )
    return [
        {
            "year": row["year"],
            "first_day": dt.date(row["year"], 1, 1),
            "last_day": min(dt.date(row["year"], 12, 31), as_of),
            "estates": row["estates"],
            "floor_area_m2": Decimal(row["floor_area_m2"] or 0).quantize(Decimal("0.01")),
        }
        for row in rows
    ]


def town_locations(user) -> dict[str, list[tuple[Decimal, Decimal]]]:
    """The located estates ``user`` may see, as (longitude, latitude) by town name: where a map
    puts each town's name (``core.maps.town_labels``). Through the estates' own scope, so a town
    office labels its own town, the bureau every town."""
    located: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for town, lng, lat in (Estate.objects.visible_to(user).exclude(latitude=None).exclude(longitude=None)
                           .values_list("town__name", "longitude", "latitude")):
        located[town].append((lng, lat))
    return dict(located)
