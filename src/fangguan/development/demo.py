"""The Jinshan demo's development records, 2016–2025 (and the 2026 deliveries of the registry's
later estates): land parcels, projects with their
construction, pre-sale and delivery permits, 配建 homes and renovation projects — generated
deterministically (one seeded generator, bulk writes) so that the records reproduce the figures
the plan reports for 十三五 (§一(一)1–3):

    41 residential projects started in 2016–2020, 436万㎡, of which 15 resettlement, 145万㎡;
    56 projects delivered, 395万㎡, of which 15 resettlement, 163万㎡;
    175万㎡ of new commercial housing listed (pre-sale permits and sales-plan filings);
    711万㎡ of old housing renovated (completed projects);

and give 十四五 (2021–2025) a plausible mix against the annex (``FOURTEENTH``): some
indicators achieved, some short — among them binding ones (deliveries, resettlement
deliveries, public-housing renovation). Every delivery links to a registry estate delivered on
that day, in the project's town. The figures are not stored: ``planning.measures`` computes
them from these rows (``tests/planning`` checks them against an independent count).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from fangguan.core.actors import system_actor
from fangguan.core.audit import log_bulk_create
from fangguan.registry.demo import SEED, random_date, split_exactly
from fangguan.registry.models import Estate, Town

from . import models as m
from .choices import HousingType, LandUse, ParcelStatus, PermitKind, RenovationKind

W = Decimal("10000")
C, R, SR, AF = HousingType.COMMERCIAL, HousingType.RESETTLEMENT, HousingType.SOCIAL_RENTAL, HousingType.AFFORDABLE

# The 十三五 figures (§一(一)1–3), in ㎡.
THIRTEENTH = {
    "starts": 41, "starts_area": 436 * W, "starts_resettlement": 15, "starts_resettlement_area": 145 * W,
    "deliveries": 56, "deliveries_area": 395 * W, "deliveries_resettlement": 15,
    "deliveries_resettlement_area": 163 * W, "presale_area": 175 * W, "renovated_area": 711 * W,
}
# What the demo's 十四五 records add up to (a plausible mix: not targets, not official figures).
FOURTEENTH = {
    "land_ha": Decimal("176.25"),
    "presale_area": Decimal("318.4") * W, "presale_homes": 32100,
    "starts": {C: Decimal("214.3") * W, R: Decimal("52.7") * W, "other": Decimal("14.5") * W},
    "deliveries": {C: Decimal("175.2") * W, R: Decimal("94.6") * W, SR: Decimal("7.0") * W},
    "affordable_homes": 1356,
    "renovated_area": Decimal("472.6") * W, "renovated_public_area": Decimal("151.3") * W,
}
P13, P14 = (dt.date(2016, 1, 1), dt.date(2020, 12, 31)), (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
DEVELOPERS = ["金山城投置业有限公司", "上海金山新城建设发展有限公司", "中建信和地产有限公司", "万科（上海）企业有限公司",
              "保利（上海）房地产开发有限公司", "上海漕泾置业有限公司", "上海枫泾古镇建设发展有限公司", "龙湖地产（上海）有限公司",
              "金地（集团）上海房地产有限公司", "上海金山区房屋征收事务所"]


def _in(day: dt.date | None, span) -> bool:
    return day is not None and span[0] <= day <= span[1]


@dataclass
class Spec:
    """One project before it is written: type, start, delivery slot and the areas of its permits."""

    kind: str
    town: Town
    start: dt.date
    delivery: tuple[Estate, dt.date] | None = None
    start_area: Decimal = Decimal("0")
    delivery_area: Decimal = Decimal("0")
    presale: dt.date | None = None
    presale_area: Decimal = Decimal("0")
    presale_homes: int = 0


def _assign(specs: list[Spec], attr: str, total: Decimal, rng: random.Random) -> None:
    if specs:
        for spec, part in zip(specs, split_exactly(total, [rng.uniform(0.6, 1.4) for _ in specs]), strict=True):
            setattr(spec, attr, part)


def _split_int(total: int, weights: list[Decimal]) -> list[int]:
    """Whole numbers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    scale = sum(weights)
    raw = [Decimal(total) * w / scale for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


class DevelopmentDemo:
    def __init__(self, seed: int = SEED + 8):
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}

    def bulk(self, model, objs):
        created = model.objects.bulk_create(objs, batch_size=1000)
        log_bulk_create(actor=system_actor(), model=model, count=len(created), note="Jinshan demo")
        self.counts[model.audit_name] = len(created)
        return created

    def build(self) -> dict[str, int]:
        rng = self.rng
        estates = list(Estate.objects.filter(delivered_on__isnull=False).select_related("town").order_by("delivered_on", "code"))
        towns = [t for t in Town.objects.order_by("sort_order", "code") if t.estates.exists()]
        new13 = [e for e in estates if _in(e.delivered_on, P13)]
        new14 = [e for e in estates if _in(e.delivered_on, P14)]
        later = [e for e in estates if e.delivered_on > P14[1]]

        # -- 十三五 deliveries: 56 slots on the 48 estates delivered 2016–2020 (8 in two phases)
        slots13 = sorted([(e, e.delivered_on) for e in new13] +
                         [(e, e.delivered_on) for e in rng.sample(new13, THIRTEENTH["deliveries"] - len(new13))],
                         key=lambda s: (s[1], s[0].code))
        s1_slots, d1_slots = slots13[-10:], slots13[:-10]  # the last ten started within 十三五 (S1)
        d1_kinds = [R] * 10 + [C] * (len(d1_slots) - 10)
        rng.shuffle(d1_kinds)
        s1_kinds = [R, C] * 5
        d1 = [Spec(k, e.town, random_date(rng, dt.date(2012, 3, 1), min(day - dt.timedelta(days=600), dt.date(2015, 12, 20))),
                   delivery=(e, day)) for k, (e, day) in zip(d1_kinds, d1_slots, strict=True)]
        s1 = [Spec(k, e.town, random_date(rng, dt.date(2016, 2, 1), dt.date(2017, 9, 30)), delivery=(e, day))
              for k, (e, day) in zip(s1_kinds, s1_slots, strict=True)]

        # -- 十四五 deliveries: one slot per estate delivered 2021–2025; the first 31 are projects
        # started within 十三五 (S2), the rest started within 十四五 (S3)
        slots14 = [(e, e.delivered_on) for e in new14]
        s2_slots, s3_slots = slots14[:31], slots14[31:]
        s2_kinds = [R] * 10 + [SR] + [C] * 20
        rng.shuffle(s2_kinds)
        s3_kinds = [R, R, SR] + [C] * (len(s3_slots) - 3)
        rng.shuffle(s3_kinds)
        s2 = [Spec(k, e.town, random_date(rng, dt.date(2018, 1, 1), min(day - dt.timedelta(days=500), P13[1])), delivery=(e, day))
              for k, (e, day) in zip(s2_kinds, s2_slots, strict=True)]
        s3 = [Spec(k, e.town, random_date(rng, P14[0], day - dt.timedelta(days=540)), delivery=(e, day))
              for k, (e, day) in zip(s3_kinds, s3_slots, strict=True)]
        # started within 十四五, delivered 2026 (the registry's later estates) or not yet
        s4_kinds = [C] * 12 + [R] * 4 + [SR, AF]
        s4 = []
        for i, k in enumerate(s4_kinds):
            slot = later[i] if i < len(later) else None
            town = slot.town if slot else rng.choice(towns)
            end = min(slot.delivered_on - dt.timedelta(days=500), P14[1]) if slot else dt.date(2025, 10, 31)
            s4.append(Spec(k, town, random_date(rng, dt.date(2022, 3, 1), end),
                           delivery=(slot, slot.delivered_on) if slot else None))

        # -- areas: the period totals split exactly over the permits dated in the period
        started13 = s1 + s2
        _assign([s for s in started13 if s.kind == R], "start_area", THIRTEENTH["starts_resettlement_area"], rng)
        _assign([s for s in started13 if s.kind != R], "start_area",
                THIRTEENTH["starts_area"] - THIRTEENTH["starts_resettlement_area"], rng)
        delivered13 = d1 + s1
        _assign([s for s in delivered13 if s.kind == R], "delivery_area", THIRTEENTH["deliveries_resettlement_area"], rng)
        _assign([s for s in delivered13 if s.kind != R], "delivery_area",
                THIRTEENTH["deliveries_area"] - THIRTEENTH["deliveries_resettlement_area"], rng)
        started14 = s3 + s4
        _assign([s for s in started14 if s.kind == C], "start_area", FOURTEENTH["starts"][C], rng)
        _assign([s for s in started14 if s.kind == R], "start_area", FOURTEENTH["starts"][R], rng)
        _assign([s for s in started14 if s.kind in (SR, AF)], "start_area", FOURTEENTH["starts"]["other"], rng)
        delivered14 = s2 + s3
        for kind in (C, R, SR):
            _assign([s for s in delivered14 if s.kind == kind], "delivery_area", FOURTEENTH["deliveries"][kind], rng)
        for spec in d1:  # started before 十三五: not counted, about what was delivered
            spec.start_area = spec.delivery_area
        for spec in s4:
            if spec.delivery:
                spec.delivery_area = spec.start_area

        # -- pre-sale: commercial projects, about eight months after the start
        specs = d1 + s1 + s2 + s3 + s4
        for spec in specs:
            if spec.kind == C:
                spec.presale = spec.start + dt.timedelta(days=rng.randint(180, 300))
                if spec.delivery and spec.presale >= spec.delivery[1]:
                    spec.presale = spec.delivery[1] - dt.timedelta(days=200)
        sold13 = [s for s in specs if _in(s.presale, P13)]
        sold14 = [s for s in specs if _in(s.presale, P14)]
        _assign(sold13, "presale_area", THIRTEENTH["presale_area"], rng)
        _assign(sold14, "presale_area", FOURTEENTH["presale_area"], rng)
        sold = {id(s) for s in sold13 + sold14}
        for spec in specs:
            if spec.presale and id(spec) not in sold:
                spec.presale_area = spec.delivery_area or spec.start_area
        for spec, homes in zip(sold14, _split_int(FOURTEENTH["presale_homes"], [s.presale_area for s in sold14]), strict=True):
            spec.presale_homes = homes
        for spec in specs:
            if spec.presale and not spec.presale_homes:
                spec.presale_homes = max(1, int(spec.presale_area / Decimal("98")))

        self.write(specs, towns)
        return self.counts

    def near(self, spec: Spec) -> dict:
        """Where a project (and its parcel) is: at the estate it delivers, else a little off an
        estate of its town (a site next to the built-up area)."""
        if spec.delivery and spec.delivery[0].latitude is not None:
            return {"latitude": spec.delivery[0].latitude, "longitude": spec.delivery[0].longitude}
        if id(spec) not in self.sites:
            located = self.located.get(spec.town.pk, [])
            if not located:
                self.sites[id(spec)] = {"latitude": None, "longitude": None}
            else:
                e = self.rng.choice(located)
                shift = Decimal(self.rng.randint(-90, 90)) / Decimal("10000")
                self.sites[id(spec)] = {"latitude": e.latitude + shift, "longitude": e.longitude - shift}
        return self.sites[id(spec)]

    def write(self, specs: list[Spec], towns: list[Town]) -> None:
        rng = self.rng
        self.sites: dict[int, dict] = {}
        self.located: dict[int, list[Estate]] = {}
        for e in Estate.objects.exclude(latitude=None).exclude(longitude=None).order_by("code"):
            self.located.setdefault(e.town_id, []).append(e)
        specs.sort(key=lambda s: (s.start, s.town.code))
        parcels, projects = [], []
        residential14 = [s for s in specs if _in(s.start - dt.timedelta(days=240), P14)]
        # parcels listed about eight months before the start; those listed in 十四五 carry the
        # demo's land figure exactly (mixed use by a share that keeps the split exact)
        shares = [Decimal("1"), Decimal("1"), Decimal("0.8"), Decimal("1"), Decimal("0.5"), Decimal("1"), Decimal("0.625")]
        land14 = split_exactly(FOURTEENTH["land_ha"] - Decimal("0"), [rng.uniform(0.6, 1.4) for _ in residential14])
        land_parts = dict(zip(map(id, residential14), land14, strict=True))
        for i, spec in enumerate(specs):
            listed = spec.start - dt.timedelta(days=240)
            if id(spec) in land_parts:
                share = shares[i % len(shares)]
                residential = land_parts[id(spec)]
            else:
                share = Decimal("1")
                residential = (spec.start_area / Decimal("18000")).quantize(Decimal("0.01"))
            use = LandUse.RESIDENTIAL if share == 1 else LandUse.MIXED
            parcels.append(m.Parcel(
                code=f"JS{listed.year}-{i + 1:03d}", name=f"{spec.town.name}{listed.year}-{i + 1:03d}号地块",
                town=spec.town, area_ha=(residential / share).quantize(Decimal("0.0001")), planned_use=use,
                residential_share=share, listed_on=listed, status=ParcelStatus.LISTED,
                **self.near(spec),
            ))
        # not counted: non-residential land, parcels still planned, a withdrawn listing
        for j, (use, status, listed) in enumerate([
            (LandUse.OTHER, ParcelStatus.LISTED, dt.date(2022, 6, 15)), (LandUse.OTHER, ParcelStatus.LISTED, dt.date(2024, 3, 8)),
            (LandUse.RESIDENTIAL, ParcelStatus.PLANNED, None), (LandUse.MIXED, ParcelStatus.PLANNED, None),
            (LandUse.RESIDENTIAL, ParcelStatus.WITHDRAWN, dt.date(2023, 9, 1)),
        ]):
            town = towns[j % len(towns)]
            parcels.append(m.Parcel(
                code=f"JSX-{j + 1:03d}", name=f"{town.name}储备地块{j + 1}", town=town, area_ha=Decimal("6.5") + j,
                planned_use=use, residential_share={LandUse.OTHER: 0, LandUse.MIXED: Decimal("0.6")}.get(use, 1),
                listed_on=listed, status=status,
            ))
        self.bulk(m.Parcel, parcels)
        for i, spec in enumerate(specs):
            label = {C: "商品住房", R: "征收安置房", SR: "社会租赁住房", AF: "保障性住房"}[spec.kind]
            estate = spec.delivery[0] if spec.delivery else None
            name = f"{estate.name}{label}项目" if estate else f"{spec.town.name}{spec.start.year}-{i + 1:03d}{label}项目"
            projects.append(m.Project(
                code=f"XM{spec.start.year}-{i + 1:03d}", name=name[:100],
                developer=DEVELOPERS[9] if spec.kind == R else rng.choice(DEVELOPERS[:9]), parcel=parcels[i],
                town=spec.town, housing_type=spec.kind,
                **self.near(spec),
            ))
        self.bulk(m.Project, projects)
        permits, quotas = [], []
        for i, (spec, project) in enumerate(zip(specs, projects, strict=True)):
            permits.append(m.Permit(project=project, kind=PermitKind.CONSTRUCTION, number=f"SG{spec.start.year}{i + 1:04d}",
                                    issued_on=spec.start, area_m2=spec.start_area))
            if spec.presale:
                permits.append(m.Permit(project=project, kind=PermitKind.PRESALE, number=f"YS{spec.presale.year}{i + 1:04d}",
                                        issued_on=spec.presale, area_m2=spec.presale_area, homes=spec.presale_homes))
            if spec.delivery:
                estate, day = spec.delivery
                permits.append(m.Permit(project=project, kind=PermitKind.DELIVERY, number=f"JF{day.year}{i + 1:04d}",
                                        issued_on=day, area_m2=spec.delivery_area, estate=estate,
                                        homes=max(1, int(spec.delivery_area / Decimal("95")))))
        self.bulk(m.Permit, permits)
        # 配建: commercial projects delivered since 2018 hand over about 5% of their homes
        with_quota = [(s, p) for s, p in zip(specs, projects, strict=True)
                      if s.kind == C and s.delivery and s.delivery[1] >= dt.date(2018, 1, 1)]
        ready14 = [(s, p) for s, p in with_quota if _in(s.delivery[1] + dt.timedelta(days=90), P14)]
        homes14 = _split_int(FOURTEENTH["affordable_homes"], [s.delivery_area for s, _p in ready14])
        counted = dict(zip((id(p) for _s, p in ready14), homes14, strict=True))
        for spec, project in with_quota:
            handed = spec.delivery[1] + dt.timedelta(days=30)
            ready = spec.delivery[1] + dt.timedelta(days=90)
            if ready > dt.date(2025, 12, 31):
                ready = None  # handed over, not yet ready for supply: not counted
            homes = counted.get(id(project)) or max(1, int(spec.delivery_area / Decimal("95") / 20))
            quotas.append(m.AffordableQuota(project=project, homes=homes, handed_over_on=handed, ready_on=ready,
                                            area_m2=Decimal(homes) * Decimal("65")))
        self.bulk(m.AffordableQuota, quotas)
        self.renovations(towns)

    def renovations(self, towns: list[Town]) -> None:
        """Renovation of estates built before 2005, town by town, completed 2016–2025."""
        rng = self.rng
        old = list(Estate.objects.filter(delivered_on__lt=dt.date(2005, 1, 1)).order_by("code"))
        by_town: dict[int, list[Estate]] = {}
        for e in old:
            by_town.setdefault(e.town_id, []).append(e)
        places = [t for t in towns if t.pk in by_town]
        plan = []
        for span, count in ((P13, 60), (P14, 50)):
            for n in range(count):
                completed = random_date(rng, span[0] + dt.timedelta(days=120), span[1] - dt.timedelta(days=20))
                plan.append((span, completed, places[n % len(places)]))
        areas13 = split_exactly(THIRTEENTH["renovated_area"], [rng.uniform(0.5, 1.5) for _ in range(60)])
        areas14 = split_exactly(FOURTEENTH["renovated_area"], [rng.uniform(0.5, 1.5) for _ in range(50)])
        public14 = split_exactly(FOURTEENTH["renovated_public_area"], [float(a) for a in areas14])
        kinds = list(RenovationKind.values)
        records, links = [], []
        for i, (_span, completed, town) in enumerate(plan):
            area = areas13[i] if i < 60 else areas14[i - 60]
            public = (area * Decimal("0.35")).quantize(Decimal("0.01")) if i < 60 else public14[i - 60]
            records.append(m.Renovation(
                code=f"XS{completed.year}-{i + 1:03d}", name=f"{town.name}{completed.year}年旧住房修缮改造（{i + 1}）",
                town=town, kind=kinds[i % len(kinds)], area_m2=area, public_housing_area_m2=min(public, area),
                started_on=completed - dt.timedelta(days=rng.randint(150, 400)), completed_on=completed,
            ))
            links.append(rng.sample(by_town[town.pk], min(len(by_town[town.pk]), rng.randint(1, 3))))
        # two projects under way: not counted until completed
        for j, town in enumerate(places[:2]):
            records.append(m.Renovation(code=f"XS2025-9{j}", name=f"{town.name}2025年旧住房综合改造（在建）", town=town,
                                        kind=RenovationKind.COMPREHENSIVE, area_m2=Decimal("86000"),
                                        public_housing_area_m2=Decimal("30000"), started_on=dt.date(2025, 7, 1)))
            links.append(by_town[town.pk][:1])
        created = self.bulk(m.Renovation, records)
        through = m.Renovation.estates.through
        through.objects.bulk_create([through(renovation_id=r.pk, estate_id=e.pk) for r, es in zip(created, links, strict=True)
                                     for e in es])


def load(*, homes: str = "sample", out=None) -> dict[str, int]:
    counts = DevelopmentDemo().build()
    if out is not None:
        out.write(f"development: {counts}\n")
    return counts
