"""Fund pages (Chinese first; an owner's page fits a phone): my sub-accounts, an account's
balance on any date with its entries, the applications to use the fund with each paying home's
share and the steps the user may take, a new application. Thin: reads through ``selectors`` /
``visible_to``, every write through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, kinds
from fangguan.core.machine import ActionConflict
from fangguan.core.scopes import ADD, can
from fangguan.core.views import date_param
from fangguan.registry.models import ManagementArea

from . import selectors, services
from .choices import Emergency, ScopeKind, Status
from .machine import MACHINE
from .models import Account, Application, Engagement, Statement
from .scopes import may_see_figures

STAFF = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.OWNERS_COMMITTEE, OrgKind.BOOKKEEPER}


def nav_section(user):
    """维修资金 menu: owners their sub-accounts; staff of the fund the accounts, applications and figures."""
    k = kinds(user)
    items = []
    if OWNER in k:
        items.append({"name": "funds-mine", "label": _("My maintenance fund"), "url": reverse("funds:index")})
    if k & STAFF:
        items.append({"name": "funds", "label": _("Household sub-accounts"), "url": reverse("funds:index")})
        items.append({"name": "funds-applications", "label": _("Applications to use the fund"),
                      "url": reverse("funds:applications")})
    if k & (STAFF | {OrgKind.NEIGHBOURHOOD}) or OWNER in k:
        items.append({"name": "funds-statements", "label": _("Fund statements"), "url": reverse("funds:statements")})
        items.append({"name": "funds-audits", "label": _("Audit reports"), "url": reverse("funds:audits")})
    if k & {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE}:
        items.append({"name": "funds-figures", "label": _("Fund figures"), "url": reverse("funds:figures")})
        items.append({"name": "funds-recollection", "label": _("Re-collection watch"),
                      "url": reverse("funds:recollection")})
    if k & STAFF:
        items.append({"name": "funds-reconciliation", "label": _("Bank reconciliation"),
                      "url": reverse("funds:reconciliation")})
    return {"label": _("Maintenance fund"), "items": items} if items else None


@login_required
@require_GET
def index(request):
    """Owners: their homes' sub-accounts. Staff: the sub-accounts they may see, by estate."""
    estate = request.GET.get("estate")
    below = request.GET.get("below") == "1"
    qs = selectors.accounts_for(request.user, estate=int(estate) if (estate or "").isdigit() else None,
                                below_threshold=True if below else None)
    bp = selectors.line_bp()
    accounts = [(a, selectors.ratio_of(a), selectors.status_of(a, bp)) for a in qs[:500]]
    estates = (Engagement.objects.none() if OWNER in kinds(request.user) and not kinds(request.user) & STAFF else
               selectors.fund_banks(request.user).order_by("estate__name"))
    statements = Statement.objects.visible_to(request.user).select_related("estate")[:6]
    return render(request, "funds/index.html", {
        "accounts": accounts, "count": qs.count(), "estates": estates, "estate": estate, "below": below,
        "statements": statements, "owner_view": OWNER in kinds(request.user) and not kinds(request.user) & STAFF})


@login_required
@require_GET
def account(request, pk: int):
    a = get_object_or_404(Account.objects.visible_to(request.user).select_related("home", "building", "estate"), pk=pk)
    today = timezone.localdate()
    day, error = date_param(request, "as_of", today)
    entries = selectors.entries_of(a, day)
    recollection = a.estate.fund_recollections.exclude(status="closed").first()
    return render(request, "funds/account.html", {
        "account": a, "as_of": day, "date_error": error, "balance": selectors.balance_on(a, day),
        "entries": list(reversed(entries)), "ratio": selectors.ratio_of(a), "status": selectors.status_of(a),
        "recollection": recollection, "today": today})


