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
from fangguan.core.rows import Rows, label, number, plain, ref, text

from . import choices as c
from . import filters as f
from . import models as m
from . import schemas as s

# List rows straight from values() (core.rows), field by field in the *Out schema's order; a
# reference's name is its model's str(). tests/api/test_fast_lists.py compares each with the schema.
_ESTATE_ROWS = Rows(
    plain("id"), plain("code"), plain("name"), plain("address"), ref("town", "town_id", "town__name"),
    ref("neighbourhood", "neighbourhood_id", "neighbourhood__name"), plain("estate_type"),
    label("estate_type_label", "estate_type", c.EstateType.choices), plain("delivered_on"), plain("removed_on"),
    number("land_area_m2"), number("floor_area_m2"), number("latitude"), number("longitude"),
    plain("charging_eligible"), plain("has_onsite_office"), plain("service_phone"), plain("office_address"),
    ref("developer", "developer_id", "developer__name"), plain("buildings_count"), plain("homes_count"),
)
_HOME_ROWS = Rows(
    plain("id"), text("name", "building__estate__name", "building__number", "room_number"), plain("unit"),
    plain("room_number"), plain("floor"), number("area_m2"), plain("use"), plain("property_unit_number"),
    ref("building", "building_id", "building__estate__name", "building__number"),
    ref("estate", "building__estate_id", "building__estate__name"),
)
_BUILDING_ROWS = Rows(
    plain("id"), plain("number"), text("name", "estate__name", "number"), ref("estate", "estate_id", "estate__name"),
    ref("area", "area_id", "area__name"), plain("floors"), plain("units"), plain("structure"), plain("built_year"),
    plain("has_elevator"), number("floor_area_m2"), plain("homes_count"),
)

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("towns", m.Town, s.TownOut, s.TownIn, f.TownFilters, ordering=("sort_order", "code", "name"), deletable=False,
                 rows=Rows(plain("id"), plain("code"), plain("name"), plain("kind"))),
        Resource(
            "neighbourhoods", m.Neighbourhood, s.NeighbourhoodOut, s.NeighbourhoodIn, f.NeighbourhoodFilters,
            related=("town",), references={"town": m.Town}, ordering=("code", "name"),
            rows=Rows(plain("id"), plain("code"), plain("name"), ref("town", "town_id", "town__name"),
                      plain("property_subcommittee_since"), plain("property_subcommittee_until")),
        ),
        Resource(
            "estates", m.Estate, s.EstateOut, s.EstateIn, f.EstateFilters,
            related=("town", "neighbourhood", "developer"),
            annotate=lambda qs: qs.annotate(
                buildings_count=_count(m.Building, "estate"), homes_count=_count(m.Home, "building__estate")
            ),
            references={"town": m.Town, "neighbourhood": m.Neighbourhood, "developer": m.Person},
            ordering=("code", "name", "delivered_on", "floor_area_m2", "town"), rows=_ESTATE_ROWS,
        ),
        Resource(
            "areas", m.ManagementArea, s.AreaOut, s.AreaIn, f.AreaFilters,
            related=("estate__town",), references={"estate": m.Estate}, ordering=("code", "name"),
            rows=Rows(plain("id"), plain("code"), plain("name"), ref("estate", "estate_id", "estate__name"),
                      ref("town", "estate__town_id", "estate__town__name"), plain("established_on")),
        ),
        Resource(
            "buildings", m.Building, s.BuildingOut, s.BuildingIn, f.BuildingFilters,
            related=("estate", "area"), annotate=lambda qs: qs.annotate(homes_count=_count(m.Home, "building")),
            references={"estate": m.Estate, "area": m.ManagementArea}, ordering=("number", "floors", "built_year"),
            rows=_BUILDING_ROWS,
        ),
        Resource(
            "homes", m.Home, s.HomeOut, s.HomeIn, f.HomeFilters,
            related=("building__estate",), references={"building": m.Building},
            ordering=("room_number", "floor", "area_m2"), rows=_HOME_ROWS,
        ),
        Resource(
            "shares", m.HomeShare, s.ShareOut, s.ShareIn, f.ShareFilters,
            related=("home__building__estate", "person"), references={"home": m.Home, "person": m.Person},
            ordering=("since",),
            rows=Rows(plain("id"),
                      ref("home", "home_id", "home__building__estate__name", "home__building__number", "home__room_number"),
                      ref("person", "person_id", "person__name"), plain("kind"), number("share_percent"),
                      plain("since"), plain("until")),
        ),
        Resource(
            "people", m.Person, s.PersonOut, s.PersonIn, f.PersonFilters, ordering=("name",), patch_drop=("share",),
            rows=Rows(plain("id"), plain("kind"), plain("name"), plain("id_type"), plain("id_number", "id_number_masked"),
                      plain("id_number_flagged"), plain("phone", "phone_masked"), plain("address")),
        ),
        Resource(
            "companies", m.Company, s.CompanyOut, s.CompanyIn, f.CompanyFilters, ordering=("name", "filed_on"),
            rows=Rows(*(plain(n) for n in ("id", "name", "credit_code", "credit_code_flagged", "filed_on",
                                           "filing_revoked_on", "qualification", "address", "phone"))),
        ),
        Resource(
            "contracts", m.Contract, s.ContractOut, s.ContractIn, f.ContractFilters,
            related=("area__estate", "company"), references={"area": m.ManagementArea, "company": m.Company},
            ordering=("start_on", "end_on"),
            rows=Rows(plain("id"), text("name", "area__name", "company__name", "start_on", sep=" · "),
                      ref("area", "area_id", "area__name"), ref("estate", "area__estate_id", "area__estate__name"),
                      ref("company", "company_id", "company__name"), plain("kind"), plain("start_on"),
                      plain("end_on"), plain("terminated_on"), number("fee_high_rise"),
                      number("fee_multi_storey"), number("fee_other")),
        ),
        Resource(
            "committees", m.OwnersCommittee, s.CommitteeOut, s.CommitteeIn, f.CommitteeFilters,
            related=("area__estate",), references={"area": m.ManagementArea}, ordering=("established_on", "name"),
            rows=Rows(plain("id"), plain("name"), ref("area", "area_id", "area__name"),
                      ref("estate", "area__estate_id", "area__estate__name"),
                      *(plain(n) for n in ("assembly_established_on", "established_on", "term_start", "term_end",
                                           "dissolved_on", "party_group_since"))),
        ),
        Resource(
            "committee-members", m.CommitteeMember, s.CommitteeMemberOut, s.CommitteeMemberIn, f.CommitteeMemberFilters,
            related=("committee", "person", "neighbourhood"),
            references={"committee": m.OwnersCommittee, "person": m.Person, "neighbourhood": m.Neighbourhood},
            ordering=("start_on", "name"),
            rows=Rows(plain("id"), plain("name"), ref("committee", "committee_id", "committee__name"),
                      ref("person", "person_id", "person__name"), plain("role"), plain("start_on"), plain("end_on"),
                      ref("neighbourhood", "neighbourhood_id", "neighbourhood__name")),
        ),
        Resource(
            "committee-documents", m.CommitteeDocument, s.CommitteeDocumentOut, s.CommitteeDocumentIn,
            f.CommitteeDocumentFilters, related=("committee",), references={"committee": m.OwnersCommittee},
            ordering=("issued_on",),
            rows=Rows(plain("id"), ref("committee", "committee_id", "committee__name"), plain("kind"), plain("title"),
                      plain("issued_on"), plain("body")),
        ),
        Resource(
            "facilities", m.Facility, s.FacilityOut, s.FacilityIn, f.FacilityFilters,
            related=("estate", "building__estate"), references={"estate": m.Estate, "building": m.Building},
            ordering=("kind", "installed_on"),
        ),
        Resource(
            "assessments", m.Assessment, s.AssessmentOut, s.AssessmentIn, f.AssessmentFilters,
            related=("estate",), references={"estate": m.Estate}, ordering=("passed_on",),
            rows=Rows(plain("id"), ref("estate", "estate_id", "estate__name"), plain("kind"), plain("passed_on"),
                      plain("revoked_on"), number("score")),
        ),
    )
}

BY_OBJECT_TYPE: dict[str, Resource] = {r.object_type: r for r in RESOURCES.values()}
