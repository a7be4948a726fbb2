"""Plan pages (Chinese first): the plans, a plan's progress on a day (binding indicators stand
out, the status calculation shown, each figure a link to the records it counts, charts per
year, the map), the final evaluation report (printable, and as .xlsx), and "start the next plan".

Thin: every figure is ``selectors.plan_progress``'s; scope is the user's (a town office sees
its town's contribution)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangguan.accounts.roles import is_bureau
from fangguan.core.audit import log_security
from fangguan.core.exports import workbook_response
from fangguan.core.models import SecurityAction
from fangguan.core.scopes import ADD, can
from fangguan.core.views import date_param

from . import services
from .choices import Status
from .maps import plan_map
from .models import Indicator, Plan
from .scopes import sees_plans
from .selectors import (
    AT_RISK,
    ON_TRACK,
    achieved,
    baseline,
    binding_missed,
    fmt,
    plan_progress,
    report_workbook,
    thirteenth_review,
)

STATUS_CLASS = {
    Status.ON_TRACK: "success", Status.ACHIEVED: "success", Status.AT_RISK: "warning",
    Status.OFF_TRACK: "danger", Status.NOT_ACHIEVED: "danger", Status.NOT_STARTED: "secondary",
    Status.CONTRIBUTION: "info",
}


def _readers_only(request) -> None:
    if not sees_plans(request.user):
        raise PermissionDenied(_("Plans are for the bureau, auditors and town offices."))


def _plan(request, pk: int) -> Plan:
    _readers_only(request)
    return get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)


def _as_of(request, plan: Plan) -> tuple[dt.date, str | None]:
    """The day asked for; by default today, or the period's last day once it has ended."""
    day, bad = date_param(request, "as_of", min(timezone.localdate(), dt.date(plan.end_year, 12, 31)))
    if bad is None:
        return day, None
    return day, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": bad}


def _rows(progress, base=None) -> list[dict]:
    rows = []
    for p in progress:
        i = p.indicator
        rows.append({
            "p": p, "indicator": i, "code": i.code, "sub": bool(i.parent_id), "binding": p.binding,
            "target": fmt(i.target), "actual": fmt(p.actual),
            "share": (fmt(p.share * 100, 1) if p.share is not None else "—") if not p.partial
            else fmt(p.contribution * 100, 1) if p.contribution is not None else "—",
            "status": Status(p.status).label, "status_key": p.status, "status_class": STATUS_CLASS[p.status],
            "years": [{"year": y, "value": fmt(p.by_year[y]) if y in p.by_year else "", "url": p.links.get(y, "")}
                      for y in i.plan.years],
            "calculation": p.calculation(), "baseline": fmt(base.get(i.code)) if base is not None else "",
        })
    return rows


def _whose(user, progress) -> dict:
    """Whose figures: the district's, or (a town office) its area's contribution."""
    from fangguan.registry.areas import area_name

    partial = any(p.partial for p in progress)
    return {"partial": partial, "area_name": area_name(user) if partial else ""}


def _charts(plan: Plan, progress) -> list[dict]:
    """One chart per top-level indicator: its value and its sub-lines' per year (bars link to
    the records); coverage as a line in %."""
    children: dict[int, list] = {}
    for p in progress:
        if p.indicator.parent_id:
            children.setdefault(p.indicator.parent_id, []).append(p)
    charts = []
    for p in progress:
        if p.indicator.parent_id:
            continue
        years = [str(y) for y in plan.years]
        series = []
        for q in [p, *children.get(p.indicator.pk, [])]:
            series.append({
                "name": f"{q.indicator.code} {q.indicator.name}", "type": "line" if q.kind == "level" else "bar",
                "data": [None if q.by_year.get(y) is None else float(q.by_year[y]) for y in plan.years],
                "urls": [q.links.get(y, "") for y in plan.years],
            })
        charts.append({"id": f"chart-{p.indicator.code.replace('.', '-')}", "title": f"{p.indicator.code} {p.indicator.name}（{p.indicator.unit}）",
                       "categories": years, "percent": p.indicator.unit == "%", "axes": [p.indicator.unit], "series": series})
    return charts


@login_required
@require_GET
def plans(request):
    _readers_only(request)
    return render(request, "planning/plans.html", {
        "plans": Plan.objects.visible_to(request.user), "may_start": can(request.user, ADD, Plan),
    })


@login_required
@require_GET
def progress(request, pk: int):
    plan = _plan(request, pk)
    day, problem = _as_of(request, plan)
    rows = plan_progress(request.user, plan, day)
    first = dt.date(plan.start_year, 1, 1)
    return render(request, "planning/progress.html", {
        "plan": plan, "day": day, "problem": problem, "rows": _rows(rows), "years": list(plan.years),
        **_whose(request.user, rows),
        "charts": _charts(plan, rows), "closed": day >= dt.date(plan.end_year, 12, 31),
        "on_track": ON_TRACK, "at_risk": AT_RISK,
        "map_config": plan_map(request.user, first, min(day, dt.date(plan.end_year, 12, 31))) if day >= first else None,
        "report_url": reverse("planning:report", args=[plan.pk]),
    })


