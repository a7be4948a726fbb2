"""Supervision pages (Chinese first; the inspection page works on a phone): inspections (a town
officer fills the checklist with photos and findings; the company answers a finding), complaints,
a company's credit file, the evaluation, the pool, a handover inspection.

Thin: reads through ``selectors`` / ``visible_to``, every write through ``services``; a refusal
is shown as a message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, business_grants, is_business, kinds
from fangguan.core.machine import ActionConflict
from fangguan.core.text import ascii_digits
from fangguan.registry.models import Company, Estate

from . import selectors, services
from .choices import Result, TemplateKind
from .machine import COMPLAINT, HANDOVER, INSPECTION, INSPECTOR
from .models import Breach, Complaint, Handover, Inspection, Photo, PoolEntry, ProjectManager
from .scopes import complaint_estates, reads_company_file, reads_evaluation

STAFF = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY,
         OrgKind.OWNERS_COMMITTEE}


def nav_section(user):
    """物业监管 menu: staff see inspections, complaints, the evaluation and the pool; residents
    their complaints."""
    k = kinds(user)
    items = []
    if k & STAFF:
        items.append({"name": "supervision-inspections", "label": _("Inspections"),
                      "url": reverse("supervision:inspections")})
    if k & (STAFF | {OWNER}):
        items.append({"name": "supervision-complaints", "label": _("Complaints"),
                      "url": reverse("supervision:complaints")})
    if k & STAFF:
        items.append({"name": "supervision-handovers", "label": _("Handover inspections"),
                      "url": reverse("supervision:handovers")})
    if k & STAFF:
        items.append({"name": "supervision-breaches", "label": _("Breaches"), "url": reverse("supervision:breaches")})
        items.append({"name": "supervision-evaluations", "label": _("Company evaluation"),
                      "url": reverse("supervision:evaluations")})
        items.append({"name": "supervision-pool", "label": _("District pool"), "url": reverse("supervision:pool")})
    return {"label": _("Supervision"), "items": items} if items else None


def _refusal(request, exc) -> None:
    if isinstance(exc, ValidationError):
        text = "；".join(m for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages])
                        for m in msgs)
    else:
        text = str(exc) or _("You may not do this.")
    messages.error(request, text)


@login_required
@require_GET
def index(request):
    return redirect("supervision:inspections")


@login_required
@require_GET
def inspections(request):
    if not kinds(request.user) & STAFF:
        raise PermissionDenied
    qs = Inspection.objects.visible_to(request.user).select_related("estate", "company")[:100]
    estates = Estate.objects.visible_to(request.user).order_by("name")[:500] \
        if any(g.kind in (OrgKind.TOWN_OFFICE, OrgKind.BUREAU) for g in business_grants(request.user)) else []
    return render(request, "supervision/inspections.html", {"inspections": qs, "estates": estates,
                                                            "today": timezone.localdate()})


@login_required
@require_POST
def inspection_new(request):
    estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=request.POST.get("estate") or 0)
    kind = request.POST.get("kind") or TemplateKind.TOWN_MONTHLY
    try:
        day = dt.date.fromisoformat(request.POST.get("inspected_on") or "")
    except ValueError:
        day = timezone.localdate()
    try:
        i = services.inspection_create(actor=request.user, estate=estate, kind=kind, inspected_on=day)
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
        return redirect("supervision:inspections")
    return redirect("supervision:inspection", i.pk)


def _inspection(request, pk):
    return get_object_or_404(Inspection.objects.visible_to(request.user).select_related(
        "estate", "company", "template"), pk=pk)


@login_required
@require_GET
def inspection(request, pk):
    i = _inspection(request, pk)
    results = list(i.results.prefetch_related("photos"))
    groups: dict[str, list] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r)
    caps = INSPECTION.capacities_of(request.user, i)
    return render(request, "supervision/inspection.html", {
        "i": i, "groups": groups, "findings": list(i.findings.select_related("result")),
        "actions": INSPECTION.allowed(request.user, i), "inspector": INSPECTOR in caps,
        "result_choices": Result.choices, "events": i.events.select_related("actor")})


@login_required
@require_POST
def inspection_act(request, pk):
    i = _inspection(request, pk)
    action = request.POST.get("action", "")
    params: dict = {}
    try:
        if action == "check":
            params["results"] = {r.code: {"result": request.POST.get(f"result-{r.code}", ""),
                                          "note": request.POST.get(f"note-{r.code}", "")} for r in i.results.all()}
            findings = []
            for r in i.results.all():
                text = (request.POST.get(f"finding-{r.code}") or "").strip()
                if text:
                    findings.append({"code": r.code, "description": text,
                                     "due_on": request.POST.get(f"due-{r.code}") or None})
            params["findings"] = findings
            photo_code = request.POST.get("photo_code") or ""
            files = request.FILES.getlist("photos")
            services.inspection_act(request.user, i, "check", **params)
            if files:
                services.inspection_photos(actor=request.user, inspection=i, code=photo_code, files=files)
            messages.success(request, _("Checklist saved."))
        else:
            finding = request.POST.get("finding")
            params = {"answer": request.POST.get("answer", ""), "note": request.POST.get("note", ""),
                      "reason": request.POST.get("reason", "")}
            if finding and finding.isdigit():
                params["finding"] = int(finding)
            services.inspection_act(request.user, i, action, **params)
            messages.success(request, _("Done: %(action)s.") % {"action": _action_label(action)})
    except (ValidationError, PermissionDenied, ActionConflict) as exc:
        _refusal(request, exc)
    return redirect("supervision:inspection", i.pk)


ACTION_LABELS = {"check": gettext_lazy("save the checklist"), "submit": gettext_lazy("submit the findings"), "answer": gettext_lazy("answer"),
                 "accept": gettext_lazy("accept the correction"), "return": gettext_lazy("return the answer"), "close": gettext_lazy("close"),
                 "cancel": gettext_lazy("cancel")}


COMPLAINT_LABELS = {"take": gettext_lazy("take on"), "reply": gettext_lazy("reply"), "uphold": gettext_lazy("uphold"), "dismiss": gettext_lazy("not upheld"),
                    "withdraw": gettext_lazy("withdraw"), "escalate": gettext_lazy("escalate"), "acknowledge": gettext_lazy("acknowledge")}


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@login_required
@require_GET
def photo(request, pk):
    p = get_object_or_404(Photo.objects.visible_to(request.user), pk=pk)
    return FileResponse(p.image.open("rb"), content_type=p.content_type)


@login_required
@require_GET
def complaints(request):
    qs = Complaint.objects.visible_to(request.user).select_related("estate", "company")[:100]
    return render(request, "supervision/complaints.html", {
        "complaints": qs, "may_file": complaint_estates(request.user).exists()})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """A resident (or a committee, a town office, the bureau) files a complaint against the
    company serving an estate they may complain about, or against its project manager."""
    form = selectors.complaint_form(request.user)
    if not form["estates"]:
        raise PermissionDenied
    values = {"estate": "", "manager": "", "description": ""}
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip() for k in values}
        estate = complaint_estates(request.user).filter(pk=int(values["estate"])).first() \
            if ascii_digits(values["estate"]) else None
        manager = ProjectManager.objects.filter(pk=int(values["manager"])).first() \
            if ascii_digits(values["manager"]) else None
        try:
            if estate is None:
                raise ValidationError({"estate": [_("Choose the estate your complaint is about.")]})
            if values["manager"] and manager is None:
                raise ValidationError({"manager": [_("This project manager does not run this estate.")]})
            c = services.complaint_create(actor=request.user, estate=estate, description=values["description"],
                                          manager=manager, channel=services.complaint_channel(request.user))
        except (ValidationError, PermissionDenied) as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Your complaint has been filed: the company must take it on by %(day)s.")
                             % {"day": timezone.localtime(c.response_due_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("supervision:complaint", c.pk)
    return render(request, "supervision/complaint_new.html", {**form, "values": values})


def _complaint(request, pk):
    return get_object_or_404(Complaint.objects.visible_to(request.user).select_related("estate", "company"), pk=pk)


@login_required
@require_GET
def complaint(request, pk):
    c = _complaint(request, pk)
    actions = [(a, COMPLAINT_LABELS.get(a, a)) for a in COMPLAINT.allowed(request.user, c)]
    return render(request, "supervision/complaint.html", {"c": c, "actions": actions,
                                                          "events": c.events.select_related("actor")})


@login_required
@require_POST
def complaint_act(request, pk):
    c = _complaint(request, pk)
    action = request.POST.get("action", "")
    try:
        services.complaint_act(request.user, c, action, **{k: request.POST.get(k, "") for k in
                                                           ("reply", "decision", "note", "reason")})
        messages.success(request, _("Done."))
    except (ValidationError, PermissionDenied, ActionConflict) as exc:
        _refusal(request, exc)
    return redirect("supervision:complaint", c.pk)


@login_required
@require_GET
def credit(request, pk):
    company = get_object_or_404(Company.objects.visible_to(request.user), pk=pk)
    if not reads_company_file(request.user, company.pk):
        raise Http404
    data = selectors.credit_file(request.user, company=company, as_of=timezone.localdate())
    return render(request, "supervision/credit.html", {"company": company, "file": data, "now": timezone.now()})


BREACHES_PER_PAGE = 100


def _id_param(value: str) -> int | None:
    return int(value) if ascii_digits(value) and 0 < int(value) < 2**63 else None


def _day_param(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


@login_required
@require_GET
def breaches(request):
    """The breaches on the credit files, for the bureau and the other staff (each sees what the
    API ``/api/v1/supervision/breaches`` answers them: ``selectors.breaches_for``), filtered by
    company, project manager, status, overdue re-check and the day it occurred."""
    from .choices import BreachStatus

    if not kinds(request.user) & STAFF:
        raise PermissionDenied
    given = {k: (request.GET.get(k) or "").strip() for k in ("company", "manager", "status", "overdue", "from", "to")}
    filters = {"company": _id_param(given["company"]), "manager": _id_param(given["manager"]),
               "status": given["status"] if given["status"] in BreachStatus.values else None,
               "overdue": {"1": True, "0": False}.get(given["overdue"]),
               "occurred_from": _day_param(given["from"]), "occurred_to": _day_param(given["to"])}
    qs = selectors.breaches_for(request.user, **filters)
    count = qs.count()
    pages = max(1, -(-count // BREACHES_PER_PAGE))
    page = _id_param(request.GET.get("page") or "") or 1
    page = min(page, pages)
    rows = list(qs[(page - 1) * BREACHES_PER_PAGE:page * BREACHES_PER_PAGE])
    seen = Breach.objects.visible_to(request.user)
    applied = {"company": filters["company"] or "", "manager": filters["manager"] or "",
               "status": filters["status"] or "", "overdue": given["overdue"] if filters["overdue"] is not None else "",
               "from": filters["occurred_from"].isoformat() if filters["occurred_from"] else "",
               "to": filters["occurred_to"].isoformat() if filters["occurred_to"] else ""}
    query = "&".join(f"{k}={v}" for k, v in applied.items() if v)
    return render(request, "supervision/breaches.html", {
        "breaches": rows, "count": count, "page": page, "pages": pages, "query": query, "applied": applied,
        "now": timezone.now(), "statuses": BreachStatus.choices,
        "companies": Company.objects.filter(pk__in=seen.values("company_id")).order_by("name", "pk"),
        "managers": ProjectManager.objects.filter(pk__in=seen.values("manager_id")).order_by("name", "pk")})


@login_required
@require_http_methods(["GET"])
def evaluations(request):
    if not reads_evaluation(request.user):
        raise PermissionDenied
    given = request.GET.get("year") or ""
    year = int(given) if ascii_digits(given, 4) and 2000 <= int(given) <= 2100 else timezone.localdate().year - 1
    items = selectors.evaluation_for(request.user, year=year)["items"]
    return render(request, "supervision/evaluations.html", {"year": year, "items": items})


@login_required
@require_GET
def pool(request):
    if not kinds(request.user) & STAFF:
        raise PermissionDenied
    entries = list(PoolEntry.objects.visible_to(request.user).filter(status="admitted").select_related("company"))
    points = selectors.credit_points([e.company_id for e in entries], timezone.localdate())
    return render(request, "supervision/pool.html", {"entries": [(e, points.get(e.company_id, 0)) for e in entries]})


@login_required
@require_GET
def handovers(request):
    """The handover inspections the user sees (``Handover.objects.visible_to``): the bureau all,
    a town office its town's, a company its own, a developer its estates'."""
    if not is_business(request.user):
        raise PermissionDenied
    qs = Handover.objects.visible_to(request.user).select_related("estate", "company").order_by(
        "-inspected_on", "-pk")[:200]
    return render(request, "supervision/handovers.html", {"handovers": qs})


@login_required
@require_GET
def handover(request, pk):
    h = get_object_or_404(Handover.objects.visible_to(request.user).select_related("estate", "company", "template"),
                          pk=pk)
    return render(request, "supervision/handover.html", {"h": h, "defects": h.defects.all(),
                                                         "actions": HANDOVER.allowed(request.user, h)})
