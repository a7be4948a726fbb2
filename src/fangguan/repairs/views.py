"""Repairs pages (thin, Chinese first, phone-width): the resident's report form and their
requests, the company's queue sorted by deadline, the grid's overdue list with escalations, the
request page with the actions the user may take, and the bureau's figures with chart and .xlsx.
Reads go through ``selectors`` / ``visible_to``; every write through ``services``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, is_business, kinds, may_reveal
from fangguan.core.audit import log_security
from fangguan.core.exports import file_response
from fangguan.core.identity import mask_phone
from fangguan.core.models import SecurityAction
from fangguan.core.scopes import fields_for
from fangguan.registry.models import Building, Estate
from fangguan.registry.scopes import serving_staff

from . import deadlines, services
from .choices import WORKING, Channel, Place, Status
from .machine import COMPANY, GRID, MACHINE, allowed_actions
from .models import Category, Escalation, Photo, RepairRequest
from .scopes import filing_choices
from .selectors import GROUPS, home_named, repair_stats, requests_for, with_related

PAGE = 50


def nav_section(user):
    """报修 menu: what each role does here (offering is not allowing: services decide)."""
    kinds_ = kinds(user)
    items = []
    if OWNER in kinds_:
        items += [{"name": "repairs-new", "label": _("Report a repair"), "url": reverse("repairs-new")},
                  {"name": "repairs-mine", "label": _("My repair requests"), "url": reverse("repairs-mine")}]
    if kinds_ & {OrgKind.COMPANY, OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE, OrgKind.BUREAU, OrgKind.AUDIT}:
        items += [{"name": "repairs-queue", "label": _("Repair queue"), "url": reverse("repairs-queue")}]
    if OrgKind.COMPANY in kinds_ and OWNER not in kinds_:
        items += [{"name": "repairs-new", "label": _("Register a repair"), "url": reverse("repairs-new")}]
    if kinds_ & {OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE, OrgKind.BUREAU, OrgKind.AUDIT}:
        items += [{"name": "repairs-overdue", "label": _("Overdue and escalated"), "url": reverse("repairs-overdue")}]
    if kinds_ & {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY}:
        items += [{"name": "repairs-stats", "label": _("Repair figures"), "url": reverse("repairs-stats")}]
    if OrgKind.BUREAU in kinds_:
        items += [{"name": "repairs-categories", "label": _("Repair categories"), "url": reverse("repairs-categories")}]
    return {"label": _("Repairs"), "items": items} if items else None


# --- Filing -----------------------------------------------------------------------------------


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@login_required
def new(request):
    estates, homes = filing_choices(request.user)
    if not estates:
        raise PermissionDenied(_("You may not report a repair for this estate."))
    resident = OWNER in kinds(request.user) and bool(homes)
    categories = list(Category.objects.visible_to(request.user).filter(active=True))
    form = {"estate": str(estates[0].pk), "where": f"home:{homes[0].pk}" if homes else "grounds",
            "category": "", "description": "", "urgent": False, "channel": Channel.PHONE, "building": ""}
    errors = {}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in (
            "estate", "where", "category", "description", "channel", "building", "contact_name", "contact_phone",
            "building_number", "room_number")})
        form["urgent"] = request.POST.get("urgent") == "on"
        estate = next((e for e in estates if str(e.pk) == form["estate"]), None)
        home = None
        place = form["where"]
        if place.startswith("home:"):
            home = next((h for h in homes if f"home:{h.pk}" == place), None)
            place = Place.HOME
            if home is not None:
                estate = home.building.estate
        building = None
        if form["building"] and estate is not None:
            building = Building.objects.visible_to(request.user).filter(
                pk=_int(form["building"]) or 0, estate=estate).first()
        try:
            if estate is None:
                raise ValidationError({"estate": [_("Choose an estate.")]})
            if place == Place.HOME and home is None and not resident:  # a call or visit about a home
                home = home_named(request.user, estate, form.get("building_number"), form.get("room_number"))
            req = services.create_request(
                request.user, estate=estate, home=home, building=building,
                place=place if place in Place.values else "", category=form["category"],
                description=form["description"], urgent=form["urgent"],
                channel=Channel.APP if resident else (form["channel"] or Channel.PHONE),
                contact_name=form.get("contact_name", ""), contact_phone=form.get("contact_phone", ""),
                photos=request.FILES.getlist("photos"))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        except services.TooManyRequests as exc:
            errors = {"__all__": [str(exc)]}
        else:
            messages.success(request, _("Your request #%(id)s was filed.") % {"id": req.pk})
            return redirect("repairs-detail", req.pk)
    commons = [(p.value, p.label) for p in Place if p != Place.HOME]
    return render(request, "repairs/new.html", {
        "estates": estates, "homes": homes, "categories": categories, "commons": commons, "form": form,
        "errors": errors, "resident": resident,
        # a browser cannot refill a file field: say so when photos came with a refused form
        "photos_dropped": len(request.FILES.getlist("photos")) if errors else 0, "channels": [(Channel.PHONE, Channel.PHONE.label),
                                                             (Channel.ONSITE, Channel.ONSITE.label)],
    }, status=422 if errors else 200)


# --- Lists ------------------------------------------------------------------------------------


def _page(request, qs):
    """One page of requests, each marked with the deadlines it has missed (``deadlines.missed``)."""
    offset = max(0, _int(request.GET.get("offset")) or 0)
    count = qs.count()
    items, now = list(qs[offset:offset + PAGE]), timezone.now()
    for r in items:
        r.missed = deadlines.missed(r, now)
    return count, items, offset


@login_required
def mine(request):
    qs = requests_for(request.user).filter(reporter=request.user)
    count, items, offset = _page(request, qs)
    return render(request, "repairs/mine.html", {"items": items, "count": count, "now": timezone.now()})


@login_required
def queue(request):
    """Requests the user may see, the nearest deadline first: by default those still with the
    company; by status, estate, category, overdue, or a request's number."""
    status = request.GET.get("status") or ""
    estate, number = _int(request.GET.get("estate")), _int(request.GET.get("q", "").strip().lstrip("#"))
    category = request.GET.get("category", "")[:30]
    qs = requests_for(request.user, status=status if status in Status.values else (None if status else WORKING),
                      ordering="deadline", overdue=True if request.GET.get("overdue") else None,
                      estate=estate, category=category or None, number=number)
    count, items, offset = _page(request, qs)
    return render(request, "repairs/queue.html", {
        "items": items, "count": count, "now": timezone.now(), "status": status, "statuses": Status.choices,
        "title": _("Repair queue"), "overdue": bool(request.GET.get("overdue")),
        "estates": Estate.objects.visible_to(request.user).order_by("name").only("pk", "name")[:500],
        "estate": estate, "categories": Category.objects.visible_to(request.user).filter(active=True),
        "category": category, "q": request.GET.get("q", ""),
        "may_register": OrgKind.COMPANY in kinds(request.user),  # calls and visits (the form checks the rest)
    })


