"""Progress of a plan on a day — the one function that computes it (``plan_progress``).

For each indicator: the actual per year (records dated up to ``as_of``), the cumulative actual
(flows: the sum of the years; levels: the latest year's value), the share of the target and a
status, with the calculation spelt out so the page can show it.

Status method (after Open SDG's progress measure, which compares the observed rate of progress
with the rate required to reach the target):

- the period has ended (``as_of`` on or after 31 Dec of the last year): **achieved** when the
  actual reaches the target, else **not achieved**;
- the period is running: if the target is already reached, **achieved**; otherwise
  ``ratio = observed rate ÷ required rate``, where the observed rate is the progress made since
  the baseline divided by the share of the period elapsed, and the required rate is the whole
  progress the target asks for (target − baseline; the baseline is 0 for flows, the level at
  the end of the year before the period for levels). **on track** when ratio ≥ 0.95,
  **at risk** when 0.5 ≤ ratio < 0.95, **off track** when ratio < 0.5 (``ON_TRACK``, ``AT_RISK``);
- ``as_of`` before the period: **not started**.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .choices import Attribute, Status
from .measures import FLOW, LEVEL, MEASURES, PLACES, period
from .models import ENTERED, EnteredValue, Indicator, Plan

ON_TRACK = Decimal("0.95")
AT_RISK = Decimal("0.5")
ZERO = Decimal("0")


@dataclass
class Progress:
    indicator: Indicator
    kind: str
    by_year: dict[int, Decimal | None]
    actual: Decimal | None
    baseline: Decimal
    share: Decimal | None
    status: str
    ratio: Decimal | None = None
    elapsed: Decimal | None = None
    links: dict[int, str] = field(default_factory=dict)  # year -> web list of the records counted
    link: str = ""  # all the period's records
    # A user who reads only part of the district (a town office): ``actual`` is its area's
    # contribution, shown as a share of the district's actual — never judged against the
    # district's whole target (``status`` is then CONTRIBUTION).
    partial: bool = False
    district_actual: Decimal | None = None

    @property
    def contribution(self) -> Decimal | None:
        """The area's share of the district's actual (flows and counts; None for rates)."""
        if not self.partial or self.actual is None or not self.district_actual or self.indicator.unit == "%":
            return None
        return (self.actual / self.district_actual).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def binding(self) -> bool:
        return self.indicator.attribute == Attribute.BINDING

    def calculation(self) -> str:
        """The status calculation in words (Chinese, as the report prints it)."""
        i = self.indicator
        if self.status == Status.NOT_STARTED:
            return "规划期尚未开始"
        if self.partial:
            if self.actual is None:
                return "无数据"
            if self.contribution is None:
                return f"本辖区 {fmt(self.actual)}{i.unit}；全区 {fmt(self.district_actual)}{i.unit}"
            return (f"本辖区 {fmt(self.actual)} ÷ 全区完成 {fmt(self.district_actual)} = "
                    f"{fmt(self.contribution * 100, 1)}%（全区目标 {fmt(i.target)}{i.unit} 由全区共同完成）")
        if self.actual is None:
            return "无数据"
        if self.ratio is None:
            verdict = "≥" if self.actual >= i.target else "<"
            return f"实际 {fmt(self.actual)} {verdict} 目标 {fmt(i.target)}{i.unit}"
        observed, required = self.actual - self.baseline, i.target - self.baseline
        return (f"已过时间 {fmt(self.elapsed * 100, 1)}%；实际进展 {fmt(observed)} ÷ 应完成进展 {fmt(required)} = "
                f"{fmt(observed / required * 100 if required else ZERO, 1)}%；比值 {fmt(self.ratio, 2)}")


def fmt(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    text = f"{Decimal(value).quantize(q, rounding=ROUND_HALF_UP):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def elapsed_share(plan: Plan, as_of: dt.date) -> Decimal:
    first, last = dt.date(plan.start_year, 1, 1), dt.date(plan.end_year, 12, 31)
    days = (min(as_of, last) - first).days + 1
    return max(ZERO, min(Decimal(1), Decimal(days) / Decimal((last - first).days + 1)))


def status_of(*, actual: Decimal | None, target: Decimal, baseline: Decimal, elapsed: Decimal,
              closed: bool, started: bool) -> tuple[str, Decimal | None]:
    """(status, ratio) by the method in this module's docstring."""
    if not started:
        return Status.NOT_STARTED, None
    actual = actual if actual is not None else ZERO
    if actual >= target:
        return Status.ACHIEVED, None
    if closed:
        return Status.NOT_ACHIEVED, None
    required = target - baseline
    if required <= 0 or elapsed <= 0:
        return Status.OFF_TRACK, None
    ratio = ((actual - baseline) / required / elapsed).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if ratio >= ON_TRACK:
        return Status.ON_TRACK, ratio
    if ratio >= AT_RISK:
        return Status.AT_RISK, ratio
    return Status.OFF_TRACK, ratio


