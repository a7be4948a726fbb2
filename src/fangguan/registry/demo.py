"""The Jinshan demo: a deterministic, generated registry that reproduces from records the
end-2020 figures the plan reports (§一(一)3–4), plus the estates delivered since 2021.

Everything comes from one seeded random generator, so two loads give the same data. The
figures are not stored anywhere: they come out of ``selectors.registry_stats`` because the
records were generated to make them true —

    247 estates (48 delivered 2016–2020) holding 2,385万㎡ (709万 of it new), 75 companies
    serving, 109 companies filed, 213 owners' committees, 122 with a party working group,
    55 neighbourhood committees with a member on an owners' committee, 84 with an environment
    and property sub-committee, 238 estates that passed 美丽家园, 173 with e-bike charging.

Homes and people are the bulk (about 300,000 homes at full size). ``homes="sample"`` builds
them only for a few estates (the ones the demo accounts live in), which is what the tests use;
``homes="full"`` builds them everywhere; ``homes="none"`` skips them.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum.cn import ric

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation
from fangguan.core import crypto
from fangguan.core.actors import system_actor
from fangguan.core.audit import log_bulk_create
from fangguan.core.context import audit_context
from fangguan.core.identity import IdType, mask_id_number, mask_phone
from fangguan.core.text import pinyin_key

from . import models as m
from .choices import (
    AssessmentKind,
    CommitteeRole,
    ContractKind,
    DocumentKind,
    EstateType,
    FacilityKind,
    HomeUse,
    PersonKind,
    ShareKind,
    Structure,
    TownKind,
)

SEED = 20210101
END_2020 = dt.date(2020, 12, 31)
# The day the generated history runs to (contracts and terms continue past it), fixed so the
# demo is the same whenever it is loaded.
REFERENCE_DAY = dt.date(2026, 9, 30)
DEMO_PASSWORD = "Fangguan-demo-2026"

# The plan's end-2020 figures (REQUIREMENTS, "Figures the seed reports").
PLAN_2020 = {
    "estates": 247,
    "estates_new_2016_2020": 48,
    "floor_area_m2": Decimal("23850000"),
    "floor_area_new_m2": Decimal("7090000"),
    "companies_serving": 75,
    "companies_filed": 109,
    "owners_committees": 213,
    "committees_with_party_group": 122,
    "neighbourhood_committees_with_overlap": 55,
    "neighbourhood_committees_with_property_subcommittee": 84,
    "estates_meili_passed": 238,
    "estates_with_charging": 173,
}

# (code, name, kind, estates by end-2020, neighbourhood committees, centre lat, lng)
TOWNS = [
    ("310116001", "石化街道", TownKind.SUBDISTRICT, 60, 28, 30.7250, 121.3350),
    ("310116101", "朱泾镇", TownKind.TOWN, 35, 16, 30.8980, 121.1650),
    ("310116102", "枫泾镇", TownKind.TOWN, 20, 9, 30.8880, 121.0150),
    ("310116103", "张堰镇", TownKind.TOWN, 15, 7, 30.8050, 121.2900),
    ("310116104", "亭林镇", TownKind.TOWN, 25, 12, 30.8850, 121.3200),
    ("310116105", "吕巷镇", TownKind.TOWN, 10, 5, 30.8300, 121.1750),
    ("310116106", "廊下镇", TownKind.TOWN, 6, 3, 30.7900, 121.1500),
    ("310116107", "金山卫镇", TownKind.TOWN, 30, 14, 30.7450, 121.3000),
    ("310116112", "漕泾镇", TownKind.TOWN, 12, 6, 30.7750, 121.4300),
    ("310116113", "山阳镇", TownKind.TOWN, 34, 15, 30.7650, 121.3750),
    ("310116401", "金山工业区", TownKind.ZONE, 0, 0, 30.8600, 121.2600),
    ("310116402", "上海湾区高新技术产业开发区", TownKind.ZONE, 0, 0, 30.8300, 121.4000),
]

# Estates delivered after 2020, by year (plausible, near the plan's 287万㎡ of deliveries).
LATER_DELIVERIES = {2021: 9, 2022: 10, 2023: 9, 2024: 8, 2025: 9, 2026: 3}
LATER_FLOOR_AREA = Decimal("3050000")

NAME_HEADS = [
    "金汇", "龙皓", "海欣", "卫清", "蒙山", "隆安", "山鑫", "金湾", "滨海", "东方", "阳光", "恒盛",
    "新城", "梅州", "合浦", "临潮", "象州", "金豪", "紫园", "桥湾", "红旗", "东礁", "卫零", "海棠",
    "锦华", "秀州", "枫香", "松隐", "亭枫", "吕溪", "廊乡", "漕滨", "卫康", "山语", "月湖", "海岸",
    "金水", "朱枫", "张泾", "万安", "永乐", "富民", "康城", "和平", "幸福", "丰收", "振兴", "景秀",
]
NAME_TAILS = ["新村", "花园", "苑", "小区", "公寓", "佳园", "家园", "名邸", "嘉苑", "雅苑", "华庭", "湾"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建国建华志强海燕丽娟佳怡子涵浩然欣怡宇轩梓涵雨桐"
COMPANY_HEADS = [
    "金山", "石化", "海湾", "卫城", "朱泾", "枫泾", "亭林", "山阳", "漕泾", "吕巷", "张堰", "廊下", "金盛",
    "金宇", "金富", "金桥", "申金", "沪金", "湾区", "滨海", "东湖", "南翔", "绿洲", "城建", "古华", "长城",
    "永业", "上房", "陆家嘴", "明华", "科瑞", "东湖", "白玉兰", "锦江", "中房", "银城", "复医", "新长宁",
]
COMPANY_TAILS = ["物业管理有限公司", "物业服务有限公司", "物业有限公司", "房产物业管理有限公司"]
MOBILE_PREFIXES = ["138", "139", "137", "136", "135", "158", "159", "150", "151", "152", "186", "187", "188",
                   "189", "180", "181", "133", "153", "177", "199"]


def _d(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def split_exactly(total: Decimal, weights: list[float]) -> list[Decimal]:
    """Split ``total`` into parts proportional to ``weights`` that sum to it exactly (to 0.01)."""
    scale = sum(weights)
    parts = [_d(total * Decimal(str(w / scale))) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


# Places of birth drawn for demo owners; a code is used only in years it existed (金山县 310228
# became 金山区 310116 in 1997), so every demo identity number passes the registry's own check.
BIRTH_REGIONS = ("310116", "310228", "310104", "320482", "330421")


@functools.cache
def region_in_force(region: str, year: int) -> str:
    """`region` if it was a valid place of birth all through `year`, else the first of the
    demo's regions that was (the random stream stays the same either way)."""
    def valid(code: str) -> bool:
        return all(
            ric.is_valid(body + ric.calc_check_digit(body + "0"))
            for body in (f"{code}{year}0101001", f"{code}{year}1231001")
        )
    return next(code for code in (region, *BIRTH_REGIONS) if valid(code))


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class EstatePlan:
    """One estate as generated, before and after it is saved."""

    town_index: int
    delivered_on: dt.date
    floor_area: Decimal
    estate_type: str
    two_areas: bool = False
    obj: m.Estate | None = None
    areas: list[m.ManagementArea] = field(default_factory=list)