@login_required
def overdue(request):
    """What is late in the user's area, and the hand-offs waiting for them."""
    qs = requests_for(request.user, overdue=True, ordering="deadline")
    count, items, offset = _page(request, qs)
    kinds_ = kinds(request.user)
    levels = [lv for lv, kind in (("committee", OrgKind.NEIGHBOURHOOD), ("town", OrgKind.TOWN_OFFICE)) if kind in kinds_]
    waiting = (Escalation.objects.visible_to(request.user).filter(level__in=levels, state="sent")
               .select_related("request", "request__estate", "request__category").order_by("sent_at")[:200])
    return render(request, "repairs/overdue.html", {"items": items, "count": count, "now": timezone.now(),
                                                    "waiting": waiting})


# --- One request ------------------------------------------------------------------------------


def _request_or_404(user, pk):
    req = with_related(RepairRequest.objects.visible_to(user)).filter(pk=pk).first()
    if req is None:
        raise Http404
    return req


# What each action's button says, and what the page says once it is done.
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"), "assign": gettext_lazy("Assign"), "start": gettext_lazy("Start work"),
    "complete": gettext_lazy("Mark complete"), "defer": gettext_lazy("Defer"), "reject": gettext_lazy("Reject"),
    "escalate": gettext_lazy("Escalate"), "acknowledge": gettext_lazy("Acknowledge"),
    "supervise": gettext_lazy("Supervise"), "answer": gettext_lazy("Answer the supervision note"),
    "confirm": gettext_lazy("Fixed"), "reopen": gettext_lazy("Not fixed"), "cancel": gettext_lazy("Cancel request"),
    "merge": gettext_lazy("Merge"),
}