def entered_per_year(user, indicator: Indicator, years: range, as_of: dt.date) -> dict[int, Decimal]:
    from django.db.models import Sum

    counted = [y for y in years if period(y, as_of)]
    result = dict.fromkeys(counted, ZERO)
    rows = (EnteredValue.objects.visible_to(user).filter(indicator=indicator, year__in=counted)
            .values("year").annotate(v=Sum("value")).order_by())
    for row in rows:
        result[row["year"]] = Decimal(row["v"]).quantize(PLACES)
    return result


def indicator_progress(user, indicator: Indicator, as_of: dt.date) -> Progress:
    plan = indicator.plan
    years = plan.years
    measure = MEASURES.get(indicator.measure)
    started = as_of >= dt.date(plan.start_year, 1, 1)
    closed = as_of >= dt.date(plan.end_year, 12, 31)
    elapsed = elapsed_share(plan, as_of)
    baseline = ZERO
    links: dict[int, str] = {}
    link = ""
    if indicator.measure == ENTERED or measure is None:
        kind, by_year = FLOW, entered_per_year(user, indicator, years, as_of)
    else:
        kind, by_year = measure.kind, measure.per_year(user, years, as_of)
        for y in by_year:
            links[y] = measure.link(*period(y, as_of))
        end = min(as_of, dt.date(plan.end_year, 12, 31))
        if started:
            link = measure.link(dt.date(plan.start_year, 1, 1), end)
        if kind == LEVEL:
            baseline = measure.on(user, dt.date(plan.start_year - 1, 12, 31))["value"] or ZERO
    if not by_year:
        actual = None
    elif kind == LEVEL:
        actual = by_year[max(by_year)]
    else:
        actual = sum((v for v in by_year.values() if v is not None), ZERO)
    share = (actual / indicator.target).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if actual is not None and indicator.target else None
    status, ratio = status_of(actual=actual, target=indicator.target, baseline=baseline, elapsed=elapsed,
                              closed=closed, started=started)
    return Progress(indicator=indicator, kind=kind, by_year=by_year, actual=actual, baseline=baseline, share=share,
                    status=status, ratio=ratio, elapsed=elapsed if not closed else None, links=links, link=link)


def plan_progress(user, plan: Plan, as_of: dt.date) -> list[Progress]:
    """Every indicator of ``plan`` on ``as_of``, for ``user`` (their scope's contribution), in annex order.

    The district's targets are the district's: a user who reads only part of it (a town office)
    gets its contribution as a share of the district's progress (status CONTRIBUTION), never a
    failure against the whole target."""
    from fangguan.accounts.roles import reads_everything
    from fangguan.core.actors import system_actor

    indicators = Indicator.objects.visible_to(user).filter(plan=plan).select_related("plan", "parent")
    rows = [indicator_progress(user, i, as_of) for i in indicators]
    if reads_everything(user):
        return rows
    district = system_actor()
    for p in rows:
        whole = indicator_progress(district, p.indicator, as_of)
        p.partial, p.district_actual = True, whole.actual
        if p.status != Status.NOT_STARTED:
            p.status, p.ratio = Status.CONTRIBUTION, None
    return rows


# --- The final evaluation: 十三五 baseline and review ------------------------------------------

THIRTEENTH = (2016, 2020)