class DemoBuilder:
    """Builds the demo in bulk: one change-log entry per batch of records (cause ``load_demo``)."""

    def __init__(self, *, seed: int = SEED, homes: str = "sample", out=None):
        self.rng = random.Random(seed)
        self.homes_mode = homes
        self.out = out
        self.today = REFERENCE_DAY
        self.used_ids: set[str] = set()
        self.counts: dict[str, int] = {}

    def say(self, msg: str) -> None:
        if self.out is not None:
            self.out.write(msg + "\n")

    def bulk(self, model, objs: list, batch_size: int = 2000) -> list:
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        if created:
            log_bulk_create(actor=system_actor(), model=model, count=len(created), note="Jinshan demo")
            self.counts[model.audit_name] = self.counts.get(model.audit_name, 0) + len(created)
        return created

    # --- Build -----------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        with audit_context(cause="load_demo"), transaction.atomic():
            self.towns_and_neighbourhoods()
            self.estates()
            self.companies()
            self.contracts()
            self.committees()
            self.facilities_and_assessments()
            self.homes_and_people()
            self.organisations_and_accounts()
        return self.counts

    def towns_and_neighbourhoods(self) -> None:
        rng = self.rng
        self.towns = self.bulk(m.Town, [
            m.Town(code=code, name=name, kind=kind, sort_order=i)
            for i, (code, name, kind, *_rest) in enumerate(TOWNS)
        ])
        ncs: list[m.Neighbourhood] = []
        for town, (_c, name, _k, _e, n_nc, *_r) in zip(self.towns, TOWNS, strict=True):
            stem = name.removesuffix("街道").removesuffix("镇")
            for j in range(n_nc):
                ncs.append(m.Neighbourhood(town=town, code=f"{town.code}{j + 1:03d}", name=f"{stem}第{j + 1}居委会"))
        # 84 sub-committees by end-2020, 12 more since.
        order = list(range(len(ncs)))
        rng.shuffle(order)
        for rank, idx in enumerate(order):
            if rank < PLAN_2020["neighbourhood_committees_with_property_subcommittee"]:
                ncs[idx].property_subcommittee_since = random_date(rng, dt.date(2017, 1, 1), END_2020)
            elif rank < 96:
                ncs[idx].property_subcommittee_since = random_date(rng, dt.date(2021, 3, 1), dt.date(2025, 6, 30))
        self.neighbourhoods = self.bulk(m.Neighbourhood, ncs)
        self.ncs_by_town: dict[int, list[m.Neighbourhood]] = {}
        for nc in self.neighbourhoods:
            self.ncs_by_town.setdefault(nc.town_id, []).append(nc)

    def _estate_type(self, year: int) -> str:
        r = self.rng.random()
        if year < 2000:
            return EstateType.SOLD_PUBLIC if r < 0.8 else (EstateType.DIRECT_PUBLIC if r < 0.9 else EstateType.COMMERCIAL)
        if r < 0.62:
            return EstateType.COMMERCIAL
        if r < 0.80:
            return EstateType.RESETTLEMENT
        if r < 0.87:
            return EstateType.AFFORDABLE
        if r < 0.95:
            return EstateType.RURAL
        return EstateType.MIXED

    def estates(self) -> None:
        rng = self.rng
        plans: list[EstatePlan] = []
        # End-2020 stock: per town, the oldest first; 48 of the 247 delivered 2016–2020.
        new_slots = set(rng.sample(range(PLAN_2020["estates"]), PLAN_2020["estates_new_2016_2020"]))
        slot = 0
        for t_index, (_c, _n, _k, n_estates, *_r) in enumerate(TOWNS):
            for _ in range(n_estates):
                if slot in new_slots:
                    delivered = random_date(rng, dt.date(2016, 1, 1), END_2020)
                else:
                    year = rng.choices([rng.randint(1978, 1994), rng.randint(1995, 2004), rng.randint(2005, 2015)],
                                       weights=[3, 4, 4])[0]
                    delivered = random_date(rng, dt.date(year, 1, 1), min(dt.date(year, 12, 31), dt.date(2015, 12, 31)))
                plans.append(EstatePlan(t_index, delivered, Decimal(0), self._estate_type(delivered.year)))
                slot += 1
        old = [p for p in plans if p.delivered_on.year < 2016]
        new = [p for p in plans if p.delivered_on.year >= 2016]
        for group, total in ((old, PLAN_2020["floor_area_m2"] - PLAN_2020["floor_area_new_m2"]),
                             (new, PLAN_2020["floor_area_new_m2"])):
            for plan, area in zip(group, split_exactly(total, [rng.uniform(0.35, 1.9) for _ in group]), strict=True):
                plan.floor_area = area
        # Later deliveries spread over the towns that grow (new town, Fengjing, Tinglin, the zones).
        later: list[EstatePlan] = []
        growth_towns = [1, 2, 4, 7, 9, 10, 11]
        for year, n in LATER_DELIVERIES.items():
            last = min(dt.date(year, 12, 31), self.today - dt.timedelta(days=30))
            for _ in range(n):
                later.append(EstatePlan(rng.choice(growth_towns), random_date(rng, dt.date(year, 1, 1), last),
                                        Decimal(0), self._estate_type(year)))
        for plan, area in zip(later, split_exactly(LATER_FLOOR_AREA, [rng.uniform(0.5, 1.6) for _ in later]), strict=True):
            plan.floor_area = area
        plans += later
        # A few estates are split into two management areas.
        for plan in rng.sample(plans, 8):
            plan.two_areas = True
        self.plans = plans

        estates: list[m.Estate] = []
        used_names: set[str] = set()
        seq: dict[int, int] = {}
        for plan in sorted(plans, key=lambda p: (p.town_index, p.delivered_on)):
            town = self.towns[plan.town_index]
            code, tname, _k, _e, _nc, lat, lng = TOWNS[plan.town_index]
            seq[plan.town_index] = seq.get(plan.town_index, 0) + 1
            name = self._estate_name(tname, plan, used_names)
            ncs = self.ncs_by_town.get(town.pk) or []
            nc = ncs[(seq[plan.town_index] - 1) % len(ncs)] if ncs else None
            far = Decimal(str(round(rng.uniform(1.2, 2.6), 2)))
            plan.obj = m.Estate(
                code=f"{code[-3:]}{seq[plan.town_index]:04d}",
                name=name,
                name_pinyin=pinyin_key(name),
                address=f"上海市金山区{tname}{rng.choice(NAME_HEADS)}路{rng.randint(1, 999)}号",
                town=town,
                neighbourhood=nc,
                estate_type=plan.estate_type,
                delivered_on=plan.delivered_on,
                land_area_m2=_d(plan.floor_area / far),
                floor_area_m2=plan.floor_area,
                latitude=Decimal(str(round(lat + rng.uniform(-0.025, 0.025), 6))),
                longitude=Decimal(str(round(lng + rng.uniform(-0.03, 0.03), 6))),
                charging_eligible=rng.random() > 0.05,
                has_onsite_office=rng.random() > 0.15,
                service_phone=f"021-5{rng.randint(1000000, 9999999)}",
                office_address=f"{name}物业服务中心",
            )
            estates.append(plan.obj)
        # Estates delivered later are built with their charging site: all eligible.
        for plan in later:
            plan.obj.charging_eligible = True
        # One old estate was demolished for urban-village renewal in 2022: counted in 2020, not now.
        old[3].obj.removed_on = dt.date(2022, 6, 30)
        self.bulk(m.Estate, estates)
        self.estates_2020 = [p for p in plans if p.delivered_on <= END_2020]

        areas: list[m.ManagementArea] = []
        for plan in plans:
            for k in range(2 if plan.two_areas else 1):
                suffix = "" if not plan.two_areas else ("（一区）", "（二区）")[k]
                area = m.ManagementArea(estate=plan.obj, code=f"{plan.obj.code}-{k + 1}",
                                        name=f"{plan.obj.name}{suffix}", established_on=plan.delivered_on)
                plan.areas.append(area)
                areas.append(area)
        self.bulk(m.ManagementArea, areas)

    def _estate_name(self, town_name: str, plan: EstatePlan, used: set[str]) -> str:
        rng = self.rng
        stem = town_name.removesuffix("街道").removesuffix("镇").removesuffix("区")[:2]
        for _ in range(100):
            if plan.delivered_on.year < 1995 and rng.random() < 0.5:
                name = f"{stem}{rng.choice('一二三四五六七八九十')}村"
            else:
                name = rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS)
                if rng.random() < 0.2:
                    name += rng.choice(["一期", "二期", "三期"])
            if name not in used:
                used.add(name)
                return name
        name = f"{stem}{len(used)}号小区"
        used.add(name)
        return name

    # --- Companies and contracts -----------------------------------------------------------

    def _credit_code(self, serial: int, *, pilot: bool = False) -> str:
        from stdnum.cn import uscc

        # 9 (company) 1 (enterprise) + 310116 (Jinshan) + 9-character organisation code
        body = f"91310116{serial:08d}{self.rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}"
        check = uscc.calc_check_digit(body)
        if pilot:  # early pilot codes fail the GB 32100 check: flagged, not refused
            alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
            check = alphabet[(alphabet.index(check) + 7) % len(alphabet)]
        return body + check

    def companies(self) -> None:
        rng = self.rng
        names: set[str] = set()
        companies: list[m.Company] = []
        total = 130
        for i in range(total):
            while True:
                name = f"上海{rng.choice(COMPANY_HEADS)}{rng.choice(COMPANY_HEADS)}{rng.choice(COMPANY_TAILS)}"
                if name not in names:
                    names.add(name)
                    break
            companies.append(m.Company(
                name=name, name_pinyin=pinyin_key(name), credit_code=self._credit_code(i + 1, pilot=i in (17, 93)),
                credit_code_flagged=i in (17, 93), qualification=rng.choice(["", "一级", "二级", "三级"]),
                address=f"上海市金山区{rng.choice(NAME_HEADS)}路{rng.randint(1, 999)}号",
                phone=f"021-5{rng.randint(1000000, 9999999)}",
            ))
        # Filing (备案): 111 filed by 2020, of which 2 revoked in 2019–2020 (109 in force); 10 since.
        order = list(range(total))
        rng.shuffle(order)
        for rank, idx in enumerate(order):
            c = companies[idx]
            if rank < 111:
                c.filed_on = random_date(rng, dt.date(2017, 3, 1), dt.date(2020, 11, 30))
                if rank < 2:
                    c.filing_revoked_on = random_date(rng, max(c.filed_on + dt.timedelta(days=30), dt.date(2019, 6, 1)), END_2020)
            elif rank < 121:
                c.filed_on = random_date(rng, dt.date(2021, 2, 1), dt.date(2025, 10, 31))
        self.companies_all = self.bulk(m.Company, companies)
        # The 75 serving at end-2020: filed ones first (a few unfiled companies serve too).
        filed_2020 = [companies[i] for i in order[2:111]]
        unfiled = [companies[i] for i in order[121:]]
        self.serving_2020 = filed_2020[:71] + unfiled[:4]
        self.not_serving_2020 = [c for c in companies if c not in self.serving_2020]
        assert len(self.serving_2020) == PLAN_2020["companies_serving"]

    def contracts(self) -> None:
        """Per management area: a preliminary contract from delivery, then three-year formal
        contracts from the committee's founding; the company in force at end-2020 is one of the
        75, and some areas change company after 2021."""
        rng = self.rng
        self.committee_dates: dict[int, dt.date | None] = {}
        areas_2020 = [a for p in self.estates_2020 for a in p.areas]
        # The demo company (``wuye``) serves areas in 石化街道 and 朱泾镇, kept through today.
        self.demo_company = self.serving_2020[0]
        self.demo_areas = self._demo_areas(areas_2020)
        demo = set(self.demo_areas)
        # Committees by end-2020: 213 in force (the demo areas among them) and 4 dissolved before;
        # only areas delivered at least a year before the committee can have one.
        candidates = [a for a in areas_2020 if a not in demo and a.estate.delivered_on <= dt.date(2019, 9, 30)]
        rng.shuffle(candidates)
        active = self.demo_areas + candidates[: PLAN_2020["owners_committees"] - len(self.demo_areas)]
        rest = [a for a in candidates if a not in set(active) and a.estate.delivered_on <= dt.date(2017, 12, 31)]
        self.area_committee_plan: dict[int, str] = {a.pk: "active" for a in active}
        self.area_committee_plan.update({a.pk: "dissolved" for a in rest[:4]})
        # Every one of the 75 serves at least one area at end-2020; the rest at random.
        others = [a for a in areas_2020 if a not in demo]
        assignment = list(self.serving_2020[1:])
        assignment += [rng.choice(self.serving_2020) for _ in range(len(others) - len(assignment))]
        rng.shuffle(assignment)
        pairs = [(a, self.demo_company) for a in self.demo_areas] + list(zip(others, assignment, strict=True))
        contracts: list[m.Contract] = []
        for area, company in pairs:
            contracts += self._contract_chain(area, company, keep=area in demo)
        for plan in self.plans:
            if plan.delivered_on > END_2020:
                for area in plan.areas:
                    company = rng.choice(self.companies_all)
                    contracts.append(self._contract(area, company, ContractKind.PRELIMINARY, plan.delivered_on, None))
        self.bulk(m.Contract, contracts)

    def _demo_areas(self, areas: list[m.ManagementArea]) -> list[m.ManagementArea]:
        towns = {self.towns[0].pk: [], self.towns[1].pk: []}
        for area in areas:
            if area.estate.town_id in towns and area.estate.delivered_on.year < 2016 and area.code.endswith("-1"):
                towns[area.estate.town_id].append(area)
        return towns[self.towns[0].pk][:3] + towns[self.towns[1].pk][:2]

    def _contract(self, area, company, kind, start, end) -> m.Contract:
        rng = self.rng
        return m.Contract(
            area=area, company=company, kind=kind, start_on=start, end_on=end,
            fee_high_rise=_d(rng.uniform(1.8, 3.5)), fee_multi_storey=_d(rng.uniform(0.6, 1.8)), fee_other=None,
        )

    def _contract_chain(self, area, company, *, keep: bool) -> list[m.Contract]:
        rng = self.rng
        delivered = area.estate.delivered_on
        status = self.area_committee_plan.get(area.pk)
        if status is None:
            return [self._contract(area, company, ContractKind.PRELIMINARY, delivered, None)]
        # The committee is founded 2–6 years after delivery, by 2020-09 for an active one.
        latest = dt.date(2020, 9, 30) if status == "active" else dt.date(2019, 6, 30)
        earliest = max(delivered + dt.timedelta(days=365), dt.date(1996, 1, 1))
        founded = random_date(rng, min(earliest, latest), latest)
        self.committee_dates[area.pk] = founded
        formal_start = founded + dt.timedelta(days=rng.randint(30, 80))
        chain = [self._contract(area, company, ContractKind.PRELIMINARY, delivered, formal_start - dt.timedelta(days=1))]
        start = formal_start
        switched = False
        while start <= self.today + dt.timedelta(days=5 * 365):
            end = dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1)
            if start > END_2020 and not keep and not switched and rng.random() < 0.25:
                company = rng.choice(self.companies_all)
                switched = True
            chain.append(self._contract(area, company, ContractKind.FORMAL, start, end))
            start = end + dt.timedelta(days=1)
        return chain

    # --- Owners' committees ----------------------------------------------------------------

    def committees(self) -> None:
        rng = self.rng
        committees: list[m.OwnersCommittee] = []
        area_by_pk = {a.pk: a for p in self.plans for a in p.areas}
        active_2020: list[m.OwnersCommittee] = []
        for area_pk, status in self.area_committee_plan.items():
            area = area_by_pk[area_pk]
            founded = self.committee_dates[area_pk]
            c = m.OwnersCommittee(
                area=area, name=f"{area.name}业主委员会", assembly_established_on=founded, established_on=founded,
            )
            if status == "dissolved":
                c.dissolved_on = random_date(rng, founded + dt.timedelta(days=400), END_2020)
            else:
                term_start = founded
                while dt.date(term_start.year + 5, term_start.month, 1) <= self.today:
                    term_start = dt.date(term_start.year + 5, term_start.month, 1)
                c.term_start = term_start
                c.term_end = dt.date(term_start.year + 5, term_start.month, 1) - dt.timedelta(days=1)
                active_2020.append(c)
            committees.append(c)
        # 122 with a party working group by end-2020; about 60 more since.
        rng.shuffle(active_2020)
        for rank, c in enumerate(active_2020):
            if rank < PLAN_2020["committees_with_party_group"]:
                c.party_group_since = random_date(rng, max(c.established_on, dt.date(2017, 7, 1)), END_2020)
            elif rank < 180:
                c.party_group_since = random_date(rng, dt.date(2021, 3, 1), dt.date(2025, 9, 30))
        # Committees founded since 2021 (older areas without one, and newer estates).
        later_areas = [a for p in self.plans for a in p.areas
                       if a.pk not in self.area_committee_plan and p.delivered_on <= dt.date(2023, 6, 30)]
        for area in rng.sample(later_areas, min(20, len(later_areas))):
            founded = random_date(rng, max(area.estate.delivered_on + dt.timedelta(days=400), dt.date(2021, 2, 1)),
                                  self.today - dt.timedelta(days=60))
            committees.append(m.OwnersCommittee(
                area=area, name=f"{area.name}业主委员会", assembly_established_on=founded, established_on=founded,
                term_start=founded, term_end=dt.date(founded.year + 5, founded.month, 1) - dt.timedelta(days=1),
            ))
        self.committees_all = self.bulk(m.OwnersCommittee, committees)
        self.members(active_2020)
        self.bulk(m.CommitteeDocument, [
            doc
            for c in self.committees_all
            for doc in (
                m.CommitteeDocument(committee=c, kind=DocumentKind.RULES, title=f"{c.area.name}业主大会议事规则",
                                    issued_on=c.assembly_established_on),
                m.CommitteeDocument(committee=c, kind=DocumentKind.COVENANT, title=f"{c.area.name}管理规约",
                                    issued_on=c.assembly_established_on),
            )
        ])

    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        return rng.choice(SURNAMES) + given[:2]

    def members(self, active_2020: list[m.OwnersCommittee]) -> None:
        """Five to seven seats per committee; in 55 neighbourhood committees by end-2020 one
        of their members also sits on an owners' committee of their estates (交叉任职)."""
        rng = self.rng
        members: list[m.CommitteeMember] = []
        for c in self.committees_all:
            end = c.dissolved_on
            for seat in range(rng.randint(5, 7)):
                role = CommitteeRole.CHAIR if seat == 0 else (CommitteeRole.VICE_CHAIR if seat == 1 else CommitteeRole.MEMBER)
                members.append(m.CommitteeMember(committee=c, name=self._name(), role=role,
                                                 start_on=c.term_start or c.established_on, end_on=end))
        # The overlap: pick 55 neighbourhood committees that have an active committee by 2020.
        by_nc: dict[int, list[m.OwnersCommittee]] = {}
        for c in active_2020:
            if c.area.estate.neighbourhood_id:
                by_nc.setdefault(c.area.estate.neighbourhood_id, []).append(c)
        ncs = sorted(by_nc)
        rng.shuffle(ncs)
        target = PLAN_2020["neighbourhood_committees_with_overlap"]
        if len(ncs) < target + 10:
            raise AssertionError("not enough neighbourhood committees with owners' committees")
        nc_by_pk = {nc.pk: nc for nc in self.neighbourhoods}
        for rank, nc_pk in enumerate(ncs[: target + 10]):
            committee = by_nc[nc_pk][0]
            start = random_date(rng, committee.established_on, END_2020) if rank < target else \
                random_date(rng, dt.date(2021, 6, 1), dt.date(2025, 6, 30))
            members.append(m.CommitteeMember(
                committee=committee, name=self._name(), role=CommitteeRole.MEMBER, start_on=start,
                neighbourhood=nc_by_pk[nc_pk],
            ))
        self.bulk(m.CommitteeMember, members)

    # --- Facilities and assessments --------------------------------------------------------

    def facilities_and_assessments(self) -> None:
        rng = self.rng
        facilities: list[m.Facility] = []
        assessments: list[m.Assessment] = []
        old_2020 = [p for p in self.estates_2020]
        eligible = [p for p in old_2020 if p.obj.charging_eligible]
        rng.shuffle(eligible)
        # Charging: 173 by end-2020 (2018–2020 campaign), most of the rest since; new estates at delivery.
        for rank, p in enumerate(eligible):
            if rank < PLAN_2020["estates_with_charging"]:
                installed = random_date(rng, max(p.delivered_on, dt.date(2018, 3, 1)), END_2020)
            elif rank < len(eligible) - 9:
                installed = random_date(rng, dt.date(2021, 2, 1), dt.date(2025, 11, 30))
            else:
                continue  # still without one: coverage is not 100%
            facilities.append(m.Facility(estate=p.obj, kind=FacilityKind.EBIKE_CHARGING, location="小区集中充电棚",
                                         quantity=rng.randint(1, 4), installed_on=installed))
        for p in self.plans:
            if p.delivered_on > END_2020:
                facilities.append(m.Facility(estate=p.obj, kind=FacilityKind.EBIKE_CHARGING, location="地下非机动车库",
                                             quantity=rng.randint(1, 3), installed_on=p.delivered_on))
            facilities.append(m.Facility(estate=p.obj, kind=FacilityKind.SECONDARY_WATER, location="水泵房",
                                         installed_on=p.delivered_on))
            if rng.random() < 0.7:
                facilities.append(m.Facility(estate=p.obj, kind=FacilityKind.CCTV, location="小区出入口及主干道",
                                             quantity=rng.randint(8, 60),
                                             installed_on=max(p.delivered_on, random_date(rng, dt.date(2012, 1, 1), dt.date(2024, 1, 1)))))
            if rng.random() < 0.5:
                facilities.append(m.Facility(estate=p.obj, kind=FacilityKind.PARCEL_LOCKER, location="小区出入口",
                                             quantity=rng.randint(1, 6),
                                             installed_on=max(p.delivered_on, random_date(rng, dt.date(2016, 1, 1), dt.date(2025, 1, 1)))))
        # 美丽家园: 238 of the 247 passed the standard in the 2018–2020 campaign; model estates since.
        passers = rng.sample(old_2020, PLAN_2020["estates_meili_passed"])
        for p in passers:
            assessments.append(m.Assessment(
                estate=p.obj, kind=AssessmentKind.MEILI_STANDARD,
                passed_on=random_date(rng, max(p.delivered_on, dt.date(2018, 4, 1)), END_2020),
                score=Decimal(str(round(rng.uniform(80, 98), 1))),
            ))
        for p in rng.sample(passers, 3):
            assessments.append(m.Assessment(estate=p.obj, kind=AssessmentKind.MEILI_MODEL,
                                            passed_on=random_date(rng, dt.date(2022, 5, 1), dt.date(2025, 10, 31)),
                                            score=Decimal(str(round(rng.uniform(92, 99), 1)))))
        self.bulk(m.Facility, facilities)
        self.bulk(m.Assessment, assessments)

    # --- Buildings, homes, people ----------------------------------------------------------

    def homes_and_people(self) -> None:
        if self.homes_mode == "none":
            return
        if self.homes_mode == "full":
            plans = self.plans
        else:  # the demo accounts' estates and a few others in 朱泾镇
            demo_estates = {a.estate_id for a in self.demo_areas}
            plans = [p for p in self.plans if p.obj.pk in demo_estates]
            plans += [p for p in self.plans if p.town_index == 1 and p.obj.pk not in demo_estates][:3]
            recent = [p for p in self.plans if p.estate_type == EstateType.COMMERCIAL and p.delivered_on.year >= 2023]
            plans += recent[:1]  # one with homes its developer has not sold yet
        self.people_seq = 0
        for start in range(0, len(plans), 20):
            self._homes_batch(plans[start : start + 20])
            self.say(f"  homes: {min(start + 20, len(plans))}/{len(plans)} estates")

    def _homes_batch(self, plans: Iterable[EstatePlan]) -> None:
        rng = self.rng
        buildings: list[m.Building] = []
        layout: list[tuple[m.Building, int, int, Decimal]] = []
        for p in plans:
            old = p.delivered_on.year < 2000
            remaining = p.floor_area
            number = 0
            while remaining > 0:
                number += 1
                high = not old and rng.random() < 0.55
                floors = rng.randint(11, 33) if high else rng.randint(5, 6)
                units = 2 if high else rng.randint(2, 4)
                per_floor = rng.choice([2, 2, 3, 4]) if high else 2
                home_size = _d(rng.uniform(85, 140) if high else (rng.uniform(50, 75) if old else rng.uniform(80, 120)))
                size = _d(home_size * floors * units * per_floor)
                if size > remaining:  # the last building takes what is left, as fewer floors
                    floors = max(1, int(remaining / (home_size * units * per_floor)))
                    size = remaining
                area = p.areas[(number - 1) % len(p.areas)]
                b = m.Building(
                    estate=p.obj, area=area, number=f"{number}号", floors=floors, units=units,
                    structure=(Structure.SHEAR_WALL if high else (Structure.BRICK_CONCRETE if old else Structure.FRAME)),
                    built_year=p.delivered_on.year - (1 if rng.random() < 0.5 else 0), has_elevator=high,
                    floor_area_m2=size,
                )
                buildings.append(b)
                layout.append((b, units, per_floor, home_size))
                remaining -= size
        self.bulk(m.Building, buildings, batch_size=1000)

        homes: list[m.Home] = []
        for b, units, per_floor, home_size in layout:
            for floor in range(1, b.floors + 1):
                for unit in range(1, units + 1):
                    for k in range(1, per_floor + 1):
                        exclusive = _d(home_size * Decimal(str(round(rng.uniform(0.76, 0.86), 3))))
                        homes.append(m.Home(building=b, unit=str(unit), room_number=f"{unit}{floor:02d}{k:02d}",
                                            floor=floor, area_m2=max(exclusive, Decimal("20.00")),
                                            use=HomeUse.RESIDENTIAL))
        homes = self.bulk(m.Home, homes, batch_size=5000)

        people: list[m.Person] = []
        shares: list[tuple[int, int, str, Decimal, dt.date]] = []  # (home idx, person idx, kind, pct, since)
        estate_of = {b.pk: b.estate for b, *_ in layout}
        developers: dict[int, int] = {}  # estate -> index of its developer in ``people``
        for h_index, home in enumerate(homes):
            estate = estate_of[home.building_id]
            # most homes keep their first owner; some changed hands since
            since = random_date(rng, estate.delivered_on, self.today) if rng.random() < 0.3 else estate.delivered_on
            kind = ShareKind.PUBLIC_TENANT if estate.estate_type == EstateType.DIRECT_PUBLIC else ShareKind.OWNER
            recent_sale = estate.estate_type in (EstateType.COMMERCIAL, EstateType.MIXED) and estate.delivered_on.year >= 2023
            if recent_sale and rng.random() < 0.06:  # not yet sold: the developer holds it
                if estate.pk not in developers:
                    people.append(self._developer(estate))
                    developers[estate.pk] = len(people) - 1
                shares.append((h_index, developers[estate.pk], kind, Decimal("100.00"), estate.delivered_on))
            elif kind == ShareKind.OWNER and rng.random() < 0.2:
                for _ in range(2):
                    people.append(self._person())
                    shares.append((h_index, len(people) - 1, kind, Decimal("50.00"), since))
            else:
                people.append(self._person())
                shares.append((h_index, len(people) - 1, kind, Decimal("100.00"), since))
        people = self.bulk(m.Person, people, batch_size=5000)
        for estate_id, index in developers.items():
            m.Estate.objects.filter(pk=estate_id).update(developer=people[index])
        self.bulk(m.HomeShare, [
            m.HomeShare(home=homes[h], person=people[p], kind=kind, share_percent=pct, since=since)
            for h, p, kind, pct, since in shares
        ], batch_size=5000)

    def _person(self) -> m.Person:
        rng = self.rng
        self.people_seq += 1
        while True:
            birth = random_date(rng, dt.date(1940, 1, 1), dt.date(2000, 12, 31))
            region = region_in_force(rng.choice(BIRTH_REGIONS), birth.year)
            body = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
            id_number = body + ric.calc_check_digit(body + "0")  # stdnum wants the check slot
            if id_number not in self.used_ids:
                self.used_ids.add(id_number)
                break
        id_type = IdType.RESIDENT_ID
        if rng.random() < 0.015:  # a few owners hold other documents
            id_type = rng.choice([IdType.PASSPORT, IdType.HK_MACAU_PERMIT, IdType.TAIWAN_PERMIT])
            id_number = {
                IdType.PASSPORT: f"E{self.people_seq:08d}",
                IdType.HK_MACAU_PERMIT: f"{rng.choice('HM')}{self.people_seq:08d}",
                IdType.TAIWAN_PERMIT: f"{self.people_seq:08d}",
            }[id_type]
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
        name = self._name()
        return m.Person(
            kind=PersonKind.NATURAL, name=name, name_pinyin=pinyin_key(name), id_type=id_type,
            id_number_cipher=crypto.encrypt(id_number, purpose="person.id_number"),
            id_number_index=m.id_number_index(id_number), id_number_masked=mask_id_number(id_number),
            phone_cipher=crypto.encrypt(phone, purpose="person.phone"), phone_index=m.phone_index(phone),
            phone_masked=mask_phone(phone),
        )

    def _developer(self, estate: m.Estate) -> m.Person:
        """The developer of a recently delivered estate, holding the homes not yet sold."""
        self.people_seq += 1
        code = self._credit_code(900000 + self.people_seq)
        name = f"上海{estate.name[:2]}房地产开发有限公司"
        return m.Person(
            kind=PersonKind.ORGANISATION, name=name, name_pinyin=pinyin_key(name), id_type=IdType.CREDIT_CODE,
            id_number_cipher=crypto.encrypt(code, purpose="person.id_number"),
            id_number_index=m.id_number_index(code), id_number_masked=mask_id_number(code),
            address=f"上海市金山区{estate.town.name}",
        )

    # --- Organisations and demo accounts ---------------------------------------------------

    def organisations_and_accounts(self) -> None:
        orgs = [Organisation(name="金山区住房保障和房屋管理局", kind=OrgKind.BUREAU),
                Organisation(name="金山区房管局审计组", kind=OrgKind.AUDIT),
                Organisation(name="金山区房管局信息中心", kind=OrgKind.IT)]
        orgs += [Organisation(name=f"{t.name}房屋管理办公室", kind=OrgKind.TOWN_OFFICE, town=t) for t in self.towns]
        orgs += [Organisation(name=nc.name, kind=OrgKind.NEIGHBOURHOOD, neighbourhood=nc) for nc in self.neighbourhoods]
        orgs += [Organisation(name=c.name, kind=OrgKind.COMPANY, company=c) for c in self.companies_all]
        orgs += [Organisation(name=c.name, kind=OrgKind.OWNERS_COMMITTEE, owners_committee=c) for c in self.committees_all]
        orgs = Organisation.objects.bulk_create(orgs)
        by_kind = {}
        for o in orgs:
            by_kind.setdefault((o.kind, o.town_id, o.neighbourhood_id, o.company_id, o.owners_committee_id), o)

        def org(kind, **link):
            key = (kind, link.get("town"), link.get("neighbourhood"), link.get("company"), link.get("committee"))
            return by_kind[key]

        # The estate the owner-side accounts live in: served by the demo company, with a committee.
        area = self.demo_areas[0]
        estate = area.estate
        committee = m.OwnersCommittee.objects.filter(area=area, dissolved_on__isnull=True).first()
        home = m.Home.objects.filter(building__area=area).order_by("pk").first()
        if committee is None or home is None:
            raise AssertionError("the demo estate needs a committee and homes")
        owner = m.HomeShare.objects.filter(home=home).select_related("person").first().person
        chair_home = m.Home.objects.filter(building__area=area).order_by("-pk").first()
        chair = m.HomeShare.objects.filter(home=chair_home).select_related("person").first().person
        m.CommitteeMember.objects.create(committee=committee, person=chair, name=chair.name,
                                         role=CommitteeRole.VICE_CHAIR, start_on=committee.term_start)

        User = get_user_model()
        accounts = [
            ("admin", "区房管局 管理员", [(org(OrgKind.BUREAU), Role.BUREAU_OFFICER, True)], None),
            ("zhujing", "朱泾镇房办 经办人", [(org(OrgKind.TOWN_OFFICE, town=self.towns[1].pk), Role.TOWN_OFFICER, True)], None),
            ("juweihui", f"{estate.neighbourhood.name} 社区工作者",
             [(org(OrgKind.NEIGHBOURHOOD, neighbourhood=estate.neighbourhood_id), Role.COMMUNITY_WORKER, False)], None),
            ("wuye", f"{self.demo_company.name} 项目经理",
             [(org(OrgKind.COMPANY, company=self.demo_company.pk), Role.COMPANY_MANAGER, False)], None),
            ("yeweihui", f"{committee.name} 副主任",
             [(org(OrgKind.OWNERS_COMMITTEE, committee=committee.pk), Role.COMMITTEE_MEMBER, False)], chair),
            ("yezhu", f"业主 {owner.name}", [], owner),
            ("auditor", "审计组 审计员", [(org(OrgKind.AUDIT), Role.AUDITOR, False)], None),
            ("sysadmin", "信息中心 系统管理员", [(org(OrgKind.IT), Role.SYSTEM_ADMIN, False)], None),
            ("secadmin", "信息中心 安全管理员", [(org(OrgKind.IT), Role.SECURITY_ADMIN, False)], None),
            ("auditadmin", "信息中心 审计管理员", [(org(OrgKind.IT), Role.AUDIT_ADMIN, False)], None),
        ]
        for username, display, roles, person in accounts:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=display)
            for organisation, role, reveal in roles:
                Membership.objects.create(user=user, organisation=organisation, role=role, may_reveal=reveal)
            if person is not None:
                m.Person.objects.filter(pk=person.pk).update(user=user)
        self.say(f"  demo estate for yeweihui/yezhu: {estate.name} ({estate.town.name}), company {self.demo_company.name}")


def load_demo(*, homes: str = "sample", seed: int = SEED, out=None) -> dict[str, int]:
    return DemoBuilder(seed=seed, homes=homes, out=out).build()


DEMO_ACCOUNTS = [
    ("admin", "区房管局 district bureau (reads and writes the whole district, may reveal personal data)"),
    ("zhujing", "朱泾镇房办 town housing office of 朱泾镇 (its town's registry, may reveal)"),
    ("juweihui", "居委会 neighbourhood committee worker (its estates, read-only)"),
    ("wuye", "物业服务企业 property company manager (the estates it serves, in 石化街道 and 朱泾镇)"),
    ("yeweihui", "业委会 owners' committee member of an estate served by wuye's company"),
    ("yezhu", "业主 owner of a home in that same estate"),
    ("auditor", "审计 auditor (everything, read-only, plus the security log)"),
    ("sysadmin", "系统管理员 system administrator (users and settings at /admin/, no business data)"),
    ("secadmin", "安全管理员 security administrator (no business data)"),
    ("auditadmin", "审计管理员 audit administrator (the security log, no business data)"),
]
