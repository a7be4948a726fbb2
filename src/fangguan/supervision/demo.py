"""The Jinshan supervision demo, from records (the full demo only, like the votes: the test
sessions load the sample registry without it): monthly town inspections of every estate since
2021 and district spot checks (findings answered, a few failed items made breaches), complaints
(some from the hotline), credit files with corrections and disputes (the latest still waiting for
their re-check), project managers (some at their limit), satisfaction surveys, the yearly
evaluations 2021–2025 that follow from them (stored, as the nightly step stores a finished year),
a pool, and the plan's 46 handover inspections of 2016–2020 (with defects and their clocks) plus
later ones.

Rows are bulk-written for speed (a demo loader, like the registry's), each in its final state
with the history a service would have left; the figures are computed from them by the same
selectors the pages use."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.registry.models import Company, Contract, Estate, Home, Person
from fangguan.repairs.deadlines import LOCAL

from .choices import TemplateKind
from .models import (
    Achievement,
    Assignment,
    Breach,
    Complaint,
    Defect,
    Finding,
    Handover,
    Inspection,
    InspectionResult,
    PoolEntry,
    ProjectManager,
    Standard,
    Survey,
    Template,
)

SEED = 17
PLAN_HANDOVERS = 46  # handover inspections done 2016–2020 (the plan)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
RULES = [("minor", "未按规定公示“6+N”信息（沪房物业〔2025〕78号）"),
         ("minor", "报修响应超时（沪房规范〔2023〕3号）"),
         ("more_serious", "消防通道堵塞未及时整改（沪房规范〔2023〕3号）"),
         ("more_serious", "项目经理不在岗（沪房规范〔2023〕3号）"),
         ("especially_serious", "擅自撤离物业服务区域（沪房规范〔2023〕3号）")]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL)


def load(*, homes: str = "sample", out=None, since: dt.date = dt.date(2021, 1, 1),
         until: dt.date | None = None) -> dict[str, int]:
    if homes != "full":
        return {}
    return build(since=since, until=until or dt.date(2025, 12, 31))


def _month_days(since: dt.date, until: dt.date):
    day = since.replace(day=1)
    while day <= until:
        yield day
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def build(*, since: dt.date, until: dt.date, towns: list[int] | None = None,
          freeze: bool = True) -> dict[str, int]:
    """The supervision records from ``since`` to ``until``. ``towns`` (tests: a smaller build)
    limits the inspections, complaints and surveys to those towns' estates; the project managers,
    the handovers and the pool are the district's. ``freeze`` stores each finished year's
    evaluation, as the nightly step does from the standard's day (1 February)."""
    rng = random.Random(SEED)
    User = get_user_model()
    bureau = User.objects.filter(memberships__organisation__kind="bureau").order_by("pk").first()
    town_users = {u.memberships.filter(organisation__kind="town_office").values_list("organisation__town_id",
                                                                                     flat=True).first(): u
                  for u in User.objects.filter(memberships__organisation__kind="town_office").order_by("pk")}
    fallback = bureau or system_actor()
    templates = {k: Template.objects.filter(kind=k).order_by("-version").first() for k in TemplateKind.values}
    standard = Standard.objects.order_by("effective_from").first()
    quality = {c: rng.betavariate(8, 2) for c in Company.objects.values_list("pk", flat=True)}  # each its habits
    serving: dict[tuple[int, int], int] = {}
    contracts = list(Contract.objects.select_related("area").order_by("start_on"))

    def company_on(estate_id, day):
        key = (estate_id, day.year * 12 + day.month)
        if key not in serving:
            found = [c.company_id for c in contracts if c.area.estate_id == estate_id and c.start_on <= day
                     and (c.end_on is None or c.end_on >= day) and (c.terminated_on is None or c.terminated_on > day)]
            serving[key] = found[0] if found else None
        return serving[key]

    estates = list(Estate.objects.filter(delivered_on__isnull=False, delivered_on__lte=until, removed_on__isnull=True)
                   .filter(**({"town_id__in": towns} if towns is not None else {})).order_by("pk"))
    # --- inspections: each estate monthly by its town office; the bureau spot-checks ~3% -----
    plans = []
    for month in _month_days(since, until):
        for e in estates:
            if e.delivered_on > month:
                continue
            company = company_on(e.pk, month)
            if company is None:
                continue
            day = month + dt.timedelta(days=rng.randrange(5, 25))
            plans.append((e, company, day, TemplateKind.TOWN_MONTHLY, town_users.get(e.town_id, fallback)))
            if rng.random() < 0.03:
                plans.append((e, company, day + dt.timedelta(days=2), TemplateKind.DISTRICT_SPOT, fallback))
    rows, results_per = [], []
    for e, company, day, kind, inspector in plans:
        items = templates[kind].items
        fails = [i for i in items if rng.random() > quality[company] ** 0.35]
        rows.append(Inspection(estate=e, company_id=company, template=templates[kind], kind=kind, status="closed",
                               inspected_on=day, inspector=inspector, passed=len(items) - len(fails), failed=len(fails),
                               submitted_at=at(day, 16), closed_at=at(day + dt.timedelta(days=14), 16)))
        results_per.append((items, {i["code"] for i in fails}))
    Inspection.objects.bulk_create(rows, batch_size=2000)
    results, findings, failed_rows = [], [], []
    for insp, (items, fails) in zip(rows, results_per, strict=True):
        for i in items:
            results.append(InspectionResult(inspection=insp, code=i["code"], group=i["group"], text=i["text"],
                                            result="fail" if i["code"] in fails else "pass"))
    InspectionResult.objects.bulk_create(results, batch_size=5000)
    for r in results:
        if r.result == "fail":
            insp = r.inspection
            due = insp.inspected_on + dt.timedelta(days=standard.finding_days)
            findings.append(Finding(inspection=insp, result=r, description=f"{r.text}：需整改", due_on=due,
                                    status="accepted", answer="已整改，附整改照片", answered_at=at(due - dt.timedelta(days=3)),
                                    accepted_at=at(due - dt.timedelta(days=1))))
            failed_rows.append(r)
    Finding.objects.bulk_create(findings, batch_size=5000)

    # --- breaches: some failed items, with corrections and a few disputes ---------------------
    breaches = []
    for r in rng.sample(failed_rows, min(len(failed_rows), max(1, len(failed_rows) // 60))):
        insp = r.inspection
        severity, rule = rng.choices(RULES, weights=[40, 30, 15, 10, 1 if rng.random() < 0.3 else 0])[0]
        day = insp.inspected_on
        b = Breach(company_id=insp.company_id, estate=insp.estate, severity=severity, points=standard.points(severity),
                   rule=rule, description=r.text, occurred_on=day, standard=standard, inspection=insp, result=r,
                   recorded_by=fallback, published_until=_plus_year(day))
        if severity != "especially_serious" and rng.random() < 0.35:
            months = 1 if severity == "minor" else 3
            corrected = _plus_months(day, months) + dt.timedelta(days=rng.randrange(0, 20))
            if corrected <= until:
                b.status, b.corrected_on = "corrected", corrected
        breaches.append(b)
    disputes = _disputes(rng, [b for b in breaches if b.status == "recorded"], standard, until)
    Breach.objects.bulk_create(breaches, batch_size=2000)
    # achievements: a clean year of inspections
    achievements = [Achievement(company_id=cid, kind="good_inspection", title=f"{year}年度检查无问题项目",
                                on=dt.date(year, 12, 31))
                    for year in range(since.year, until.year + 1)
                    for cid, q in quality.items() if q > 0.92 and rng.random() < 0.5]
    Achievement.objects.bulk_create(achievements)

    # --- complaints (some from 12345) and surveys ---------------------------------------------
    complaints = []
    homes = dict(Home.objects.values("building__estate_id").annotate(n=Count("pk")).values_list(
        "building__estate_id", "n"))
    for e in estates:
        for year in range(since.year, until.year + 1):
            company = company_on(e.pk, dt.date(year, 6, 30))
            if company is None:
                continue
            n = rng.randrange(0, 3 + int(6 * (1 - quality[company])))
            for k in range(n):
                day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 360))
                filed = at(day, 9 + k % 8)
                upheld = rng.random() > quality[company]
                complaints.append(Complaint(
                    estate=e, company_id=company, channel="hotline" if k % 3 == 0 else "web",
                    external_id=f"DEMO-{e.pk}-{year}-{k}" if k % 3 == 0 else None,
                    description="物业服务投诉（演示）", status="upheld" if upheld else "dismissed", filed_at=filed,
                    response_due_at=at(day + dt.timedelta(days=1), 23), complete_due_at=at(day + dt.timedelta(days=7), 23),
                    responded_at=at(day, 15), replied_at=at(day + dt.timedelta(days=3)), reply="已处理",
                    decided_at=at(day + dt.timedelta(days=6)), decision="属实" if upheld else "不属实"))
            households = max(homes.get(e.pk, 0), 50 + e.pk % 400)
            coverage = rng.uniform(0.35, 0.8)
            responded = int(households * coverage)
            Survey.objects.bulk_create([Survey(company_id=company, estate=e, year=year, households=households,
                                               responded=responded, satisfied=int(responded * quality[company]))],
                                       ignore_conflicts=True)
    Complaint.objects.bulk_create(complaints, batch_size=2000)

    # --- project managers (some at their limit) -----------------------------------------------
    managers, assignments = [], []
    today_contracts = [c for c in contracts if c.end_on is None or c.end_on >= until]
    by_company: dict[int, list[int]] = {}
    for c in today_contracts:
        by_company.setdefault(c.company_id, []).append(c.area.estate_id)
    n = 0
    for cid, estate_ids in sorted(by_company.items()):
        estate_ids = sorted(set(estate_ids))
        while estate_ids:
            n += 1
            k = rng.choice([1, 2, 3, 3])  # some run the most projects allowed
            take, estate_ids = estate_ids[:k], estate_ids[k:]
            m = ProjectManager(company_id=cid, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                               certificate_no=f"沪物业项目经理-{n:05d}")
            managers.append((m, take))
    ProjectManager.objects.bulk_create([m for m, _t in managers])
    for m, take in managers:
        for eid in take:
            assignments.append(Assignment(manager=m, estate_id=eid, start_on=dt.date(2021, 1, 1)))
    Assignment.objects.bulk_create(assignments)

    # --- handover inspections: the plan's 46 of 2016–2020, and later ones ---------------------
    handovers, defects = _handovers(rng, templates[TemplateKind.HANDOVER], standard, contracts, fallback, until)

    # --- the pool: well-graded companies, admitted in 2024 ------------------------------------
    from .selectors import pool_check

    pool = 0
    candidates = sorted(quality, key=lambda c: -quality[c])[:15]
    verdicts = pool_check(candidates, dt.date(2024, 1, 15))
    for cid in candidates:
        if not verdicts[cid]["reasons"]:
            PoolEntry.objects.create(company_id=cid, status="admitted", applied_on=dt.date(2024, 1, 5),
                                     admitted_on=dt.date(2024, 1, 15), term_until=dt.date(2027, 1, 14),
                                     grade=verdicts[cid]["grade"] or "")
            pool += 1
        else:
            PoolEntry.objects.create(company_id=cid, status="refused", applied_on=dt.date(2024, 1, 5),
                                     ended_on=dt.date(2024, 1, 15), reason="；".join(verdicts[cid]["reasons"]))
    frozen = 0
    if freeze:
        from .services import evaluation_freeze, standard_in_force

        for year in range(since.year, until.year + 1):
            day = standard_in_force(dt.date(year, 12, 31)).evaluation_stored_from(year)
            if day <= timezone.localdate():
                frozen += evaluation_freeze(year, now=dt.datetime.combine(day, dt.time(1, 10), tzinfo=LOCAL))
    return {"inspections": len(rows), "findings": len(findings), "breaches": len(breaches),
            "disputes": disputes, "complaints": len(complaints), "project_managers": len(managers),
            "handovers": handovers, "handover_defects": defects, "pool_members": pool, "evaluation_lines": frozen}


def _disputes(rng, recorded: list, standard, until: dt.date) -> int:
    """A few companies dispute a breach within a fortnight: most re-checked in time (upheld, or
    annulled), the latest ones still waiting — past their 15 working days by now, so the bureau's
    list has overdue disputes to show (``disputes_remind`` tells the officers on its next run)."""
    from fangguan.repairs.deadlines import add_workdays
    from fangguan.repairs.models import CalendarDay

    calendar = dict(CalendarDay.objects.values_list("day", "workday"))
    by_day = sorted(recorded, key=lambda b: (b.occurred_on, b.company_id))
    latest = by_day[-2:]  # the two latest breaches are the disputes still waiting
    chosen = by_day[:-2]
    chosen = sorted(rng.sample(chosen, min(len(chosen), max(1, len(recorded) // 25))) + latest,
                    key=lambda b: (b.occurred_on, b.company_id))
    for n, b in enumerate(chosen):
        disputed = at(b.occurred_on + dt.timedelta(days=rng.randrange(2, 14)), 15)
        b.disputed_at, b.dispute_reason = disputed, "整改已完成，记录有误（演示）"
        b.recheck_due_at = add_workdays(disputed, standard.dispute_workdays, dict(calendar)).at
        if n >= len(chosen) - 2 or disputed.date() > until:
            b.status = "disputed"  # still waiting
        else:
            b.rechecked_at = b.recheck_due_at - dt.timedelta(days=rng.randrange(1, 10))
            b.status = "annulled" if rng.random() < 0.3 else "recorded"
    return len(chosen)


def _plus_months(day: dt.date, months: int) -> dt.date:
    from .services import add_months

    return add_months(day, months)


def _plus_year(day: dt.date) -> dt.date:
    return _plus_months(day, 12)


def _handovers(rng, template, standard, contracts, actor, until):
    """The plan's 46 handover inspections of estates delivered 2016–2020 (developers named where
    the registry has none), and those of estates delivered since."""
    from .defaults import HANDOVER_DOCUMENTS

    recent = list(Estate.objects.filter(delivered_on__gte=dt.date(2016, 1, 1), delivered_on__lte=until)
                  .order_by("delivered_on", "pk"))
    def company_of(e):
        return next((c.company_id for c in contracts if c.area.estate_id == e.pk), None)

    old = [e for e in recent if e.delivered_on.year <= 2020 and company_of(e) is not None][:PLAN_HANDOVERS]
    later = [e for e in recent if e.delivered_on.year > 2020]
    created = defects = 0
    for e in old + later:
        company = company_of(e)
        if company is None:
            continue
        if e.developer_id is None:
            dev = Person.objects.create(kind="organisation", name=f"{e.name}开发建设有限公司")
            Estate.objects.filter(pk=e.pk).update(developer=dev)
            e.developer = dev
        inspected = e.delivered_on - dt.timedelta(days=rng.randrange(25, 60))
        file_by = e.delivered_on - dt.timedelta(days=standard.handover_filing_days)
        filed = file_by - dt.timedelta(days=rng.randrange(-4, 10))
        results = {i["code"]: ("fail" if rng.random() < 0.12 else "pass") for i in template.items}
        h = Handover.objects.create(
            estate=e, company_id=company, developer_id=e.developer_id, template=template, standard=standard,
            status="filed", inspected_on=inspected, delivery_on=e.delivered_on, results=results,
            documents=[{"name": d, "received": True} for d in HANDOVER_DOCUMENTS], signed_by_developer="开发单位代表",
            signed_by_company="物业企业代表", signed_at=at(inspected + dt.timedelta(days=5)), filed_at=at(filed),
            filed_late=filed > file_by, created_by=actor)
        for code, result in results.items():
            if result != "fail":
                continue
            item = next(i for i in template.items if i["code"] == code)
            due = inspected + dt.timedelta(days=standard.handover_fix_days)
            fixed = inspected + dt.timedelta(days=rng.randrange(5, 40))
            Defect.objects.create(handover=h, code=code, group=item["group"], description=f"{item['text']}存在缺陷",
                                  found_on=inspected, due_on=due, status="fixed", fixed_on=fixed,
                                  escalated_at=at(due + dt.timedelta(days=1), 2) if fixed > due else None)
            defects += 1
        created += 1
    return created, defects
