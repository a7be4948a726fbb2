"""The registry's resources, declared once (``core.resources.Resource``): model, API shapes,
filters, how to fetch them.

The API (``api.py``, through ``core.crud``) and the web pages (``web``, namespace ``r``) are both
generated from this table, so adding a registry record type is one entry here plus its model,
schemas and filters — and a list, detail, create, edit and history exist in both doors with the
same scope and services.
"""

from __future__ import annotations

from fangguan.core.resources import Resource
from fangguan.core.resources import related_count as _count

from . import filters as f
from . import models as m
from . import schemas as s

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
            related=("town", "neighbourhood", "developer"),
            annotate=lambda qs: qs.annotate(
                buildings_count=_count(m.Building, "estate"), homes_count=_count(m.Home, "building__estate")
            ),
            references={"town": m.Town, "neighbourhood": m.Neighbourhood, "developer": m.Person},
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