@login_required
@require_GET
def report(request, pk: int):
    """The final evaluation (总结评估): the annex table with actual, share and status beside each
    target on the period's last day (or ``as_of``), the 十三五 baseline, per-year charts."""
    plan = _plan(request, pk)
    day, problem = _as_of(request, plan)
    rows = plan_progress(request.user, plan, day)
    base = baseline(request.user, [p.indicator for p in rows])
    return render(request, "planning/report.html", {
        "plan": plan, "day": day, "problem": problem, "rows": _rows(rows, base), "charts": _charts(plan, rows),
        **_whose(request.user, rows),
        "review": [{**r, "value": fmt(r["value"])} for r in thirteenth_review(request.user)],
        "achieved": len(achieved(rows)), "total": len(rows), "binding_missed": binding_missed(rows),
        "xlsx_url": f"{reverse('planning:report-xlsx', args=[plan.pk])}?{urlencode({'as_of': day.isoformat()})}",
        "on_track": ON_TRACK, "at_risk": AT_RISK,
    })


@login_required
@require_GET
def report_xlsx(request, pk: int):
    """The report's table as .xlsx (logged like every export)."""
    plan = _plan(request, pk)
    day, _problem = _as_of(request, plan)
    log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="plan",
                 detail={"resource": "plan_report", "plan": plan.pk, "format": "xlsx", "as_of": day.isoformat()})
    return workbook_response(report_workbook(request.user, plan, day), f"plan-{plan.code}-{day.isoformat()}")


@login_required
@require_http_methods(["GET", "POST"])
def start_next(request, pk: int):
    """Start the next plan: the source's indicator definitions copied, a new target for each."""
    source = _plan(request, pk)
    if not can(request.user, ADD, Plan):
        raise PermissionDenied(_("Only the bureau starts a plan."))
    indicators = list(Indicator.objects.visible_to(request.user).filter(plan=source).select_related("parent")
                      .order_by("sort_order", "code"))
    span = source.end_year - source.start_year + 1
    values = {i.code: request.POST.get(f"target-{i.code}", "") for i in indicators}
    code = request.POST.get("code", "")
    name = request.POST.get("name", "")
    errors: list[str] = []
    if request.method == "POST":
        targets = {}
        for i in indicators:
            try:
                targets[i.code] = Decimal(values[i.code].strip()) if values[i.code].strip() else None
            except InvalidOperation:
                errors.append(_("The target of %(code)s is not a number.") % {"code": i.code})
        if not errors:
            try:
                plan = services.plan_start_next(actor=request.user, source=source, code=code.strip(), name=name.strip(),
                                                targets=targets)
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("The plan %(name)s was created.") % {"name": plan.name})
                return redirect("planning:progress", pk=plan.pk)
    return render(request, "planning/start_next.html", {
        "source": source, "indicators": [{"i": i, "value": values[i.code]} for i in indicators], "errors": errors,
        "code": code, "name": name, "start_year": source.end_year + 1, "end_year": source.end_year + span,
    }, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def entered_values(request, pk: int):
    """Values an office enters for an indicator measured by hand (who and when are kept): a
    town office for its town, the bureau for any town or the whole district."""
    from .models import ENTERED, EnteredValue
    from .scopes import entry_towns

    _readers_only(request)
    indicator = get_object_or_404(Indicator.objects.visible_to(request.user).select_related("plan"), pk=pk)
    towns = entry_towns(request.user)
    errors: list[str] = []
    if request.method == "POST":
        raw_town = request.POST.get("town", "")
        try:
            year, value = int(request.POST.get("year", "")), Decimal(request.POST.get("value", "").strip())
        except (ValueError, InvalidOperation):
            errors.append(_("Give a year and a number."))
        else:
            try:
                services.entered_value_save(actor=request.user, indicator=indicator, year=year, value=value,
                                            town_id=int(raw_town) if raw_town.isdigit() else None,
                                            any_town=bool(raw_town), note=request.POST.get("note", ""))
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("Saved."))
                return redirect("planning:entered", pk=indicator.pk)
    values = (EnteredValue.objects.visible_to(request.user).filter(indicator=indicator)
              .select_related("town", "entered_by"))
    return render(request, "planning/entered.html", {
        "indicator": indicator, "values": values, "towns": towns, "errors": errors,
        "may_enter": indicator.measure == ENTERED and can(request.user, ADD, EnteredValue),
        "years": list(indicator.plan.years), "district": is_bureau(request.user),
    }, status=422 if errors else 200)
