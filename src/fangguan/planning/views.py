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

from fangguan.core.audit import log_security
from fangguan.core.exports import workbook_response
from fangguan.core.models import SecurityAction
from fangguan.core.scopes import may_create
from fangguan.core.views import date_param

from . import services
from .choices import Status
from .maps import plan_map
from .models import Indicator, Plan
from .scopes import sees_plans
from .selectors import AT_RISK, ON_TRACK, baseline, fmt, plan_progress, thirteenth_review

STATUS_CLASS = {
    Status.ON_TRACK: "success", Status.ACHIEVED: "success", Status.AT_RISK: "warning",
    Status.OFF_TRACK: "danger", Status.NOT_ACHIEVED: "danger", Status.NOT_STARTED: "secondary",
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
            "target": fmt(i.target), "actual": fmt(p.actual), "share": fmt(p.share * 100, 1) if p.share is not None else "—",
            "status": Status(p.status).label, "status_key": p.status, "status_class": STATUS_CLASS[p.status],
            "years": [{"year": y, "value": fmt(p.by_year[y]) if y in p.by_year else "", "url": p.links.get(y, "")}
                      for y in i.plan.years],
            "calculation": p.calculation(), "baseline": fmt(base.get(i.code)) if base is not None else "",
        })
    return rows


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
        "plans": Plan.objects.visible_to(request.user), "may_start": may_create(request.user, Plan),
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
        "charts": _charts(plan, rows), "closed": day >= dt.date(plan.end_year, 12, 31),
        "on_track": ON_TRACK, "at_risk": AT_RISK,
        "map_config": plan_map(first, min(day, dt.date(plan.end_year, 12, 31))) if day >= first else None,
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
        "review": [{**r, "value": fmt(r["value"])} for r in thirteenth_review(request.user)],
        "achieved": sum(1 for p in rows if p.status == Status.ACHIEVED), "total": len(rows),
        "binding_missed": [p for p in rows if p.binding and p.status in (Status.NOT_ACHIEVED, Status.OFF_TRACK)],
        "xlsx_url": f"{reverse('planning:report-xlsx', args=[plan.pk])}?{urlencode({'as_of': day.isoformat()})}",
        "on_track": ON_TRACK, "at_risk": AT_RISK,
    })


@login_required
@require_GET
def report_xlsx(request, pk: int):
    """The report's table as .xlsx (logged like every export): one sheet with the annex and the
    十三五 baseline, one with the values per year."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    plan = _plan(request, pk)
    day, _problem = _as_of(request, plan)
    rows = plan_progress(request.user, plan, day)
    base = baseline(request.user, [p.indicator for p in rows])
    log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="plan",
                 detail={"resource": "plan_report", "plan": plan.pk, "format": "xlsx", "as_of": day.isoformat()})
    book = Workbook()
    sheet = book.active
    sheet.title = "主要指标"
    sheet.append([f"{plan.name} 主要指标完成情况（截至 {day.isoformat()}）"])
    sheet["A1"].font = Font(bold=True)
    headers = ["序号", "指标名称", "单位", "属性", "目标值", "实际值", "完成比例(%)", "状态", "“十三五”同口径", "计算", "备注"]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for p in rows:
        i = p.indicator
        sheet.append([i.code, ("　" if i.parent_id else "") + i.name, i.unit, i.attribute, float(i.target),
                      None if p.actual is None else float(p.actual),
                      None if p.share is None else float((p.share * 100).quantize(Decimal("0.1"))),
                      str(Status(p.status).label), None if base.get(i.code) is None else float(base[i.code]),
                      p.calculation(), i.notes])
    sheet.freeze_panes = "C3"
    years = book.create_sheet("分年度")
    years.append(["序号", "指标名称", "单位", *[str(y) for y in plan.years]])
    for cell in years[1]:
        cell.font = Font(bold=True)
    for p in rows:
        years.append([p.indicator.code, p.indicator.name, p.indicator.unit,
                      *[None if p.by_year.get(y) is None else float(p.by_year[y]) for y in plan.years]])
    review = book.create_sheet("“十三五”回顾")
    review.append(["指标", "项目数", "数值", "单位"])
    for r in thirteenth_review(request.user):
        review.append([r["label"], r["projects"], float(r["value"]) if r["value"] is not None else None, r["unit"]])
    return workbook_response(book, f"plan-{plan.code}-{day.isoformat()}")


@login_required
@require_http_methods(["GET", "POST"])
def start_next(request, pk: int):
    """Start the next plan: the source's indicator definitions copied, a new target for each."""
    source = _plan(request, pk)
    if not may_create(request.user, Plan):
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
    from fangguan.accounts.roles import is_bureau, town_ids
    from fangguan.registry.models import Town

    from .models import ENTERED, EnteredValue

    _readers_only(request)
    indicator = get_object_or_404(Indicator.objects.visible_to(request.user).select_related("plan"), pk=pk)
    towns = Town.objects.visible_to(request.user)
    if not is_bureau(request.user):
        towns = towns.filter(pk__in=town_ids(request.user))
    errors: list[str] = []
    if request.method == "POST":
        if indicator.measure != ENTERED:
            raise PermissionDenied(_("This indicator is computed from records; values are not entered."))
        raw_town = request.POST.get("town", "")
        town = towns.filter(pk=int(raw_town)).first() if raw_town.isdigit() else None
        try:
            year, value = int(request.POST.get("year", "")), Decimal(request.POST.get("value", "").strip())
        except (ValueError, InvalidOperation):
            errors.append(_("Give a year and a number."))
        else:
            if raw_town and town is None:
                errors.append(_("Choose one of the towns offered."))
            else:
                data = {"indicator": indicator, "year": year, "town": town, "value": value,
                        "note": request.POST.get("note", "")[:200]}
                existing = EnteredValue.objects.visible_to(request.user).filter(
                    indicator=indicator, year=year, town=town).first()
                try:
                    if existing:
                        services.planning_update(actor=request.user, instance=existing,
                                                 changes={"value": value, "note": data["note"]})
                    else:
                        services.planning_create(actor=request.user, model=EnteredValue, data=data)
                except ValidationError as exc:
                    errors += exc.messages
                else:
                    messages.success(request, _("Saved."))
                    return redirect("planning:entered", pk=indicator.pk)
    values = (EnteredValue.objects.visible_to(request.user).filter(indicator=indicator)
              .select_related("town", "entered_by"))
    return render(request, "planning/entered.html", {
        "indicator": indicator, "values": values, "towns": towns, "errors": errors,
        "may_enter": indicator.measure == ENTERED and may_create(request.user, EnteredValue),
        "years": list(indicator.plan.years), "district": is_bureau(request.user),
    }, status=422 if errors else 200)
