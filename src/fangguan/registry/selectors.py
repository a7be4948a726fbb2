"""Reads of the registry that are more than a filter: the plan's registry figures as of a date.

``registry_stats`` is the one place these figures are computed; the API, the dashboard and any
report call it, so a number means the same everywhere. Everything counted is restricted to the
estates the user may see, so a town office gets its town's figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from fangguan.accounts.roles import reads_everything

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


def registry_stats(user, as_of: dt.date) -> dict:
    """The registry figures the plan reports (§一(一)4, §一(一)3) on ``as_of``, in total and by
    town. Definitions:

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
    estates = Estate.objects.visible_to(user).as_of(as_of)
    estate_ids = estates.values("pk")
    towns = {t.pk: t for t in Town.objects.visible_to(user)}
    per_town: dict[int, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    def put(figure: str, rows, key: str = "town", value: str = "n") -> None:
        for row in rows:
            per_town[row[key]][figure] = row[value]

    put("estates", estates.values("town").annotate(n=Count("pk")))
    put("managed_floor_area_m2", estates.values("town").annotate(n=Sum("floor_area_m2")))

    contracts = Contract.objects.as_of(as_of).filter(area__estate__in=estate_ids)
    serving = contracts.values("area__estate__town").annotate(n=Count("company", distinct=True))
    put("companies_serving", serving, key="area__estate__town")
    filed = Company.objects.filed_as_of(as_of)
    filed_serving = filed.filter(contracts__in=contracts)
    put(
        "companies_filed",
        filed_serving.values("contracts__area__estate__town").annotate(n=Count("pk", distinct=True)),
        key="contracts__area__estate__town",
    )

    committees = OwnersCommittee.objects.as_of(as_of).filter(area__estate__in=estate_ids)
    put("owners_committees", committees.values("area__estate__town").annotate(n=Count("pk")), key="area__estate__town")
    party = committees.filter(party_group_since__lte=as_of)
    put("committees_with_party_group", party.values("area__estate__town").annotate(n=Count("pk")), key="area__estate__town")

    overlap = CommitteeMember.objects.as_of(as_of).filter(committee__in=committees, neighbourhood__isnull=False)
    put(
        "neighbourhood_committees_with_overlap",
        overlap.values("neighbourhood__town").annotate(n=Count("neighbourhood", distinct=True)),
        key="neighbourhood__town",
    )
    neighbourhoods = Neighbourhood.objects.with_property_subcommittee(as_of)
    if not reads_everything(user):
        neighbourhoods = neighbourhoods.filter(pk__in=estates.values("neighbourhood"))
    put("neighbourhood_committees_with_property_subcommittee", neighbourhoods.values("town").annotate(n=Count("pk")))

    meili = Assessment.objects.as_of(as_of).filter(kind=AssessmentKind.MEILI_STANDARD, estate__in=estate_ids)
    put("estates_meili_passed", meili.values("estate__town").annotate(n=Count("estate", distinct=True)), key="estate__town")
    charging = Facility.objects.as_of(as_of).filter(kind=FacilityKind.EBIKE_CHARGING, estate__in=estate_ids)
    put("estates_with_charging", charging.values("estate__town").annotate(n=Count("estate", distinct=True)), key="estate__town")

    totals = {figure: sum(row[figure] for row in per_town.values()) for figure in FIGURES}
    # Companies can serve in several towns: the district total counts each once.
    totals["companies_serving"] = contracts.values("company").distinct().count()
    totals["companies_filed"] = (
        filed.count() if reads_everything(user) else filed_serving.values("pk").distinct().count()
    )
    totals["neighbourhood_committees_with_overlap"] = overlap.values("neighbourhood").distinct().count()

    def plain(row: dict) -> dict:
        area = row["managed_floor_area_m2"] or Decimal("0")
        return {**row, "managed_floor_area_m2": float(Decimal(area).quantize(Decimal("0.01")))}

    by_town = [
        {"town": {"id": town.pk, "name": town.name, "code": town.code}, **plain(per_town[town.pk])}
        for town in towns.values()
        if town.pk in per_town or reads_everything(user)
    ]
    return {"as_of": as_of, **plain(totals), "by_town": by_town}
