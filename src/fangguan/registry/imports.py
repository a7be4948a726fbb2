"""The registry's import kinds: columns (Chinese headings, as templates and exports write them),
natural keys, and how a row becomes a record. Registered with ``fangguan.imports`` from
``ImportsConfig.ready``; exports of the same lists write exactly these columns, so an export is
a valid import file of its kind (``exports.py``).

Natural keys: estate code; area code; estate + building number; building + room number; credit
code; identity number (through its blind index); area + committee name; area + company + kind +
start date for contracts; estate + kind + location for facilities. A row with an ``id`` updates
that record even when it changes its natural key.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.accounts.roles import grants
from fangguan.core.exports import SYSTEM_ID
from fangguan.core.identity import IdType, check_id_number, check_phone, normalise
from fangguan.imports import cells
from fangguan.imports.specs import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Column,
    Context,
    RecordSpec,
    Ref,
    Row,
    register,
)

from . import models as m
from . import services
from .choices import (
    CommitteeRole,
    ContractKind,
    EstateType,
    FacilityKind,
    FacilityStatus,
    HomeUse,
    PersonKind,
    ShareKind,
    Structure,
)


class RegistrySpec(RecordSpec):
    """A registry kind: rows are written through ``registry.services``."""

    def create(self, actor, data: dict[str, Any]):
        return services.registry_create(actor=actor, model=self.model, data=data)

    def update(self, actor, instance, changes: dict[str, Any]):
        return services.registry_update(actor=actor, instance=instance, changes=changes)


def choice(choices):
    mapping = cells.choice_map(choices)

    def parse(raw):
        return cells.choice(raw, mapping, choices)

    parse.choices = choices
    return parse


def allowed(choices) -> str:
    return "、".join(str(label) for _v, label in choices.choices)


def label_of(choices, value) -> str:
    return cells.choice_label(choices, value) if value else ""


def identity(raw):
    """Identity numbers and credit codes: full-width folded, no spaces or dashes, upper case
    (``core.identity.normalise``); whether the number is valid is the model's business."""
    value = str(raw).strip()
    folded = normalise(value)
    return folded, (str(cells.N_WIDTH) if folded != value.upper() else None)


G_PLACE = gettext_lazy("where")
G_RECORD = gettext_lazy("record")
G_SHARE = gettext_lazy("right in a home")
G_MEMBER = gettext_lazy("committee member")
# a file headed "id" (the column's name, the heading before) still imports
ID = Column(SYSTEM_ID, "id", cells.integer, help=gettext_lazy("The system id (exports fill it): a row with an id updates that record. Leave empty for new records."),
            allowed=gettext_lazy("a whole number, or empty"), get=lambda o: o.pk)



def code_of(obj) -> str:
    return obj.code if obj is not None else ""


# --- Estates, areas, buildings, homes ---------------------------------------------------------

