"""Import kinds of the development records (found by ``ImportsConfig.ready``): parcels,
projects, permits, 配建 homes and renovations, with Chinese headings. Natural keys: parcel
code; project code; permit kind + certificate number; project + handover date for 配建;
renovation code. References by natural key in the importer's scope: town by name, parcel and
project by code, estate by code. Every row is written through ``development.services``, so a
file, a form and the API apply the same rules (the models' ``clean()``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.imports import cells
from fangguan.imports.specs import CREATE, UPDATE, Column, Context, RecordSpec, Ref, Row, register
from fangguan.registry.imports import G_PLACE, G_RECORD, ID, allowed, choice, label_of
from fangguan.registry.models import Estate, Town

from . import models as m
from . import services
from .choices import HousingType, LandUse, ParcelStatus, PermitKind, RenovationKind


class DevelopmentSpec(RecordSpec):
    """Rows go one by one through ``development.services`` (with the renovation's estates)."""

    def create(self, actor, data: dict):
        return services.development_create(actor=actor, model=self.model, data=data)

    def update(self, actor, instance, changes: dict):
        return services.development_update(actor=actor, instance=instance, changes=changes)


class RenovationSpec(DevelopmentSpec):
    """The estates column lists estate codes separated by 、 , ; or spaces."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = [f for f in self.fields if f != "estates"]  # a many-to-many link, set by the service

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        super().prepare(rows, ctx)
        wanted = {code for row in rows if row.ok and "estates" in row.present for code in self.codes(row)}
        found = {e.code: e for e in Estate.objects.visible_to(ctx.actor).filter(code__in=wanted)}
        linked: dict[int, list[str]] = {}  # the estates each existing renovation links now, in one query
        existing = [row.instance.pk for row in rows if row.ok and "estates" in row.present and row.action != CREATE]
        for renovation_id, code in (m.Renovation.estates.through.objects.filter(renovation_id__in=existing)
                                    .values_list("renovation_id", "estate__code")):
            linked.setdefault(renovation_id, []).append(code)
        for row in rows:
            if not row.ok or "estates" not in row.present:
                continue
            codes = self.codes(row)
            missing = [c for c in codes if c not in found]
            if missing:
                row.error(self.header_of("estates"), _("No %(what)s 「%(key)s」 in your scope.") % {
                    "what": Estate._meta.verbose_name, "key": missing[0]})
                continue
            row.extra["estates"] = [found[c] for c in codes]
            if row.action != CREATE:
                current = sorted(linked.get(row.instance.pk, []))
                if current != sorted(codes):
                    row.action = UPDATE

    @staticmethod
    def codes(row: Row) -> list[str]:
        raw = row.values.get("estates") or ""
        for sep in "、，,;；":
            raw = raw.replace(sep, " ")
        return [c for c in raw.split() if c]

    def service_data(self, row: Row) -> dict:
        data = {k: v for k, v in row.changes.items() if k != "estates"}
        if "estates" in row.extra:
            data["estates"] = row.extra["estates"]
        return data


PARCELS = DevelopmentSpec(
    kind="parcels", label=gettext_lazy("Land parcels"), model=m.Parcel, key=("code",), related=("town",),
    refs=(Ref("town", Town, ("town",), ("name",)),),
    columns=[
        ID,
        Column("地块编码", "code", cells.code, True, example="JS2022-001", group=G_RECORD, get=lambda o: o.code),
        Column("地块名称", "name", cells.text, example="朱泾镇2022-001号地块", group=G_RECORD, get=lambda o: o.name),
        Column("街镇", "town", cells.text, True, example="朱泾镇", group=G_PLACE, get=lambda o: o.town.name),
        Column("面积(公顷)", "area_ha", cells.decimal, True, example="6.25", group=G_RECORD, get=lambda o: o.area_ha),
        Column("规划用地性质", "planned_use", choice(LandUse), True, allowed=allowed(LandUse),
               example=str(LandUse.RESIDENTIAL.label), group=G_RECORD, get=lambda o: label_of(LandUse, o.planned_use)),
        Column("住宅比例", "residential_share", cells.decimal, allowed=gettext_lazy("0 to 1; 1 for residential land"),
               example="1", group=G_RECORD, get=lambda o: o.residential_share),
        Column("挂牌完成日期", "listed_on", cells.date, example="2022-05-20", group=G_RECORD, get=lambda o: o.listed_on),
        Column("状态", "status", choice(ParcelStatus), allowed=allowed(ParcelStatus),
               example=str(ParcelStatus.LISTED.label), group=G_RECORD, get=lambda o: label_of(ParcelStatus, o.status)),
    ],
)

PROJECTS = DevelopmentSpec(
    kind="projects", label=gettext_lazy("Development projects"), model=m.Project, key=("code",),
    related=("town", "parcel"),
    refs=(Ref("town", Town, ("town",), ("name",)), Ref("parcel", m.Parcel, ("parcel",), ("code",), required=False)),
    columns=[
        ID,
        Column("项目编码", "code", cells.code, True, example="XM2022-001", group=G_RECORD, get=lambda o: o.code),
        Column("项目名称", "name", cells.text, True, example="朱泾新苑商品住房项目", group=G_RECORD, get=lambda o: o.name),
        Column("建设单位", "developer", cells.text, True, example="上海某置业有限公司", aliases=("开发企业",), group=G_RECORD, get=lambda o: o.developer),
        Column("街镇", "town", cells.text, True, example="朱泾镇", group=G_PLACE, get=lambda o: o.town.name),
        Column("地块编码", "parcel", cells.code, group=G_PLACE, get=lambda o: o.parcel.code if o.parcel_id else ""),
        Column("住房类型", "housing_type", choice(HousingType), True, allowed=allowed(HousingType),
               example=str(HousingType.COMMERCIAL.label), group=G_RECORD,
               get=lambda o: label_of(HousingType, o.housing_type)),
    ],
)

PERMITS = DevelopmentSpec(
    kind="permits", label=gettext_lazy("Permits"), model=m.Permit, key=("kind", "number"),
    related=("project", "estate"),
    refs=(Ref("project", m.Project, ("project",), ("code",)), Ref("estate", Estate, ("estate",), ("code",), required=False)),
    columns=[
        ID,
        Column("项目编码", "project", cells.code, True, example="XM2022-001", group=G_PLACE, get=lambda o: o.project.code),
        Column("证件类型", "kind", choice(PermitKind), True, allowed=allowed(PermitKind),
               example=str(PermitKind.CONSTRUCTION.label), group=G_RECORD, get=lambda o: label_of(PermitKind, o.kind)),
        Column("证件编号", "number", cells.code, True, example="SG20220001", group=G_RECORD, get=lambda o: o.number),
        Column("发证日期", "issued_on", cells.date, True, example="2022-06-30", group=G_RECORD, get=lambda o: o.issued_on),
        Column("住宅建筑面积(㎡)", "area_m2", cells.decimal, True, example="85000.00", group=G_RECORD, get=lambda o: o.area_m2),
        Column("套数", "homes", cells.integer, example="", group=G_RECORD, get=lambda o: o.homes),
        Column("小区编码", "estate", cells.code, help=gettext_lazy("Delivery permits: the estate in the registry."),
               group=G_PLACE, get=lambda o: o.estate.code if o.estate_id else ""),
    ],
)

AFFORDABLE = DevelopmentSpec(
    kind="affordable", label=gettext_lazy("配建 affordable homes"), model=m.AffordableQuota,
    key=("project", "handed_over_on"), related=("project",), refs=(Ref("project", m.Project, ("project",), ("code",)),),
    columns=[
        ID,
        Column("项目编码", "project", cells.code, True, example="XM2022-001", group=G_PLACE, get=lambda o: o.project.code),
        Column("套数", "homes", cells.integer, True, example="40", group=G_RECORD, get=lambda o: o.homes),
        Column("建筑面积(㎡)", "area_m2", cells.decimal, group=G_RECORD, get=lambda o: o.area_m2),
        Column("移交日期", "handed_over_on", cells.date, example="2024-03-01", group=G_RECORD, get=lambda o: o.handed_over_on),
        Column("达到可供应状态日期", "ready_on", cells.date, example="2024-05-01", aliases=("可供应日期",), group=G_RECORD, get=lambda o: o.ready_on),
    ],
)

RENOVATIONS = RenovationSpec(
    kind="renovations", label=gettext_lazy("Renovation projects"), model=m.Renovation, key=("code",), related=("town",),
    refs=(Ref("town", Town, ("town",), ("name",)),),
    columns=[
        ID,
        Column("项目编码", "code", cells.code, True, example="XS2022-001", group=G_RECORD, get=lambda o: o.code),
        Column("项目名称", "name", cells.text, True, example="石化街道2022年旧住房修缮", group=G_RECORD, get=lambda o: o.name),
        Column("街镇", "town", cells.text, True, example="石化街道", group=G_PLACE, get=lambda o: o.town.name),
        Column("改造类型", "kind", choice(RenovationKind), True, allowed=allowed(RenovationKind),
               example=str(RenovationKind.ROOF_FACADE.label), group=G_RECORD, get=lambda o: label_of(RenovationKind, o.kind)),
        Column("涉及小区编码", "estates", cells.text, help=gettext_lazy("Estate codes separated by 、"), group=G_PLACE,
               get=lambda o: "、".join(e.code for e in o.estates.all())),
        Column("改造面积(㎡)", "area_m2", cells.decimal, True, example="120000.00", group=G_RECORD, get=lambda o: o.area_m2),
        Column("其中公有住房(㎡)", "public_housing_area_m2", cells.decimal, example="40000.00", group=G_RECORD,
               get=lambda o: o.public_housing_area_m2),
        Column("开工日期", "started_on", cells.date, example="2022-03-01", group=G_RECORD, get=lambda o: o.started_on),
        Column("竣工日期", "completed_on", cells.date, example="2022-11-30", group=G_RECORD, get=lambda o: o.completed_on),
    ],
)

for _spec in (PARCELS, PROJECTS, PERMITS, AFFORDABLE, RENOVATIONS):
    register(_spec)