@login_required
@require_GET
def applications(request):
    status = request.GET.get("status") if request.GET.get("status") in Status.values else None
    apps = selectors.applications_for(request.user, status=status)[:300]
    return render(request, "funds/applications.html", {"applications": apps, "status": status,
                                                       "statuses": Status.choices,
                                                       "may_create": can(request.user, ADD, Application)})


def _application(request, pk: int) -> Application:
    return get_object_or_404(Application.objects.visible_to(request.user).select_related("estate", "area", "vote"),
                             pk=pk)


@login_required
@require_GET
def application(request, pk: int):
    app = _application(request, pk)
    return render(request, "funds/application.html", {
        "app": app, "shares": selectors.shares(app), "events": app.events.select_related("actor"),
        "actions": MACHINE.allowed(request.user, app), "labels": ACTION_LABELS})


ACTION_LABELS = {
    "review_price": _("Record the price review"), "put_to_vote": _("Put to the owners"),
    "approve": _("Record the owners' approval"), "refuse": _("Record the owners' refusal"),
    "review_procedure": _("Record the procedure review"), "publish": _("Publish the notice"),
    "authorise_emergency": _("Authorise the emergency repair"), "arrange_emergency": _("Arrange the repair (district)"),
    "pay": _("Record a payment"), "settle": _("Settle with the final cost"), "audit": _("Record the audit"),
    "withdraw": _("Withdraw"),
}