ESTATES = RegistrySpec(
    kind="estates", label=gettext_lazy("Estates"), model=m.Estate, bulk=True, key=("code",),
    related=("town", "neighbourhood"),
    refs=(Ref("town", m.Town, ("town",), ("name",)),
          Ref("neighbourhood", m.Neighbourhood, ("neighbourhood",), ("code",), required=False)),
    columns=[
        ID,
        Column("小区编码", "code", cells.code, True, gettext_lazy("Unique code of the estate."), example="101E9001",
               group=G_RECORD, get=lambda o: o.code),
        Column("小区名称", "name", cells.text, True, example="朱泾示范新苑", group=G_RECORD, get=lambda o: o.name),
        Column("地址", "address", example="上海市金山区朱泾镇示范路1号", group=G_RECORD, get=lambda o: o.address),
        Column("街镇", "town", cells.text, True, gettext_lazy("The town, subdistrict or zone, by name."),
               example="朱泾镇", group=G_PLACE, get=lambda o: o.town.name),
        Column("居委会编码", "neighbourhood", cells.code, help=gettext_lazy("Code of the neighbourhood committee (same town)."),
               group=G_PLACE, get=lambda o: code_of(o.neighbourhood)),
        Column("小区类型", "estate_type", choice(EstateType), True, allowed=allowed(EstateType),
               example=str(EstateType.COMMERCIAL.label), group=G_RECORD,
               get=lambda o: label_of(EstateType, o.estate_type)),
        Column("交付日期", "delivered_on", cells.date, example="2020-12-31", group=G_RECORD, get=lambda o: o.delivered_on),
        Column("注销日期", "removed_on", cells.date, aliases=("撤销日期",), group=G_RECORD, get=lambda o: o.removed_on),
        Column("占地面积(㎡)", "land_area_m2", cells.decimal, group=G_RECORD, get=lambda o: o.land_area_m2),
        Column("建筑面积(㎡)", "floor_area_m2", cells.decimal, True, allowed=gettext_lazy("more than 0, 2 decimals"),
               example="52000.00", group=G_RECORD, get=lambda o: o.floor_area_m2),
        Column("纬度", "latitude", cells.decimal, allowed="WGS84", group=G_PLACE, get=lambda o: o.latitude),
        Column("经度", "longitude", cells.decimal, allowed="WGS84", group=G_PLACE, get=lambda o: o.longitude),
        Column("应建非机动车集中充电场所", "charging_eligible", cells.boolean, allowed="是、否", example="是", aliases=("需设充电场所",), group=G_RECORD,
               get=lambda o: o.charging_eligible),
        Column("驻场物业服务中心", "has_onsite_office", cells.boolean, allowed="是、否", example="是", aliases=("现场物业办公室",), group=G_RECORD,
               get=lambda o: o.has_onsite_office),
        Column("物业服务电话", "service_phone", example="021-57310000", group=G_RECORD, get=lambda o: o.service_phone),
        Column("物业服务中心地址", "office_address", aliases=("物业办公地址",), group=G_RECORD, get=lambda o: o.office_address),
    ],
)

AREAS = RegistrySpec(
    kind="areas", label=gettext_lazy("Management areas"), model=m.ManagementArea, bulk=True, key=("code",),
    related=("estate",), refs=(Ref("estate", m.Estate, ("estate",), ("code",)),),
    columns=[
        ID,
        Column("小区编码", "estate", cells.code, True, example="101E9001", group=G_PLACE, get=lambda o: o.estate.code),
        Column("管理区域编码", "code", cells.code, True, example="101E9001-1", group=G_RECORD, get=lambda o: o.code),
        Column("管理区域名称", "name", cells.text, True, example="朱泾示范新苑物业管理区域", group=G_RECORD, get=lambda o: o.name),
        Column("设立日期", "established_on", cells.date, aliases=("成立日期",), group=G_RECORD, get=lambda o: o.established_on),
    ],
)

BUILDINGS = RegistrySpec(
    kind="buildings", label=gettext_lazy("Buildings"), model=m.Building, bulk=True, key=("estate", "number"),
    related=("estate", "area"),
    refs=(Ref("estate", m.Estate, ("estate",), ("code",)), Ref("area", m.ManagementArea, ("area",), ("code",))),
    columns=[
        ID,
        Column("小区编码", "estate", cells.code, True, example="101E9001", group=G_PLACE, get=lambda o: o.estate.code),
        Column("楼号", "number", cells.code, True, example="1号", group=G_PLACE, get=lambda o: o.number),
        Column("管理区域编码", "area", cells.code, True, example="101E9001-1", group=G_PLACE, get=lambda o: o.area.code),
        Column("地上层数", "floors", cells.integer, True, example=6, group=G_RECORD, get=lambda o: o.floors),
        Column("单元数", "units", cells.integer, example=2, group=G_RECORD, get=lambda o: o.units),
        Column("结构", "structure", choice(Structure), allowed=allowed(Structure), example=str(Structure.FRAME.label),
               group=G_RECORD, get=lambda o: label_of(Structure, o.structure)),
        Column("建成年份", "built_year", cells.integer, example=2005, group=G_RECORD, get=lambda o: o.built_year),
        Column("电梯", "has_elevator", cells.boolean, allowed="是、否", example="否", group=G_RECORD,
               get=lambda o: o.has_elevator),
        Column("建筑面积(㎡)", "floor_area_m2", cells.decimal, group=G_RECORD, get=lambda o: o.floor_area_m2),
    ],
)