def _label(action: str, req) -> str:
    if action == "change_urgency":
        return str(_("Make ordinary") if req.urgent else _("Make urgent"))
    return str(ACTION_LABELS[action])


def _done(action: str, req) -> str:
    """What happened, in words (after the action; ``req`` as saved)."""
    if action == "assign" and req.assignee_id:
        return _("Assigned to %(name)s.") % {"name": req.assignee.display_name or req.assignee.username}
    if action == "defer" and req.deferred_until:
        return _("Deferred until %(day)s.") % {"day": req.deferred_until.isoformat()}
    if action == "merge" and req.merged_into_id:
        return _("Merged into #%(id)s.") % {"id": req.merged_into_id}
    if action == "change_urgency":
        return _("Now urgent.") if req.urgent else _("Now ordinary.")
    return {
        "accept": _("Accepted."), "start": _("Work started."), "complete": _("Marked complete."),
        "reject": _("Rejected."), "escalate": _("Escalated."), "acknowledge": _("Acknowledged."),
        "supervise": _("Supervision note sent."), "answer": _("Answer sent."), "confirm": _("Thank you: closed."),
        "reopen": _("Reopened."), "cancel": _("Cancelled."),
    }.get(action, _("Done."))


@login_required
def detail(request, pk: int, revealed: str = ""):
    req = _request_or_404(request.user, pk)
    actions = allowed_actions(request.user, req)
    caps = MACHINE.capacities_of(request.user, req)
    staff = bool(caps & (COMPANY | GRID))
    name, phone = services.contact_of(req) if staff else ("", "")
    return render(request, "repairs/detail.html", {
        "contact": {"name": name, "phone": mask_phone(phone) if phone else "", "revealed": revealed,
                    "may_reveal": bool(phone) and may_reveal(request.user)} if staff else None,
        "req": req, "events": req.events.select_related("actor"), "photos": req.photos.all(),
        "escalations": req.escalations.all(), "supervisions": req.supervisions.all(),
        "actions": [(a, _label(a, req)) for a in actions], "open_action": request.GET.get("do", ""),
        "assignees": serving_staff(req.estate_id).order_by("username") if "assign" in actions else [], "now": timezone.now(),
        "tomorrow": timezone.localdate() + dt.timedelta(days=1), "ratings": range(5, 0, -1),
    })


def _params(action: str, post, files) -> dict:
    """The form's fields as the service's parameters (typed; the service validates them)."""
    p = {k: post.get(k, "").strip() for k in ("note", "reason", "comment", "answer") if post.get(k)}
    if action == "assign":
        p["assignee"] = _int(post.get("assignee"))
    if action == "defer":
        p["until"] = post.get("until", "")
    if action == "change_urgency":
        p["urgent"] = post.get("urgent") == "1"
    if action == "confirm":
        p["rating"] = _int(post.get("rating"))
    if action == "merge":
        p["into"] = _int(post.get("into"))
    if action == "supervise":
        p["answer_due"] = post.get("answer_due", "")
    if action == "complete":
        p["photos"] = files.getlist("photos")
    return p


@login_required
@require_POST
def act(request, pk: int):
    req = _request_or_404(request.user, pk)
    action = request.POST.get("action", "")
    try:
        done = services.act(request.user, req, action, **_params(action, request.POST, request.FILES))
    except (services.ActionConflict, PermissionDenied) as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{reverse('repairs-detail', args=[req.pk])}?do={action}")  # the form stays open
    else:
        messages.success(request, _done(action, done))
    return redirect("repairs-detail", req.pk)


@login_required
@require_POST
def contact_reveal(request, pk: int):
    """The reporter's phone in clear, once, for a stated reason (never in a URL; logged)."""
    req = _request_or_404(request.user, pk)
    try:
        phone = services.contact_reveal(actor=request.user, request=req, reason=request.POST.get("reason", ""))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("repairs-detail", req.pk)
    response = detail(request, pk, revealed=phone)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def photo(request, photo_id: int):
    """A request's photo, for whoever may see the request (never a public media URL)."""
    p = Photo.objects.visible_to(request.user).filter(pk=photo_id).first()
    if p is None:
        raise Http404
    return FileResponse(p.image.open("rb"), content_type=p.content_type)


# --- Figures ----------------------------------------------------------------------------------


def _stats_args(request):
    group_by = request.GET.get("group_by") if request.GET.get("group_by") in GROUPS else "company"

    def day(name):
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return group_by, day("from"), day("to")