def period_value(user, measure_key: str, first_year: int, last_year: int) -> Decimal | None:
    """A measure over whole years (flows: the sum; levels: the value at the end)."""
    measure = MEASURES.get(measure_key)
    if measure is None:
        return None
    end = dt.date(last_year, 12, 31)
    if measure.kind == LEVEL:
        return measure.on(user, end)["value"]
    return sum(measure.per_year(user, range(first_year, last_year + 1), end).values(), ZERO)


def baseline(user, indicators) -> dict[str, Decimal | None]:
    """Each indicator's measure over the 十三五 period (2016–2020), by indicator code."""
    return {i.code: period_value(user, i.measure, *THIRTEENTH) for i in indicators}


def thirteenth_review(user) -> list[dict]:
    """The 十三五 figures the plan reports (§一(一)1–3), recomputed from the records: projects
    started and delivered (count and area, with resettlement), commercial housing listed,
    renovation. Each row links to its records."""
    first, last = dt.date(THIRTEENTH[0], 1, 1), dt.date(THIRTEENTH[1], 12, 31)
    rows = []
    for key, label in (
        ("starts.area", "住宅新开工"), ("starts.area.resettlement", "其中征收安置住房新开工"),
        ("deliveries.area", "住宅交付使用"), ("deliveries.area.resettlement", "其中征收安置住房交付使用"),
        ("supply.commercial_area", "新建商品住房上市"), ("renovation.area", "住宅修缮改造"),
    ):
        measure = MEASURES[key]
        records = measure.records(user, first, last)
        projects = records.values("project").distinct().count() if measure.resource == "permits" else None
        rows.append({"label": label, "projects": projects, "value": period_value(user, key, *THIRTEENTH),
                     "unit": measure.unit, "url": measure.link(first, last)})
    return rows


def achieved(progress: list[Progress]) -> list[Progress]:
    """The indicators achieved (the report's "已完成 N 项")."""
    return [p for p in progress if p.status == Status.ACHIEVED]


def binding_missed(progress: list[Progress]) -> list[Progress]:
    """Binding indicators not achieved (closed period) or off track (running): the report names them."""
    return [p for p in progress if p.binding and p.status in (Status.NOT_ACHIEVED, Status.OFF_TRACK)]


def report_workbook(user, plan: Plan, day: dt.date):
    """The final evaluation as a workbook: the annex with actual, share, status and the 十三五
    baseline; the values per year; the 十三五 review — the figures of ``plan_progress``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from fangguan.core.exports import append_row

    rows = plan_progress(user, plan, day)
    base = baseline(user, [p.indicator for p in rows])
    book = Workbook()
    sheet = book.active
    sheet.title = _("Main indicators")
    append_row(sheet, [f"{plan.name} 主要指标完成情况（截至 {day.isoformat()}）"])
    sheet["A1"].font = Font(bold=True)
    headers = ["序号", "指标名称", "单位", "属性", "目标值", "实际值", "完成比例(%)", "状态", "“十三五”同口径", "计算", "备注"]
    append_row(sheet, headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for p in rows:
        i = p.indicator
        append_row(sheet, [i.code, ("　" if i.parent_id else "") + i.name, i.unit, i.attribute, float(i.target),
                      None if p.actual is None else float(p.actual),
                      None if p.share is None else float((p.share * 100).quantize(Decimal("0.1")))
                      if not p.partial else None if p.contribution is None
                      else float((p.contribution * 100).quantize(Decimal("0.1"))),
                      str(Status(p.status).label), None if base.get(i.code) is None else float(base[i.code]),
                      p.calculation(), i.notes])
    sheet.freeze_panes = "C3"
    years = book.create_sheet(_("By year"))
    append_row(years, ["序号", "指标名称", "单位", *[str(y) for y in plan.years]])
    for cell in years[1]:
        cell.font = Font(bold=True)
    for p in rows:
        append_row(years, [p.indicator.code, p.indicator.name, p.indicator.unit,
                      *[None if p.by_year.get(y) is None else float(p.by_year[y]) for y in plan.years]])
    review = book.create_sheet(_("13th Five-Year Plan review"))
    append_row(review, ["指标", "项目数", "数值", "单位"])
    for r in thirteenth_review(user):
        append_row(review, [r["label"], r["projects"], float(r["value"]) if r["value"] is not None else None, r["unit"]])
    return book