HOMES = RegistrySpec(
    kind="homes", label=gettext_lazy("Homes"), model=m.Home, bulk=True, fast=True, key=("building", "room_number"),
    related=("building__estate",),
    refs=(Ref("building", m.Building, ("estate", "building"), ("estate__code", "number"), related=("estate",)),),
    columns=[
        ID,
        Column("小区编码", "estate", cells.code, True, example="101E9001", group=G_PLACE,
               get=lambda o: o.building.estate.code),
        Column("楼号", "building", cells.code, True, example="1号", group=G_PLACE, get=lambda o: o.building.number),
        Column("单元", "unit", cells.code, example="1", group=G_RECORD, get=lambda o: o.unit),
        Column("室号", "room_number", cells.code, True, example="101", group=G_RECORD, get=lambda o: o.room_number),
        Column("楼层", "floor", cells.integer, True, example=1, group=G_RECORD, get=lambda o: o.floor),
        Column("专有面积(㎡)", "area_m2", cells.decimal, True, allowed=gettext_lazy("more than 0, 2 decimals"),
               example="88.50", group=G_RECORD, get=lambda o: o.area_m2),
        Column("用途", "use", choice(HomeUse), allowed=allowed(HomeUse), example=str(HomeUse.RESIDENTIAL.label),
               group=G_RECORD, get=lambda o: label_of(HomeUse, o.use)),
        Column("不动产单元号", "property_unit_number", cells.code, group=G_RECORD, get=lambda o: o.property_unit_number),
    ],
)

COMPANIES = RegistrySpec(
    kind="companies", label=gettext_lazy("Property companies"), model=m.Company, bulk=True, key=("credit_code",),
    columns=[
        ID,
        Column("企业名称", "name", cells.text, True, example="上海示范物业管理有限公司", group=G_RECORD, get=lambda o: o.name),
        Column("统一社会信用代码", "credit_code", identity, True,
               gettext_lazy("GB 32100, 18 characters. A code failing the check character is imported and flagged for review."),
               example="91310116MA1J8XXXXX", group=G_RECORD, get=lambda o: o.credit_code),
        Column("备案日期", "filed_on", cells.date, group=G_RECORD, get=lambda o: o.filed_on),
        Column("备案撤销日期", "filing_revoked_on", cells.date, group=G_RECORD, get=lambda o: o.filing_revoked_on),
        Column("资质", "qualification", group=G_RECORD, get=lambda o: o.qualification),
        Column("地址", "address", group=G_RECORD, get=lambda o: o.address),
        Column("联系电话", "phone", aliases=("电话",), group=G_RECORD, get=lambda o: o.phone),
    ],
)

CONTRACTS = RegistrySpec(
    kind="contracts", label=gettext_lazy("Service contracts"), model=m.Contract, bulk=False,
    key=("area", "company", "kind", "start_on"), related=("area__estate", "company"),
    refs=(Ref("area", m.ManagementArea, ("area",), ("code",)), Ref("company", m.Company, ("company",), ("credit_code",))),
    columns=[
        ID,
        Column("管理区域编码", "area", cells.code, True, example="101E9001-1", group=G_PLACE, get=lambda o: o.area.code),
        Column("企业信用代码", "company", identity, True, example="91310116MA1J8XXXXX", group=G_PLACE,
               get=lambda o: o.company.credit_code),
        Column("合同类型", "kind", choice(ContractKind), True, allowed=allowed(ContractKind),
               example=str(ContractKind.FORMAL.label), group=G_RECORD, get=lambda o: label_of(ContractKind, o.kind)),
        Column("起始日期", "start_on", cells.date, True, example="2021-01-01", aliases=("开始日期",), group=G_RECORD, get=lambda o: o.start_on),
        Column("截止日期（含当日）", "end_on", cells.date, aliases=("结束日期",), group=G_RECORD, get=lambda o: o.end_on),
        Column("提前终止日期", "terminated_on", cells.date, aliases=("终止日期",), group=G_RECORD, get=lambda o: o.terminated_on),
        Column("高层收费(元/㎡·月)", "fee_high_rise", cells.decimal, group=G_RECORD, get=lambda o: o.fee_high_rise),
        Column("多层收费(元/㎡·月)", "fee_multi_storey", cells.decimal, group=G_RECORD, get=lambda o: o.fee_multi_storey),
        Column("其他收费(元/㎡·月)", "fee_other", cells.decimal, group=G_RECORD, get=lambda o: o.fee_other),
    ],
)

