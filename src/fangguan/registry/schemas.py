"""API shapes of registry records: what clients read (``*Out``) and send (``*In``).

Related records are ``{"id", "name"}`` objects on the way out and ids on the way in. Personal
numbers leave only masked; they come in clear and are encrypted by the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from fangguan.core.api import InSchema, Number, Ref, ref

# --- Out ------------------------------------------------------------------------------------


class TownOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class NeighbourhoodOut(Schema):
    id: int
    code: str
    name: str
    town: Ref
    property_subcommittee_since: dt.date | None
    property_subcommittee_until: dt.date | None


class EstateOut(Schema):
    id: int
    code: str
    name: str
    address: str
    town: Ref
    neighbourhood: Ref | None
    estate_type: str
    estate_type_label: str
    delivered_on: dt.date | None
    removed_on: dt.date | None
    land_area_m2: Number | None
    floor_area_m2: Number
    latitude: Number | None
    longitude: Number | None
    charging_eligible: bool
    has_onsite_office: bool
    service_phone: str
    office_address: str
    developer: Ref | None
    buildings_count: int
    homes_count: int



    @staticmethod
    def resolve_estate_type_label(obj):
        return str(obj.get_estate_type_display())


class AreaOut(Schema):
    id: int
    code: str
    name: str
    estate: Ref
    town: Ref
    established_on: dt.date | None


    @staticmethod
    def resolve_town(obj):
        return ref(obj.estate.town)


class BuildingOut(Schema):
    id: int
    number: str
    name: str
    estate: Ref
    area: Ref
    floors: int
    units: int
    structure: str
    built_year: int | None
    has_elevator: bool
    floor_area_m2: Number | None
    homes_count: int



class HomeOut(Schema):
    id: int
    name: str
    unit: str
    room_number: str
    floor: int
    area_m2: Number
    use: str
    property_unit_number: str
    building: Ref
    estate: Ref


    @staticmethod
    def resolve_estate(obj):
        return ref(obj.building.estate)


class ShareOut(Schema):
    id: int
    home: Ref
    person: Ref
    kind: str
    share_percent: Number
    since: dt.date
    until: dt.date | None



class PersonOut(Schema):
    id: int
    kind: str
    name: str
    id_type: str
    id_number: str = Field(description="masked, e.g. 310***********123X")
    id_number_flagged: bool
    phone: str = Field(description="masked, e.g. 138****5678")
    address: str

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone_masked


class CompanyOut(Schema):
    id: int
    name: str
    credit_code: str
    credit_code_flagged: bool
    filed_on: dt.date | None
    filing_revoked_on: dt.date | None
    qualification: str
    address: str
    phone: str


class ContractOut(Schema):
    id: int
    name: str
    area: Ref
    estate: Ref
    company: Ref
    kind: str
    start_on: dt.date
    end_on: dt.date | None
    terminated_on: dt.date | None
    fee_high_rise: Number | None
    fee_multi_storey: Number | None
    fee_other: Number | None

    @staticmethod
    def resolve_name(obj):
        return str(obj)


    @staticmethod
    def resolve_estate(obj):
        return ref(obj.area.estate)


class CommitteeOut(Schema):
    id: int
    name: str
    area: Ref
    estate: Ref
    assembly_established_on: dt.date | None
    established_on: dt.date | None
    term_start: dt.date | None
    term_end: dt.date | None
    dissolved_on: dt.date | None
    party_group_since: dt.date | None


    @staticmethod
    def resolve_estate(obj):
        return ref(obj.area.estate)


class CommitteeMemberOut(Schema):
    id: int
    name: str
    committee: Ref
    person: Ref | None
    role: str
    start_on: dt.date
    end_on: dt.date | None
    neighbourhood: Ref | None




class CommitteeDocumentOut(Schema):
    id: int
    committee: Ref
    kind: str
    title: str
    issued_on: dt.date
    body: str


class FacilityOut(Schema):
    id: int
    name: str
    estate: Ref
    building: Ref | None
    kind: str
    location: str
    quantity: int
    installed_on: dt.date | None
    removed_on: dt.date | None
    status: str

    @staticmethod
    def resolve_name(obj):
        return str(obj)



class AssessmentOut(Schema):
    id: int
    estate: Ref
    kind: str
    passed_on: dt.date
    revoked_on: dt.date | None
    score: Number | None



# --- In -------------------------------------------------------------------------------------
# Foreign keys are ids; the API resolves each through the referenced model's scope, so a
# record the writer cannot see cannot be referenced either.


class TownIn(InSchema):
    code: str
    name: str
    kind: str = "town"
    sort_order: int = 0


class NeighbourhoodIn(InSchema):
    town: int
    code: str
    name: str
    property_subcommittee_since: dt.date | None = None
    property_subcommittee_until: dt.date | None = None


class EstateIn(InSchema):
    code: str
    name: str
    address: str = ""
    town: int
    neighbourhood: int | None = None
    estate_type: str
    delivered_on: dt.date | None = None
    removed_on: dt.date | None = None
    land_area_m2: Decimal | None = None
    floor_area_m2: Decimal
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    charging_eligible: bool = True
    has_onsite_office: bool = True
    service_phone: str = ""
    office_address: str = ""
    developer: int | None = None


class AreaIn(InSchema):
    estate: int
    code: str
    name: str
    established_on: dt.date | None = None


class BuildingIn(InSchema):
    estate: int
    area: int
    number: str
    floors: int
    units: int = 1
    structure: str = "other"
    built_year: int | None = None
    has_elevator: bool = False
    floor_area_m2: Decimal | None = None


class HomeIn(InSchema):
    building: int
    unit: str = ""
    room_number: str
    floor: int
    area_m2: Decimal
    use: str = "residential"
    property_unit_number: str = ""


class ShareIn(InSchema):
    home: int
    person: int
    kind: str = "owner"
    share_percent: Decimal = Decimal("100")
    since: dt.date
    until: dt.date | None = None


class PersonShareIn(InSchema):
    home: int
    kind: str = "owner"
    share_percent: Decimal = Decimal("100")
    since: dt.date


class PersonIn(InSchema):
    kind: str = "natural"
    name: str
    id_type: str = "resident_id"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    share: PersonShareIn | None = Field(None, description="the person's right in a home, created with them")


class CompanyIn(InSchema):
    name: str
    credit_code: str
    filed_on: dt.date | None = None
    filing_revoked_on: dt.date | None = None
    qualification: str = ""
    address: str = ""
    phone: str = ""


class ContractIn(InSchema):
    area: int
    company: int
    kind: Literal["preliminary", "formal"]
    start_on: dt.date
    end_on: dt.date | None = None
    terminated_on: dt.date | None = None
    fee_high_rise: Decimal | None = None
    fee_multi_storey: Decimal | None = None
    fee_other: Decimal | None = None


class CommitteeIn(InSchema):
    area: int
    name: str
    assembly_established_on: dt.date | None = None
    established_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    dissolved_on: dt.date | None = None
    party_group_since: dt.date | None = None


class CommitteeMemberIn(InSchema):
    committee: int
    person: int | None = None
    name: str
    role: str = "member"
    start_on: dt.date
    end_on: dt.date | None = None
    neighbourhood: int | None = None


class CommitteeDocumentIn(InSchema):
    committee: int
    kind: str
    title: str
    issued_on: dt.date
    body: str = ""


class FacilityIn(InSchema):
    estate: int
    building: int | None = None
    kind: str
    location: str = ""
    quantity: int = 1
    installed_on: dt.date | None = None
    removed_on: dt.date | None = None
    status: str = "in_service"


class AssessmentIn(InSchema):
    estate: int
    kind: str
    passed_on: dt.date
    revoked_on: dt.date | None = None
    score: Decimal | None = None
