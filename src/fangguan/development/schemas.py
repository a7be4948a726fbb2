"""API shapes of development records. Item fields named in issue #8's contract are kept as
named there (permits: ``kind, date, project, housing_type, area_m2, homes``; parcels: ``date,
area_ha, residential_share, status``; renovations: ``completed_on, area_m2,
public_housing_area_m2``); validation stays in the models' ``clean()``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from fangguan.core.api import InSchema, Number, Ref, ref

from .choices import HousingType, LandUse, ParcelStatus, PermitKind, RenovationKind, one_of

HousingTypeIn = one_of(HousingType)


class ParcelOut(Schema):
    id: int
    code: str
    name: str
    town: Ref
    area_ha: Number
    planned_use: str
    residential_share: Number
    residential_ha: Number
    date: dt.date | None
    status: str
    latitude: Number | None
    longitude: Number | None

    @staticmethod
    def resolve_date(obj):
        return obj.listed_on


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    developer: str
    parcel: Ref | None
    town: Ref
    housing_type: str
    latitude: Number | None
    longitude: Number | None

    @staticmethod
    def resolve_parcel(obj):
        return ref(obj.parcel)


class PermitOut(Schema):
    id: int
    kind: str
    number: str
    date: dt.date
    project: Ref
    town: Ref
    housing_type: str
    area_m2: Number
    homes: int | None
    estate: Ref | None

    @staticmethod
    def resolve_date(obj):
        return obj.issued_on

    @staticmethod
    def resolve_town(obj):
        return ref(obj.project.town)

    @staticmethod
    def resolve_housing_type(obj):
        return obj.project.housing_type

    @staticmethod
    def resolve_estate(obj):
        return ref(obj.estate)


class AffordableOut(Schema):
    id: int
    project: Ref
    town: Ref
    homes: int
    area_m2: Number | None
    handed_over_on: dt.date | None
    ready_on: dt.date | None

    @staticmethod
    def resolve_town(obj):
        return ref(obj.project.town)


class RenovationOut(Schema):
    id: int
    code: str
    name: str
    town: Ref
    kind: str
    estates: list[Ref]
    area_m2: Number
    public_housing_area_m2: Number
    started_on: dt.date | None
    completed_on: dt.date | None

    @staticmethod
    def resolve_estates(obj):
        return [ref(e) for e in obj.estates.all()]


class ParcelIn(InSchema):
    code: str
    name: str = ""
    town: int
    area_ha: Decimal
    planned_use: one_of(LandUse)
    residential_share: Decimal = Decimal("1")
    listed_on: dt.date | None = None
    status: one_of(ParcelStatus) = ParcelStatus.PLANNED.value
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class ProjectIn(InSchema):
    code: str
    name: str
    developer: str
    parcel: int | None = None
    town: int
    housing_type: HousingTypeIn
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class PermitIn(InSchema):
    project: int
    kind: one_of(PermitKind)
    number: str
    issued_on: dt.date
    area_m2: Decimal
    homes: int | None = None
    estate: int | None = None


class AffordableIn(InSchema):
    project: int
    homes: int
    area_m2: Decimal | None = None
    handed_over_on: dt.date | None = None
    ready_on: dt.date | None = None


class RenovationIn(InSchema):
    code: str
    name: str
    town: int
    kind: one_of(RenovationKind)
    estates: list[int] = []
    area_m2: Decimal
    public_housing_area_m2: Decimal = Decimal("0")
    started_on: dt.date | None = None
    completed_on: dt.date | None = None