FACILITIES = RegistrySpec(
    kind="facilities", label=gettext_lazy("Facilities"), model=m.Facility, bulk=True,
    key=("estate", "kind", "location"), related=("estate", "building__estate"),
    refs=(Ref("estate", m.Estate, ("estate",), ("code",)),
          Ref("building", m.Building, ("estate", "building"), ("estate__code", "number"), required=False)),
    columns=[
        ID,
        Column("小区编码", "estate", cells.code, True, example="101E9001", group=G_PLACE, get=lambda o: o.estate.code),
        Column("楼号", "building", cells.code, help=gettext_lazy("Empty for estate-wide facilities."), group=G_PLACE,
               get=lambda o: o.building.number if o.building_id else ""),
        Column("设施类型", "kind", choice(FacilityKind), True, allowed=allowed(FacilityKind),
               example=str(FacilityKind.EBIKE_CHARGING.label), group=G_RECORD, get=lambda o: label_of(FacilityKind, o.kind)),
        Column("位置", "location", example="东门", group=G_RECORD, get=lambda o: o.location),
        Column("数量", "quantity", cells.integer, example=1, group=G_RECORD, get=lambda o: o.quantity),
        Column("启用日期", "installed_on", cells.date, group=G_RECORD, get=lambda o: o.installed_on),
        Column("拆除日期", "removed_on", cells.date, aliases=("停用日期",), group=G_RECORD, get=lambda o: o.removed_on),
        Column("状态", "status", choice(FacilityStatus), allowed=allowed(FacilityStatus),
               example=str(FacilityStatus.IN_SERVICE.label), group=G_RECORD, get=lambda o: label_of(FacilityStatus, o.status)),
    ],
)


# --- People with their shares of homes --------------------------------------------------------


