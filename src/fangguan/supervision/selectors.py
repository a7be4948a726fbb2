"""Reads of the supervision module: lists through ``visible_to``, a credit file as of a day,
the evaluation of companies for a period (every part computed from records, one grouped query
per part for all companies — never a query per company), and the pool's admission check."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.registry.models import Company, Contract
from fangguan.repairs.deadlines import LOCAL
from fangguan.repairs.selectors import repair_stats

from .choices import BreachStatus, ComplaintStatus, InspectionStatus, Severity
from .models import (
    Achievement,
    Assignment,
    Breach,
    Complaint,
    Inspection,
    Standard,
    Survey,
    YearEvaluation,
)


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL)


# --- Breaches ---------------------------------------------------------------------------------


def breaches_for(user, *, company: int | None = None, manager: int | None = None, status: str | None = None,
                 overdue: bool | None = None, occurred_from: dt.date | None = None,
                 occurred_to: dt.date | None = None, now: dt.datetime | None = None):
    """The breaches ``user`` sees (``Breach.objects.visible_to``), filtered as the API and the
    bureau's page filter them. ``overdue=True``: the disputes whose re-check is past its day
    (``services.dispute_overdue_q``), the longest overdue first; ``False``: the others."""
    from .services import dispute_overdue_q

    qs = Breach.objects.visible_to(user).select_related("company", "manager", "estate", "standard")
    if company:
        qs = qs.filter(company_id=company)
    if manager:
        qs = qs.filter(manager_id=manager)
    if status:
        qs = qs.filter(status=status)
    if occurred_from:
        qs = qs.filter(occurred_on__gte=occurred_from)
    if occurred_to:
        qs = qs.filter(occurred_on__lte=occurred_to)
    if overdue is not None:
        late = dispute_overdue_q(now or timezone.now())
        qs = qs.filter(late).order_by("recheck_due_at", "pk") if overdue else qs.exclude(late)
    return qs


# --- Credit files ---------------------------------------------------------------------------


def in_window(day: dt.date, prefix: str = "") -> Q:
    """Breaches published on ``day``: occurred by it, within their publication (1 year), not
    annulled."""
    return (Q(**{f"{prefix}occurred_on__lte": day, f"{prefix}published_until__gt": day})
            & ~Q(**{f"{prefix}status": BreachStatus.ANNULLED}))


def counting(day: dt.date, prefix: str = "") -> Q:
    """Breaches whose points count on ``day``: published and not corrected by then."""
    return in_window(day, prefix) & (Q(**{f"{prefix}corrected_on__isnull": True})
                                     | Q(**{f"{prefix}corrected_on__gt": day}))


def credit_file(user, *, company=None, manager=None, as_of: dt.date | None = None) -> dict:
    day = as_of or timezone.localdate()
    subject = {"company": company} if company is not None else {"manager": manager}
    breaches = Breach.objects.visible_to(user).filter(**subject, occurred_on__lte=day).select_related(
        "standard", "estate").order_by("-occurred_on", "-pk")
    points = breaches.filter(counting(day)).aggregate(p=Sum("points"))["p"] or 0
    achievements = Achievement.objects.visible_to(user).filter(**subject, on__lte=day).order_by("-on", "-pk")
    return {"as_of": day, "points": points, "breaches": list(breaches),
            "published": list(breaches.filter(in_window(day))), "achievements": list(achievements)}


def credit_points(company_ids, day: dt.date) -> dict[int, int]:
    rows = (Breach.objects.filter(company_id__in=company_ids).filter(counting(day)).values("company_id")
            .annotate(p=Sum("points")).order_by())
    return {r["company_id"]: r["p"] for r in rows}


# --- The evaluation -------------------------------------------------------------------------


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _clamp(value):
    return None if value is None else max(0.0, min(100.0, value))


def evaluation(user, *, date_from: dt.date, date_to: dt.date, town: int | None = None,
               now: dt.datetime | None = None, repair_figures: dict | None = None) -> dict:
    """Every company serving estates (in ``town``, if given) on ``date_to``, scored for the period:

    - repair service: the repairs figures selector's on-time response %, on-time completion %,
      100 − reopen rate %, satisfaction (1–5 as %), averaged (the company's whole district);
    - inspections: items passed of items passed or failed, in submitted inspections of the period;
    - complaints: 100 − deduction × upheld complaints per 1,000 homes served on ``date_to``;
    - credit: 100 − deduction × breach points counting on ``date_to``;
    - residents' satisfaction: satisfied of the households that answered the surveys of the
      period's years, scaled down where they reached fewer than the required share;

    the score is the parts' weighted mean (a part with no records leaves its weight to the
    others), the grade and weights are the standard in force on ``date_to``, the rank is among
    the companies listed. Each part carries its figures and a link to the records behind it.
    ``repair_figures``: ``repair_stats`` by company for the period, already read (the district's
    and every town's evaluation of one year read the same figures: ``services.evaluation_freeze``).
    """
    standard = Standard.objects.in_force(date_to)
    contracts = Contract.objects.as_of(date_to)
    if town is not None:
        contracts = contracts.filter(area__estate__town_id=town)
    company_ids = sorted(set(contracts.values_list("company_id", flat=True)))
    names = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    estates_q = {"estate__town_id": town} if town is not None else {}

    homes = dict(contracts.values("company_id").annotate(n=Count("area__buildings__homes", distinct=True))
                 .values_list("company_id", "n").order_by())

    repairs = {}
    if company_ids:
        stats = repair_figures or repair_stats(user, "company", date_from, date_to, now=now)
        repairs = {r["group"]["id"]: r for r in stats["items"]}

    insp = {r["company_id"]: r for r in Inspection.objects.visible_to(user).filter(
        company_id__in=company_ids, inspected_on__gte=date_from, inspected_on__lte=date_to, **estates_q).exclude(
        status__in=(InspectionStatus.DRAFT, InspectionStatus.CANCELLED)).values("company_id").annotate(
        n=Count("pk"), passed=Sum("passed"), failed=Sum("failed")).order_by()}

    upheld = dict(Complaint.objects.visible_to(user).filter(
        company_id__in=company_ids, status=ComplaintStatus.UPHELD, filed_at__gte=_start(date_from),
        filed_at__lt=_start(date_to + dt.timedelta(days=1)), **estates_q).values("company_id").annotate(
        n=Count("pk")).values_list("company_id", "n").order_by())

    points = credit_points(company_ids, date_to)

    surveys = {r["company_id"]: r for r in Survey.objects.visible_to(user).filter(
        company_id__in=company_ids, year__gte=date_from.year, year__lte=date_to.year, **estates_q).values(
        "company_id").annotate(households=Sum("households"), responded=Sum("responded"),
                               satisfied=Sum("satisfied")).order_by()}

    period = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    items = []
    for cid in company_ids:
        r = repairs.get(cid)
        repair_score = None
        if r:
            sat = r["satisfaction"] * 20 if r["satisfaction"] is not None else None
            reopen = 100 - r["reopen_rate_percent"] if r["reopen_rate_percent"] is not None else None
            repair_score = _mean([r["on_time_response_percent"], r["on_time_completion_percent"], reopen, sat])
        i = insp.get(cid)
        judged = (i["passed"] or 0) + (i["failed"] or 0) if i else 0
        insp_score = 100 * i["passed"] / judged if judged else None
        served = homes.get(cid, 0)
        rate = 1000 * upheld.get(cid, 0) / served if served else None
        complaint_score = _clamp(100 - standard.complaint_deduction * rate) if rate is not None else None
        credit_score = _clamp(100 - standard.credit_deduction * points.get(cid, 0))
        s = surveys.get(cid)
        survey_score = coverage = None
        if s and s["responded"]:
            coverage = 100 * s["responded"] / s["households"]
            satisfied = 100 * s["satisfied"] / s["responded"]
            survey_score = satisfied * min(1.0, coverage / standard.survey_coverage_percent) \
                if standard.survey_coverage_percent else satisfied
        parts = {
            "repairs": {"score": repair_score, "weight": standard.weight_repairs,
                        "figures": {k: r[k] for k in ("volume", "on_time_response_percent", "on_time_completion_percent",
                                                      "reopen_rate_percent", "satisfaction")} if r else {},
                        "link": "/api/v1/repairs/stats?" + urlencode({"group_by": "company", **period})},
            "inspections": {"score": insp_score, "weight": standard.weight_inspections,
                            "figures": {"inspections": i["n"] if i else 0, "passed": i["passed"] if i else 0,
                                        "failed": i["failed"] if i else 0},
                            "link": "/api/v1/supervision/inspections?" + urlencode(
                                {"company": cid, **period, **({"town": town} if town else {})})},
            "complaints": {"score": complaint_score, "weight": standard.weight_complaints,
                           "figures": {"upheld": upheld.get(cid, 0), "homes_served": served,
                                       "per_1000_homes": round(rate, 2) if rate is not None else None},
                           "link": "/api/v1/supervision/complaints?" + urlencode(
                               {"company": cid, "status": "upheld", **period, **({"town": town} if town else {})})},
            "credit": {"score": credit_score, "weight": standard.weight_credit,
                       "figures": {"points": points.get(cid, 0)},
                       "link": f"/api/v1/companies/{cid}/credit?" + urlencode({"as_of": date_to.isoformat()})},
            "survey": {"score": survey_score, "weight": standard.weight_survey,
                       "figures": {"households": s["households"] if s else 0, "responded": s["responded"] if s else 0,
                                   "satisfied": s["satisfied"] if s else 0,
                                   "coverage_percent": round(coverage, 1) if coverage is not None else None,
                                   "coverage_met": coverage is not None and coverage >= standard.survey_coverage_percent},
                       "link": "/api/v1/supervision/surveys?" + urlencode({"company": cid, **period})},
        }
        weighted = [(p["score"], p["weight"]) for p in parts.values() if p["score"] is not None and p["weight"]]
        total = sum(w for _s, w in weighted)
        score = round(sum(s * w for s, w in weighted) / total, 1) if total else None
        for p in parts.values():
            p["score"] = round(p["score"], 1) if p["score"] is not None else None
        items.append({"company": {"id": cid, "name": names.get(cid, "")}, "score": score,
                      "grade": standard.grade(score), "rank": None, "parts": parts})
    ranked = sorted((it for it in items if it["score"] is not None), key=lambda it: -it["score"])
    rank, last = 0, None
    for n, it in enumerate(ranked, 1):
        if it["score"] != last:
            rank, last = n, it["score"]
        it["rank"] = rank
    items.sort(key=lambda it: (it["rank"] is None, it["rank"] or 0, it["company"]["name"]))
    return {"from": date_from, "to": date_to, "town": town, "standard": standard.effective_from,
            "count": len(items), "items": items}


def year_evaluation(user, year: int, town: int | None = None) -> dict:
    """A year's evaluation: the stored one once the year has been frozen
    (``services.evaluation_freeze`` — later records change nothing), else computed now."""
    stored = list(YearEvaluation.objects.filter(year=year, town_id=town).select_related("company"))
    if not stored:
        return evaluation(user, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31), town=town)
    items = [{"company": {"id": e.company_id, "name": e.company.name}, "score": e.score, "grade": e.grade or None,
              "rank": e.rank, "parts": e.parts} for e in stored]
    items.sort(key=lambda it: (it["rank"] is None, it["rank"] or 0, it["company"]["name"]))
    return {"from": dt.date(year, 1, 1), "to": dt.date(year, 12, 31), "town": town,
            "standard": stored[0].standard_from, "count": len(items), "items": items,
            "frozen_at": max(e.frozen_at for e in stored)}


def evaluation_for(user, *, year: int | None = None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, town: int | None = None) -> dict:
    """The evaluation as ``user`` reads it. Computed from every record, as the system actor: a
    published score, grade and rank are the same whoever reads them (computed with the reader's
    own scope, a company saw the other companies' inspections and complaints missing, so its
    rank among them was wrong). A year: the stored one once frozen. Then only the lines the
    reader may read (``scopes.evaluation_companies``)."""
    from .scopes import evaluation_companies

    system = system_actor()
    if year is not None:
        data = year_evaluation(system, year, town)
    else:
        data = evaluation(system, date_from=date_from, date_to=date_to, town=town)
    mine = evaluation_companies(user)
    if mine is not None:
        items = [it for it in data["items"] if it["company"]["id"] in mine]
        data = {**data, "items": items, "count": len(items)}
    return data


# --- The pool -------------------------------------------------------------------------------

GRADE_ORDER = {"A": 4, "B": 3, "C": 2, "D": 1}


def pool_check(company_ids, day: dt.date) -> dict[int, dict]:
    """For each company, whether it meets the pool's admission rules on ``day`` (the standard in
    force): the grade of last year's evaluation at least the minimum, and no especially serious
    breach (not annulled) in the last months. ``reasons`` says what fails."""
    from .services import add_months

    standard = Standard.objects.in_force(day)
    system = system_actor()
    # last year's grades: the stored lines' grades alone once the year is stored (not their parts)
    stored = dict(YearEvaluation.objects.filter(year=day.year - 1, town__isnull=True).values_list("company_id",
                                                                                                  "grade"))
    evaluated = {cid: {"grade": grade or None} for cid, grade in stored.items()} if stored else {
        it["company"]["id"]: it for it in year_evaluation(system, day.year - 1)["items"]}
    since = add_months(day, -standard.pool_clean_months)
    serious = set(Breach.objects.filter(company_id__in=company_ids, severity=Severity.ESPECIALLY_SERIOUS,
                                        occurred_on__gt=since, occurred_on__lte=day)
                  .exclude(status=BreachStatus.ANNULLED).values_list("company_id", flat=True))
    out = {}
    for cid in company_ids:
        reasons = []
        grade = evaluated.get(cid, {}).get("grade")
        if grade is None:
            reasons.append(f"{day.year - 1}年无综合评价")
        elif GRADE_ORDER[grade] < GRADE_ORDER[standard.pool_min_grade]:
            reasons.append(f"{day.year - 1}年综合评价为{grade}级，低于{standard.pool_min_grade}级")
        if cid in serious:
            reasons.append(f"近{standard.pool_clean_months}个月内有特别严重失信行为")
        out[cid] = {"grade": grade, "reasons": reasons}
    return out


# --- Filing a complaint ---------------------------------------------------------------------


def complaint_form(user, day: dt.date | None = None) -> dict:
    """What the complaint form offers ``user``: the estates they may complain about
    (``scopes.complaint_estates``) and the project managers running them that day, as
    (estate name, manager) pairs —
    a resident names the manager of their own estate, whose name the estate posts anyway
    (the "6+N" notice), though the credit files stay closed to them."""
    from .scopes import complaint_estates

    day = day or timezone.localdate()
    estates = list(complaint_estates(user).order_by("name")[:200])
    names = {e.pk: e.name for e in estates}
    managers = [(names[a.estate_id], a.manager) for a in Assignment.objects.as_of(day).filter(
        estate__in=list(names)).select_related("manager", "manager__company").order_by("estate__name", "manager__name")]
    return {"estates": estates, "managers": managers}