def _fen(text: str) -> int | None:
    """Yuan as typed (12,345.67) → fen, exactly."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal((text or "").replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


@login_required
@require_POST
def application_act(request, pk: int):
    app = _application(request, pk)
    action = request.POST.get("action", "")
    params: dict = {"note": request.POST.get("note", ""), "notice": request.POST.get("notice", "")}
    for name in ("reviewed", "amount", "final"):
        if request.POST.get(name):
            params[f"{name}_fen"] = _fen(request.POST[name])
    if (request.POST.get("vote") or "").isdigit():
        params["vote"] = int(request.POST["vote"])
    try:
        services.act(request.user, app, action, **params)
    except (ActionConflict, PermissionDenied) as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": ACTION_LABELS.get(action, action)})
    return redirect("funds:application", app.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    if not can(request.user, ADD, Application):
        raise PermissionDenied(_("Applications are filed by the owners' committee or its bookkeeper."))
    estates = selectors.fund_banks(request.user).values("estate_id")
    areas = ManagementArea.objects.filter(estate_id__in=estates).select_related("estate").order_by("estate__name", "name")
    form = {k: request.POST.get(k, "") for k in ("area", "title", "parts", "scope_kind", "buildings", "homes",
                                                 "unit_building", "unit", "estimate", "emergency", "contractor")}
    errors: dict = {}
    if request.method == "POST":
        area = next((a for a in areas if str(a.pk) == form["area"]), None)
        ids = lambda text: [int(x) for x in text.replace("，", ",").split(",") if x.strip().isdigit()]  # noqa: E731
        scope = {"buildings": ids(form["buildings"]), "homes": ids(form["homes"]),
                 "unit": {"building": int(form["unit_building"]) if form["unit_building"].isdigit() else None,
                          "unit": form["unit"]}}
        try:
            if area is None:
                raise ValidationError({"area": [_("Choose a management area.")]})
            estimate = _fen(form["estimate"])
            if not estimate or estimate <= 0:
                raise ValidationError({"estimate_fen": [_("Give the estimated cost in yuan.")]})
            app = services.application_create(actor=request.user, area=area, title=form["title"], parts=form["parts"],
                                              scope_kind=form["scope_kind"], scope=scope, estimate_fen=estimate,
                                              emergency=form["emergency"], contractor=form["contractor"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("The application was filed."))
            return redirect("funds:application", app.pk)
    return render(request, "funds/application_new.html", {
        "areas": areas, "scopes": ScopeKind.choices, "emergencies": Emergency.choices, "form": form,
        "errors": errors}, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    """Published statements; the committee or its bookkeeper publishes one for a past period."""
    from fangguan.registry.models import Estate

    if request.method == "POST":
        estate = Estate.objects.filter(pk=request.POST.get("estate") if (request.POST.get("estate") or "").isdigit()
                                       else None).first()
        day, _error = date_param(request, "day", timezone.localdate())
        try:
            if estate is None:
                raise ValidationError(_("Choose an estate."))
            s = services.statement_publish(actor=request.user, estate=estate, ledger_name=request.POST.get("ledger", ""),
                                           day=day)
        except (ActionConflict, PermissionDenied) as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("The statement was published."))
            return redirect("funds:statement", s.pk)
        return redirect("funds:statements")
    items = Statement.objects.visible_to(request.user).select_related("estate")[:300]
    may_publish = can(request.user, ADD, Statement)
    estates = (selectors.fund_banks(request.user)
               if may_publish else [])
    return render(request, "funds/statements.html", {
        "statements": items, "may_publish": may_publish, "estates": estates,
        "late": selectors.late_statements(request.user) if may_see_figures(request.user) else []})


@login_required
@require_GET
def statement(request, pk: int):
    s = get_object_or_404(Statement.objects.visible_to(request.user).select_related("estate"), pk=pk)
    return render(request, "funds/statement.html", {"s": s})


FIGURE_COLUMNS = [("estates", _("estates")), ("households", _("households")), ("fund_fen", _("fund held (yuan)")),
                  ("revenue_fen", _("public revenue held (yuan)")), ("below_line", _("below the re-collection line")),
                  ("applications", _("applications")), ("paid_fen", _("paid from the fund (yuan)"))]


def _yuan(fen: int) -> str:
    from .templatetags.funds import yuan

    return yuan(fen).replace(",", "")


@login_required
@require_GET
def figures(request):
    """The fund and public revenue by town or estate on a date: a chart, the table, an .xlsx."""
    if not may_see_figures(request.user):
        raise PermissionDenied(_("Figures are for the bureau, auditors and town offices."))
    group_by = request.GET.get("group_by") if request.GET.get("group_by") in ("town", "estate") else "town"
    day, error = date_param(request, "as_of", timezone.localdate())
    data = selectors.fund_figures(request.user, group_by=group_by, as_of=day)
    headers = [_("town") if group_by == "town" else _("estate")] + [str(label) for _k, label in FIGURE_COLUMNS]
    rows = [[g["name"]] + [_yuan(g[k]) if k.endswith("_fen") else g[k] for k, _l in FIGURE_COLUMNS]
            for g in data["items"]]
    if request.GET.get("format") == "xlsx":
        from fangguan.core.audit import log_security
        from fangguan.core.exports import file_response
        from fangguan.core.models import SecurityAction

        log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="funds.figures",
                     detail={"what": "funds.figures", "group_by": group_by, "as_of": day.isoformat()})
        return file_response("xlsx", f"maintenance-fund-{group_by}-{day.isoformat()}", headers,
                             rows + [[_("Total")] + [_yuan(data["total"][k]) if k.endswith("_fen") else data["total"][k]
                                                     for k, _l in FIGURE_COLUMNS]],
                             sheet=_("Fund figures by town") if group_by == "town" else _("Fund figures by estate"))
    top = data["items"][:30]
    chart = [{"id": "chart-funds", "title": str(_("Fund and public revenue held (yuan)")),
              "categories": [g["name"] for g in top],
              "series": [{"name": str(_("fund held (yuan)")), "type": "bar", "data": [g["fund_fen"] // 100 for g in top]},
                         {"name": str(_("public revenue held (yuan)")), "type": "bar",
                          "data": [g["revenue_fen"] // 100 for g in top]}]}]
    return render(request, "funds/figures.html", {
        "data": data, "rows": rows, "headers": headers, "chart": chart, "group_by": group_by, "as_of": day,
        "date_error": error, "export_url": f"?group_by={group_by}&as_of={day.isoformat()}&format=xlsx"})


@login_required
@require_GET
def recollection(request):
    """Households due or overdue to top up, by town and estate (the bureau, auditors, town offices)."""
    if not may_see_figures(request.user):
        raise PermissionDenied(_("The re-collection watch is for the bureau, auditors and town offices."))
    rows = selectors.recollection_households(request.user)
    return render(request, "funds/recollection.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation(request):
    """A bank account's month: the bank's lines matched with the ledger's entries, and what is
    left on either side (``bank.reconcile``); staff who may import statements upload one here."""
    from . import bank

    accounts = list(bank.bank_accounts_for(request.user))
    chosen = request.POST.get("account") or request.GET.get("account") or ""
    account = next((a for a in accounts if str(a.pk) == chosen), None)
    month = request.GET.get("month") or ""
    if not month and account is not None:  # the latest month the bank's statement reaches, else this month
        last = account.bank_lines.order_by("-on").values_list("on", flat=True).first()
        month = last.strftime("%Y-%m") if last else ""
    month = month or timezone.localdate().strftime("%Y-%m")
    if request.method == "POST":
        try:
            if account is None:
                raise ValidationError({"account": [_("Choose a bank account.")]})
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": [_("Choose a file.")]})
            counts = bank.statement_import(actor=request.user, account=account, upload=upload,
                                           filename=upload.name or "")
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not import statements of this account."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("Statement imported: %(created)s new lines, %(unchanged)s already there.")
                             % counts)
        target = reverse("funds:reconciliation")
        return redirect(f"{target}?account={account.pk}&month={month}" if account else target)
    report, error = None, ""
    if account is not None:
        try:
            report = bank.reconcile(account, month)
        except ValidationError as exc:
            error = "；".join(exc.messages)
    return render(request, "funds/reconciliation.html", {
        "accounts": accounts, "account": account, "month": month, "report": report, "error": error})


def audit_response(report):
    """The report's PDF, for whoever may see the report (never a public media URL)."""
    from django.http import FileResponse

    return FileResponse(report.file.open("rb"), content_type="application/pdf", as_attachment=False,
                        filename=f"audit-{report.estate_id}-{report.kind}-{report.period_end:%Y%m%d}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def audits(request):
    """Annual and end-of-term audit reports: staff of the estate see them all, owners those posted
    today; the committee, its bookkeeper or the bureau attach one (a PDF) and post it for 30 days."""
    from .models import AuditReport

    if request.method == "POST":
        estate = selectors.fund_estate(request.user, request.POST.get("estate"))
        try:
            if estate is None:
                raise ValidationError(_("Choose an estate."))
            days = {}
            for name in ("period_start", "period_end"):
                try:
                    days[name] = dt.date.fromisoformat((request.POST.get(name) or "").strip())
                except ValueError:
                    raise ValidationError(_("Give the period audited as two dates.")) from None
            services.audit_post(actor=request.user, estate=estate, kind=request.POST.get("kind", ""),
                                auditor=request.POST.get("auditor", ""), upload=request.FILES.get("file"), **days)
        except (ActionConflict, PermissionDenied) as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("The audit report is posted."))
        return redirect("funds:audits")
    today = timezone.localdate()
    items = list(AuditReport.objects.visible_to(request.user).select_related("estate")[:300])
    may_post = can(request.user, ADD, AuditReport)
    estates = (selectors.fund_banks(request.user)
               if may_post else [])
    from .choices import AuditKind

    return render(request, "funds/audits.html", {
        "audits": [(a, a.on_board(today)) for a in items], "may_post": may_post, "estates": estates,
        "kinds": AuditKind.choices,
        "late": selectors.late_audits(request.user, today) if may_see_figures(request.user) else []})


@login_required
@require_GET
def audit_file(request, pk: int):
    from .models import AuditReport

    return audit_response(get_object_or_404(AuditReport.objects.visible_to(request.user), pk=pk))