FIGURES = [
    ("volume", gettext_lazy("Requests")),
    ("on_time_response_percent", gettext_lazy("On-time response %")),
    ("on_time_completion_percent", gettext_lazy("On-time completion %")),
    ("reopen_rate_percent", gettext_lazy("Reopen rate %")),
    ("satisfaction", gettext_lazy("Satisfaction (1–5)")),
    ("median_hours_to_complete", gettext_lazy("Median hours to complete")),
]


def _business(user):
    """Figures are for business users: not residents, not the IT administrators (三员)."""
    if not is_business(user, owners=False):
        raise PermissionDenied(_("You may not do this."))


@login_required
def stats(request):
    _business(request.user)
    group_by, date_from, date_to = _stats_args(request)
    data = repair_stats(request.user, group_by, date_from, date_to)
    items = data["items"][:40]
    list_url = reverse("repairs-queue")
    chart = [{
        "id": "chart-repairs", "title": _("On-time rates"), "percent": True,
        "categories": [i["group"]["name"] for i in items],
        "series": [
            {"name": _("On-time response %"), "type": "bar", "data": [i["on_time_response_percent"] for i in items]},
            {"name": _("On-time completion %"), "type": "bar",
             "data": [i["on_time_completion_percent"] for i in items]},
            {"name": _("Reopen rate %"), "type": "line", "data": [i["reopen_rate_percent"] for i in items]},
        ],
        "axes": ["%"],
    }]
    query = urlencode({k: v for k, v in (("group_by", group_by), ("from", date_from or ""), ("to", date_to or ""))
                       if v})
    return render(request, "repairs/stats.html", {
        "data": data, "figures": FIGURES, "chart": chart, "group_by": group_by, "groups": stats_groups(),
        "date_from": date_from, "date_to": date_to, "export_url": f"{reverse('repairs-stats-export')}?{query}",
        "list_url": list_url,
    })


@login_required
def stats_export(request):
    _business(request.user)
    group_by, date_from, date_to = _stats_args(request)
    data = repair_stats(request.user, group_by, date_from, date_to)
    headers = [str(dict(stats_groups())[group_by])] + [str(label) for _key, label in FIGURES]
    rows = [[i["group"]["name"]] + [i[key] for key, _label in FIGURES] for i in data["items"]]
    rows.append([_("Total")] + [data["total"][key] for key, _label in FIGURES])
    log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="repair_stats",
                 detail={"group_by": group_by, "format": "xlsx", "rows": len(rows),
                         "from": str(date_from or ""), "to": str(date_to or "")})
    sheets = {"company": _("Repair figures by company"), "estate": _("Repair figures by estate"),
              "town": _("Repair figures by town")}
    return file_response("xlsx", f"repairs-by-{group_by}", headers, rows, sheet=sheets[group_by])


def stats_groups():
    return [("company", _("Property company")), ("estate", _("Estate")), ("town", _("Town"))]


# --- The category catalogue: the bureau edits names, default urgency and time limits -------------

CATEGORY_FIELDS = ["name", "urgent", "urgent_response_minutes", "onsite_response_minutes", "urgent_complete_hours",
                   "response_workdays", "complete_workdays", "active", "sort_order"]


class CategoryForm(forms.ModelForm):
    """The page's fields; the rules are the model's (``Category.clean``, run by the service)."""

    class Meta:
        model = Category
        fields = CATEGORY_FIELDS


@login_required
def categories(request):
    """Every category with its limits, for business users; the bureau gets the edit links."""
    _business(request.user)
    rows = list(Category.objects.visible_to(request.user))
    return render(request, "repairs/categories.html", {
        "categories": rows, "may_edit": bool(rows) and bool(fields_for(request.user, rows[0])),
    })


@login_required
def category_edit(request, code: str):
    category = Category.objects.visible_to(request.user).filter(code=code[:30]).first()
    if category is None:
        raise Http404
    if not fields_for(request.user, category):
        raise PermissionDenied(_("Only the district bureau edits the repair categories."))
    # the form validates its own copy: the service needs the unchanged record for the change log
    form = CategoryForm(request.POST or None, instance=Category.objects.get(pk=category.pk))
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            if changes:
                services.category_update(request.user, category, changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Category saved. Requests already filed keep their deadlines."))
            return redirect("repairs-categories")
    return render(request, "repairs/category_form.html", {"form": form, "category": category})