def masked(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def _id_column(header: str, name: str, group, get, help_text=""):
    return Column(header, name, identity, help=help_text, group=group, get=get, personal=True)


class PeopleSpec(RegistrySpec):
    """One row per person and home: the person (matched by id, else by identity number through its
    blind index) and, when the home columns are filled, their right in that home (matched by
    person and home). A person with two homes has two rows; the person's columns must agree.
    Rows go one at a time through ``person_create`` / ``person_update`` / the registry services."""

    batch_size = 1
    share_columns = ("estate", "building", "room", "share_kind", "share_percent", "since", "until")

    def people_of(self, qs, user) -> list[int]:
        return list(qs.order_by().values_list("pk", flat=True))

    def export_count(self, qs, user) -> int:
        shares = m.HomeShare.objects.visible_to(user).as_of(timezone.localdate()).filter(person__in=qs.values("pk"))
        return shares.count() + qs.exclude(pk__in=shares.values("person_id")).count()

    def export_rows(self, qs, user, reveal: bool):
        today = timezone.localdate()
        batch: list[m.Person] = []

        def flush():
            shares: dict[int, list[m.HomeShare]] = {}
            for s in (m.HomeShare.objects.visible_to(user).as_of(today).filter(person__in=[p.pk for p in batch])
                      .select_related("home__building__estate").order_by("person_id", "since", "pk")):
                shares.setdefault(s.person_id, []).append(s)
            for p in batch:
                for s in shares.get(p.pk) or [None]:
                    yield self._export_row(p, s, reveal)

        for person in qs.iterator(chunk_size=1000):
            batch.append(person)
            if len(batch) >= 1000:
                yield from flush()
                batch = []
        if batch:
            yield from flush()

    def _export_row(self, p: m.Person, s: m.HomeShare | None, reveal: bool) -> list[Any]:
        return [
            p.pk, label_of(PersonKind, p.kind), p.name, label_of(IdType, p.id_type),
            p.id_number_clear() if reveal else p.id_number_masked,
            p.phone_clear() if reveal else p.phone_masked, p.address,
            s.home.building.estate.code if s else "", s.home.building.number if s else "",
            s.home.room_number if s else "", label_of(ShareKind, s.kind) if s else "",
            s.share_percent if s else None, s.since if s else None, s.until if s else None,
        ]

    def _person_key(self, row: Row) -> tuple | None:
        number = row.values.get("id_number")
        if "id_number" not in row.present or not number or masked(number):
            return None
        id_type = row.values.get("id_type") or IdType.RESIDENT_ID
        try:
            checked = check_id_number(id_type, number)
        except ValidationError as exc:
            row.error(self.header_of("id_number"), " ".join(exc.messages))
            return None
        return (id_type, m.id_number_index(checked.value))

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            self._prepare_row(row, ctx)

    def _prepare_row(self, row: Row, ctx: Context) -> None:
        visible = m.Person.objects.visible_to(ctx.actor)
        person = None
        key = self._person_key(row) if row.ok else None
        if not row.ok:
            return
        if row.values.get("id") is not None:
            person = visible.filter(pk=row.values["id"]).first()
            if person is None:
                row.error("id", _("No record with id %(id)s in your scope.") % {"id": row.values["id"]})
                return
        elif key is not None:
            person = visible.filter(id_type=key[0], id_number_index=key[1]).first()
        data = {n: row.values[n] for n in ("kind", "name", "id_type", "address") if n in row.present}
        for n in ("id_number", "phone"):
            if n in row.present and not masked(row.values.get(n)):
                data[n] = row.values.get(n) or ""
        if person is None:
            if any(masked(row.values.get(n)) for n in ("id_number", "phone")):
                row.error(self.header_of("id_number"), _("A masked value cannot register a new person: give it in full."))
                return
            changes = data
        else:
            changes = self._person_changes(person, data, row)
        # the person's columns must agree across their rows
        ident = ("pk", person.pk) if person is not None else ("key", key)
        signature = tuple(sorted((k, str(v)) for k, v in data.items()))
        people = ctx.memo.setdefault("people", {})
        if ident[1] is not None and ident in people and people[ident][1] != signature:
            row.error("", _("The person's columns differ from row %(row)s for the same person.") % {"row": people[ident][0]})
            return
        if ident[1] is not None:
            people.setdefault(ident, (row.number, signature))
        row.extra.update(person=person, person_changes=changes)
        self._prepare_share(row, person, ctx)
        if not row.ok:
            return
        share_action = row.extra.get("share_action")
        if person is None or share_action == CREATE:
            row.action = CREATE
        elif changes or share_action == UPDATE:
            row.action = UPDATE
        else:
            row.action = UNCHANGED

    def _person_changes(self, person: m.Person, data: dict, row: Row) -> dict:
        changes = {}
        for name, value in data.items():
            if name == "id_number":
                id_type = data.get("id_type", person.id_type)
                try:
                    new = m.id_number_index(check_id_number(id_type, value).value) if value else ""
                except ValidationError as exc:
                    row.error(self.header_of("id_number"), " ".join(exc.messages))
                    continue
                if new != person.id_number_index:
                    changes[name] = value
            elif name == "phone":
                try:
                    new = m.phone_index(check_phone(value)) if value else ""
                except ValidationError as exc:
                    row.error(self.header_of("phone"), " ".join(exc.messages))
                    continue
                if new != person.phone_index:
                    changes[name] = value
            elif getattr(person, name) != value:
                changes[name] = value
        return changes

    def _prepare_share(self, row: Row, person: m.Person | None, ctx: Context) -> None:
        room = row.values.get("room")
        if "room" not in row.present or not room:
            return
        estate, building = row.values.get("estate"), row.values.get("building")
        home = (m.Home.objects.visible_to(ctx.actor).select_related("building__estate")
                .filter(building__estate__code=estate, building__number=building, room_number=room).first())
        if home is None:
            row.error(self.header_of("room"), _("No %(what)s 「%(key)s」 in your scope.") % {
                "what": m.Home._meta.verbose_name, "key": f"{estate} {building} {room}"})
            return
        data = {"home": home}
        for col, field in (("share_kind", "kind"), ("share_percent", "share_percent"), ("since", "since"),
                           ("until", "until")):
            if col in row.present and row.values.get(col) is not None:
                data[field] = row.values[col]
        share = None
        if person is not None:
            share = (m.HomeShare.objects.visible_to(ctx.actor).filter(person=person, home=home)
                     .order_by("-since", "-pk").first())
            pairs = ctx.memo.setdefault("pairs", {})
            if (person.pk, home.pk) in pairs:
                row.error("", _("Duplicate of row %(row)s (the same record twice in one file).") % {
                    "row": pairs[(person.pk, home.pk)]})
                return
            pairs[(person.pk, home.pk)] = row.number
        if share is None:
            if "since" not in data:
                row.error(self.header_of("since"), _("This value is required for a new record."))
                return
            row.extra.update(share_action=CREATE, share_data=data)
        else:
            changes = {k: v for k, v in data.items() if k != "home" and getattr(share, k) != v}
            row.extra.update(share=share, share_action=UPDATE if changes else UNCHANGED, share_data=changes)

    def write(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            if row.ok and row.action in (CREATE, UPDATE):
                self._write_row(row, ctx)

    def _write_row(self, row: Row, ctx: Context) -> None:
        person, changes = row.extra["person"], row.extra["person_changes"]
        share_action, share_data = row.extra.get("share_action"), row.extra.get("share_data")
        try:
            with transaction.atomic():
                if person is None:
                    share = share_data if share_action == CREATE else None
                    person = services.person_create(actor=ctx.actor, data=changes, share=share)
                    share_action = None
                elif changes:
                    person = services.person_update(actor=ctx.actor, person=person, changes=changes)
                if share_action == CREATE:
                    services.registry_create(actor=ctx.actor, model=m.HomeShare, data={"person": person, **share_data})
                elif share_action == UPDATE:
                    services.registry_update(actor=ctx.actor, instance=row.extra["share"], changes=share_data)
        except ValidationError as exc:
            self.add_validation_errors(row, exc)
        except PermissionDenied as exc:
            row.error("", str(exc))
        except IntegrityError:
            row.error("", _("The database refused this row (a duplicate or a broken reference)."))
        else:
            row.instance = person
            row.flagged = person.id_number_flagged

    def header_for_field(self, name: str) -> str:
        return {"home": self.header_of("room"), "kind": self.header_of("kind"),
                "share_percent": self.header_of("share_percent")}.get(name) or super().header_for_field(name)


PEOPLE = PeopleSpec(
    kind="people", label=gettext_lazy("People"), model=m.Person, key=("id_number",),
    columns=[
        ID,
        Column("人员类型", "kind", choice(PersonKind), allowed=allowed(PersonKind), example=str(PersonKind.NATURAL.label),
               group=G_RECORD),
        Column("姓名", "name", cells.text, True, example="张三", group=G_RECORD),
        Column("证件类型", "id_type", choice(IdType), allowed=allowed(IdType), example=str(IdType.RESIDENT_ID.label),
               group=G_RECORD),
        _id_column("证件号码", "id_number", G_RECORD, None,
                   gettext_lazy("Checked (GB 11643 check character). A masked value (with *) leaves it unchanged.")),
        Column("联系电话", "phone", cells.code, help=gettext_lazy("A masked value (with *) leaves it unchanged."),
               group=G_RECORD, personal=True),
        Column("联系地址", "address", group=G_RECORD),
        Column("小区编码", "estate", cells.code, group=G_SHARE, example="101E9001"),
        Column("楼号", "building", cells.code, group=G_SHARE, example="1号"),
        Column("室号", "room", cells.code, help=gettext_lazy("Empty: the person only, no home."), group=G_SHARE, example="101"),
        Column("权利类型", "share_kind", choice(ShareKind), allowed=allowed(ShareKind), group=G_SHARE,
               example=str(ShareKind.OWNER.label)),
        Column("份额(%)", "share_percent", cells.decimal, allowed="0.01–100", group=G_SHARE, example="100"),
        Column("起始日期", "since", cells.date, group=G_SHARE, example="2020-12-31"),
        Column("终止日期", "until", cells.date, group=G_SHARE),
    ],
)


# --- Owners' committees with their members ----------------------------------------------------


class CommitteeSpec(RegistrySpec):
    """One row per committee member (or one row for a committee without members): the committee,
    matched by id or by management area + name, and the member, matched by committee + name +
    start date. A member's identity number (optional) links the seat to a registered person."""

    batch_size = 1
    committee_fields = ("name", "assembly_established_on", "established_on", "term_start", "term_end",
                        "dissolved_on", "party_group_since")

    def people_of(self, qs, user) -> list[int]:
        return list(m.CommitteeMember.objects.visible_to(user).filter(committee__in=qs.values("pk"), person__isnull=False)
                    .order_by().values_list("person_id", flat=True).distinct())

    def export_count(self, qs, user) -> int:
        members = m.CommitteeMember.objects.visible_to(user).filter(committee__in=qs.values("pk"))
        return members.count() + qs.exclude(pk__in=members.values("committee_id")).count()

    def export_rows(self, qs, user, reveal: bool):
        for c in qs.select_related("area").prefetch_related("members__person", "members__neighbourhood").iterator(chunk_size=500):
            members = sorted(c.members.all(), key=lambda x: (x.start_on, x.pk)) or [None]
            for x in members:
                person = x.person if x else None
                number = (person.id_number_clear() if reveal else person.id_number_masked) if person else ""
                yield [c.pk, c.area.code, *[getattr(c, f) for f in self.committee_fields],
                       x.name if x else "", number, label_of(CommitteeRole, x.role) if x else "",
                       x.start_on if x else None, x.end_on if x else None,
                       x.neighbourhood.code if x and x.neighbourhood_id else ""]

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        self.resolve_refs(rows, ctx)
        for row in rows:
            if row.ok:
                self._prepare_row(row, ctx)

    def _prepare_row(self, row: Row, ctx: Context) -> None:
        visible = m.OwnersCommittee.objects.visible_to(ctx.actor)
        committee = None
        if row.values.get("id") is not None:
            committee = visible.filter(pk=row.values["id"]).first()
            if committee is None:
                row.error("id", _("No record with id %(id)s in your scope.") % {"id": row.values["id"]})
                return
        elif row.data.get("area") is not None and row.values.get("name"):
            committee = visible.filter(area=row.data["area"], name=row.values["name"]).order_by("-pk").first()
        data = {f: row.values[f] for f in self.committee_fields if f in row.present}
        if "area" in row.data:
            data["area"] = row.data["area"]
        if committee is None:
            if "area" not in data:
                row.error(self.header_of("area"), _("This value is required for a new record."))
                return
            changes, action = data, CREATE
        else:
            changes = {k: v for k, v in data.items() if getattr(committee, k) != v
                       and not (k == "area" and committee.area_id == v.pk)}
            action = UPDATE if changes else UNCHANGED
        row.extra.update(committee=committee, committee_changes=changes)
        member_action = self._prepare_member(row, committee, ctx)
        if not row.ok:
            return
        row.action = CREATE if CREATE in (action, member_action) else (
            UPDATE if UPDATE in (action, member_action) else UNCHANGED)

    def _prepare_member(self, row: Row, committee, ctx: Context) -> str | None:
        name = row.values.get("member_name")
        if "member_name" not in row.present or not name:
            return None
        data = {"name": name}
        for col, field in (("member_role", "role"), ("member_start", "start_on"), ("member_end", "end_on")):
            if col in row.present and row.values.get(col) is not None:
                data[field] = row.values[col]
        if "member_end" in row.present and row.values.get("member_end") is None:
            data["end_on"] = None
        if "member_neighbourhood" in row.present:
            code = row.values.get("member_neighbourhood")
            hood = m.Neighbourhood.objects.visible_to(ctx.actor).filter(code=code).first() if code else None
            if code and hood is None:
                row.error(self.header_of("member_neighbourhood"), _("No %(what)s 「%(key)s」 in your scope.") % {
                    "what": m.Neighbourhood._meta.verbose_name, "key": code})
                return None
            data["neighbourhood"] = hood
        number = row.values.get("member_id_number")
        if number and not masked(number):
            try:
                index = m.id_number_index(check_id_number(IdType.RESIDENT_ID, number).value)
            except ValidationError as exc:
                row.error(self.header_of("member_id_number"), " ".join(exc.messages))
                return None
            person = m.Person.objects.visible_to(ctx.actor).filter(id_number_index=index).first()
            if person is None:
                row.error(self.header_of("member_id_number"), _("No registered person with this identity number in your scope."))
                return None
            data["person"] = person
        member = None
        if committee is not None and data.get("start_on"):
            member = committee.members.filter(name=name, start_on=data["start_on"]).first()
        pairs = ctx.memo.setdefault("members", {})
        mark = (committee.pk if committee else row.values.get("name"), name, data.get("start_on"))
        if mark in pairs:
            row.error("", _("Duplicate of row %(row)s (the same record twice in one file).") % {"row": pairs[mark]})
            return None
        pairs[mark] = row.number
        if member is None:
            row.extra.update(member_action=CREATE, member_data=data)
            return CREATE
        changes = {k: v for k, v in data.items() if not _same_value(getattr(member, k), v)}
        row.extra.update(member=member, member_action=UPDATE if changes else UNCHANGED, member_data=changes)
        return UPDATE if changes else UNCHANGED

    def write(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            if not (row.ok and row.action in (CREATE, UPDATE)):
                continue
            committee, changes = row.extra["committee"], row.extra["committee_changes"]
            try:
                with transaction.atomic():
                    if committee is None:
                        committee = services.registry_create(actor=ctx.actor, model=m.OwnersCommittee, data=changes)
                    elif changes:
                        committee = services.registry_update(actor=ctx.actor, instance=committee, changes=changes)
                    action = row.extra.get("member_action")
                    if action == CREATE:
                        services.registry_create(actor=ctx.actor, model=m.CommitteeMember,
                                                 data={"committee": committee, **row.extra["member_data"]})
                    elif action == UPDATE:
                        services.registry_update(actor=ctx.actor, instance=row.extra["member"],
                                                 changes=row.extra["member_data"])
            except ValidationError as exc:
                self.add_validation_errors(row, exc)
            except PermissionDenied as exc:
                row.error("", str(exc))
            except IntegrityError:
                row.error("", _("The database refused this row (a duplicate or a broken reference)."))
            else:
                row.instance = committee

    def header_for_field(self, name: str) -> str:
        return {"start_on": self.header_of("member_start"), "role": self.header_of("member_role"),
                "end_on": self.header_of("member_end")}.get(name) or super().header_for_field(name)


def _same_value(a, b) -> bool:
    return getattr(a, "pk", a) == getattr(b, "pk", b)


COMMITTEES = CommitteeSpec(
    kind="committees", label=gettext_lazy("Owners' committees"), model=m.OwnersCommittee, key=("area", "name"),
    refs=(Ref("area", m.ManagementArea, ("area",), ("code",)),),
    columns=[
        ID,
        Column("管理区域编码", "area", cells.code, True, example="101E9001-1", group=G_PLACE),
        Column("业委会名称", "name", cells.text, True, example="朱泾示范新苑业主委员会", group=G_RECORD),
        Column("业主大会成立日期", "assembly_established_on", cells.date, group=G_RECORD),
        Column("业委会成立日期", "established_on", cells.date, example="2019-06-01", aliases=("成立日期",), group=G_RECORD),
        Column("本届任期起", "term_start", cells.date, aliases=("本届起",), group=G_RECORD),
        Column("本届任期止", "term_end", cells.date, aliases=("本届止",), group=G_RECORD),
        Column("解散日期", "dissolved_on", cells.date, group=G_RECORD),
        Column("党的工作小组成立日期", "party_group_since", cells.date, group=G_RECORD),
        Column("委员姓名", "member_name", cells.text, help=gettext_lazy("Empty: the committee only."), group=G_MEMBER,
               example="李四"),
        Column("委员证件号码", "member_id_number", identity, help=gettext_lazy("Optional: links the seat to a registered person."),
               group=G_MEMBER, personal=True),
        Column("职务", "member_role", choice(CommitteeRole), allowed=allowed(CommitteeRole), group=G_MEMBER,
               example=str(CommitteeRole.MEMBER.label)),
        Column("任职起", "member_start", cells.date, group=G_MEMBER, example="2019-06-01"),
        Column("任职止", "member_end", cells.date, group=G_MEMBER),
        Column("兼任居委会编码", "member_neighbourhood", cells.code, group=G_MEMBER),
    ],
)


def may_import_estates(user) -> bool:
    """Estates are offered to whoever may create them, and to property companies for the contact
    details of the estates they serve (each row is still checked field by field)."""
    from fangguan.accounts.choices import OrgKind
    from fangguan.core.scopes import ADD, can

    return can(user, ADD, m.Estate) or any(g.kind == OrgKind.COMPANY for g in grants(user))


# Found by ``ImportsConfig.ready`` (every app's ``imports`` module is loaded, as admin loads admin.py).
ESTATES._offered = may_import_estates
for _spec in (ESTATES, AREAS, BUILDINGS, HOMES, PEOPLE, COMPANIES, CONTRACTS, COMMITTEES, FACILITIES):
    register(_spec)
