"""Vote pages (Chinese first, phone-sized for owners): the votes that concern you, drafting a
vote, a vote's page — the owner's ballot, staff entering paper ballots and following
participation by building, the organiser's steps —, the printable notice (and .xlsx), and the
check anyone with the notice can run.

Thin: reads through ``selectors`` / ``visible_to``, every write through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, kinds
from fangguan.core.audit import log_security
from fangguan.core.exports import file_response
from fangguan.core.machine import ActionConflict
from fangguan.core.models import SecurityAction
from fangguan.core.scopes import ADD, can
from fangguan.registry.models import ManagementArea

from . import selectors, services
from .choices import Choice, Matter, ScopeKind, Status
from .machine import ELECTOR, MACHINE, ORGANISER, STAFF
from .models import Vote, VoteDocument
from .verification import verify

ORGANISING = {OrgKind.OWNERS_COMMITTEE, OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE}


def nav_section(user):
    """表决 menu: owners see their votes; committees, neighbourhood committees, town offices,
    the bureau and auditors the votes of their area."""
    k = kinds(user)
    items = []
    if OWNER in k:
        items.append({"name": "votes-mine", "label": _("My votes"), "url": reverse("votes:index")})
    if k & (ORGANISING | {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.COMPANY}):
        items.append({"name": "votes", "label": _("Owners' votes"), "url": reverse("votes:index")})
    if k & ORGANISING:
        items.append({"name": "votes-new", "label": _("New vote"), "url": reverse("votes:new")})
    return {"label": _("Owners' decisions"), "items": items} if items else None


def _vote(request, pk: int) -> Vote:
    return get_object_or_404(Vote.objects.visible_to(request.user).select_related("estate", "area", "rule"), pk=pk)


@login_required
@require_GET
def index(request):
    status = request.GET.get("status") if request.GET.get("status") in Status.values else None
    votes = list(selectors.votes_for(request.user, status=status)[:200])
    return render(request, "votes/index.html", {"votes": votes, "status": status, "statuses": Status.choices,
                                                "may_create": can(request.user, ADD, Vote), "now": timezone.now()})


def _when(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """Draft a vote in a management area the user organises for."""
    if not can(request.user, ADD, Vote):
        raise PermissionDenied(_("Votes are organised by owners' committees, neighbourhood committees and town offices."))
    areas = ManagementArea.objects.visible_to(request.user).select_related("estate").order_by("estate__name", "name")[:500]
    form = {k: request.POST.get(k, "") for k in ("area", "matter", "title", "question", "scope_kind", "buildings",
                                                 "unit_building", "unit", "homes", "opens_at", "closes_at")}
    form["hide_interim"] = "hide_interim" in request.POST if request.method == "POST" else True
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
            opens, closes = _when(form["opens_at"]), _when(form["closes_at"])
            if opens is None or closes is None:
                raise ValidationError({"opens_at": [_("Give when voting opens and closes.")]})
            vote = services.vote_create(actor=request.user, area=area, matter=form["matter"], title=form["title"],
                                        question=form["question"], scope_kind=form["scope_kind"], scope=scope,
                                        opens_at=opens, closes_at=closes, hide_interim=form["hide_interim"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("The vote was drafted. Check the owners concerned, then open it."))
            return redirect("votes:detail", vote.pk)
    return render(request, "votes/new.html", {"areas": areas, "matters": Matter.choices, "scopes": ScopeKind.choices,
                                              "form": form, "errors": errors}, status=422 if errors else 200)


@login_required
@require_GET
def detail(request, pk: int):
    vote = _vote(request, pk)
    caps = MACHINE.capacities_of(request.user, vote)
    result = selectors.result_for(request.user, vote)
    return render(request, "votes/detail.html", {
        "vote": vote, "result": result, "actions": MACHINE.allowed(request.user, vote),
        "mine": selectors.my_ballots(request.user, vote) if ELECTOR in caps else [],
        "staff": bool(caps & {STAFF, ORGANISER}), "organiser": ORGANISER in caps,
        "by_building": result.get("by_building"), "documents": vote.documents.all(),
        "choices": Choice.choices, "options": dict(zip(Choice.values, vote.options or [], strict=False)),
        "may_see_choices": selectors.may_see_choices(request.user, vote),
        "counted": selectors.choices(vote) if selectors.may_see_choices(request.user, vote) else [],
        "window_open": vote.status == Status.OPEN and vote.opens_at <= timezone.now() < vote.closes_at,
        "elector_homes": (vote.electorate.select_related("home", "building").order_by("building__number",
                                                                                         "home__room_number")[:3000]
                          if vote.status == Status.OPEN and caps & {STAFF, ORGANISER} else []),
    })


def _step(request, vote, action, **params) -> None:
    try:
        services.act(request.user, vote, action, **params)
    except (ActionConflict, PermissionDenied) as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, {
            "open": _("The vote is open; the owners concerned have been told."),
            "close": _("The vote is closed and counted."), "cancel": _("The vote was cancelled."),
            "cast": _("Your ballot was recorded. You may change it until the vote closes."),
            "record_paper": _("The paper ballot was recorded."),
        }[action])


@login_required
@require_POST
def act(request, pk: int):
    vote = _vote(request, pk)
    action = request.POST.get("action", "")
    if action not in ("open", "close", "cancel"):
        raise Http404
    _step(request, vote, action, reason=request.POST.get("reason", ""))
    return redirect("votes:detail", vote.pk)


@login_required
@require_POST
def ballot(request, pk: int):
    vote = _vote(request, pk)
    home = request.POST.get("home", "")
    _step(request, vote, "cast", choice=request.POST.get("choice", ""), home=int(home) if home.isdigit() else None)
    return redirect("votes:detail", vote.pk)


@login_required
@require_POST
def paper(request, pk: int):
    vote = _vote(request, pk)
    home = request.POST.get("home", "")
    _step(request, vote, "record_paper", choice=request.POST.get("choice", ""),
          home=int(home) if home.isdigit() else None, scan=request.FILES.get("scan"))
    return redirect("votes:detail", vote.pk)


@login_required
@require_POST
def document_add(request, pk: int):
    vote = _vote(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        services.document_add(actor=request.user, vote=vote, title=request.POST.get("title", ""), upload=upload)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The document was attached."))
    return redirect("votes:detail", vote.pk)


@login_required
@require_GET
def document(request, pk: int, doc: int):
    vote = _vote(request, pk)
    d = get_object_or_404(VoteDocument.objects.visible_to(request.user), pk=doc, vote=vote)
    return FileResponse(d.file.open("rb"), content_type=d.content_type, as_attachment=False)


@login_required
@require_GET
def notice(request, pk: int):
    """The result notice for the estate's board (printable): figures by area and headcount, the
    rule and its thresholds, and every home with "voted / did not vote" — never how."""
    vote = _vote(request, pk)
    if vote.status != Status.CLOSED:
        raise Http404
    return render(request, "votes/notice.html", {"vote": vote, "result": selectors.result_for(request.user, vote),
                                                 "homes": selectors.turnout(vote)})


@login_required
@require_GET
def notice_xlsx(request, pk: int):
    vote = _vote(request, pk)
    if vote.status != Status.CLOSED:
        raise Http404
    headers, rows = selectors.notice_rows(vote)
    log_security(actor=request.user, action=SecurityAction.EXPORT, instance=vote,
                 detail={"resource": "vote_notice", "rows": len(rows), "format": "xlsx"})
    return file_response("xlsx", f"vote-{vote.pk}-notice", headers, rows, sheet=_("Result of the owners' vote"))


@login_required
@require_GET
def verify_page(request, pk: int):
    vote = _vote(request, pk)
    if vote.status != Status.CLOSED:
        raise Http404
    return render(request, "votes/verify.html", {"vote": vote, "report": verify(vote.pk)})
