"""Maintenance fund API (issue 16 contract): ``/api/v1/funds`` — household sub-accounts (their
balance, ratio to the initial deposit and status against the re-collection line; one account's
entries and balance on a date), postings (idempotent on ``key``; unbalanced → 422; a reversal
with its reason), applications to use the fund (with each paying home's share and shortfall) and
their steps (403 / 409 / 422 changing nothing), statements and figures.

Thin: reads through ``selectors`` (``visible_to``), writes through ``services``. An account,
posting or application in the path that the caller cannot see answers 404 like a missing one; a
record named in a body that the caller cannot see (a bank statement's account, an audit report's
or a statement's estate, an application's management area, the vote a step names) is bad input,
422 "No such record" on that field (``core.api.body_ref``), as in the registry and supervision —
checked before who may act, so that a refusal (403) never tells a record exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from fangguan.core.api import Error, Id, InSchema, body_ref, get_or_404, paginate
from fangguan.core.api import ref as _ref
from fangguan.registry.models import ManagementArea

from . import ledger, selectors, services
from .choices import Emergency, PostingKind, ScopeKind, Status
from .machine import MACHINE
from .models import Account, Application, Posting
from .scopes import estates_seen

router = Router(tags=["funds"])


class FundRefOut(Schema):
    id: int
    name: str


class FundAccountOut(Schema):
    id: int
    kind: str
    estate: FundRefOut
    building: FundRefOut | None
    home: FundRefOut | None
    balance_fen: int
    initial_fen: int
    ratio: str | None = Field(description="balance ÷ initial deposit, 4 places")
    status: str = Field(description="ok | below_line | no_deposit")


class FundAccountPage(Schema):
    count: int
    items: list[FundAccountOut]


class FundEntryOut(Schema):
    id: int
    on: dt.date
    kind: str
    kind_label: str
    memo: str
    amount_fen: int = Field(description="into the account (+) or out of it (−), on its normal side")
    balance_fen: int
    posting: int
    key: str
    reverses: int | None
    application: FundRefOut | None


class FundAccountDetailOut(FundAccountOut):
    as_of: dt.date
    balance_as_of_fen: int
    entries: list[FundEntryOut]


class FundEntryIn(InSchema):
    account: Id
    amount_fen: int = Field(ge=-(10**15), le=10**15, description="debit positive, credit negative")


class FundPostingIn(InSchema):
    key: str = Field(min_length=1, max_length=120)
    kind: Literal[tuple(k for k in PostingKind.values if k != "reversal")]  # type: ignore[valid-type]
    entries: list[FundEntryIn] = Field(min_length=2, max_length=5000)
    memo: str = Field("", max_length=500)
    on: dt.date | None = None


class FundPostingEntryOut(Schema):
    account: int
    amount_fen: int


class FundPostingOut(Schema):
    id: int
    key: str
    kind: str
    estate: int
    on: dt.date
    memo: str
    reverses: int | None
    entries: list[FundPostingEntryOut]


class FundReverseIn(InSchema):
    reason: str = Field(min_length=1, max_length=400)
    key: str | None = Field(None, min_length=1, max_length=120)


class FundUnitIn(InSchema):
    building: Id
    unit: str = Field(min_length=1, max_length=10)


class FundScopeIn(InSchema):
    """Exactly one of: the management ``area``; some ``buildings``; one stairwell ``unit``; ``homes``."""

    area: Id | None = None
    buildings: list[Id] | None = Field(None, min_length=1, max_length=200)
    unit: FundUnitIn | None = None
    homes: list[Id] | None = Field(None, min_length=1, max_length=20000)


class FundApplicationIn(InSchema):
    area: Id
    title: str = Field(min_length=1, max_length=200)
    parts: str = Field(min_length=1, max_length=2000)
    scope: FundScopeIn
    estimate_fen: int = Field(ge=1, le=10**13)
    emergency: Literal[tuple(Emergency.values)] = ""  # type: ignore[valid-type]
    contractor: str = Field("", max_length=200)


class FundShareOut(Schema):
    home: int
    label: str
    area_m2: str
    amount_fen: int
    charged_fen: int
    balance_fen: int
    shortfall_fen: int


class FundApplicationOut(Schema):
    id: int
    status: str
    status_label: str
    estate: FundRefOut
    area: FundRefOut
    title: str
    parts: str
    scope_kind: str
    scope: dict
    homes: int
    estimate_fen: int
    reviewed_fen: int | None
    final_fen: int | None
    paid_fen: int
    emergency: str
    filed_on: dt.date
    vote: int | None
    contractor: str
    notice: str
    actions: list[str]


class FundApplicationDetailOut(FundApplicationOut):
    shares: list[FundShareOut]
    events: list[dict]


class FundApplicationPage(Schema):
    count: int
    items: list[FundApplicationOut]


class FundActionIn(InSchema):
    action: Literal[tuple(MACHINE.public_actions)]  # type: ignore[valid-type]
    reviewed_fen: int | None = Field(None, ge=1, le=10**13)
    vote: Id | None = None
    amount_fen: int | None = Field(None, ge=1, le=10**13)
    final_fen: int | None = Field(None, ge=0, le=10**13)
    key: str | None = Field(None, min_length=1, max_length=120)
    notice: str = Field("", max_length=4000)
    note: str = Field("", max_length=500)


def account_out(a: Account, bp: int) -> dict:
    return {"id": a.pk, "kind": a.kind, "estate": _ref(a.estate), "building": _ref(a.building) if a.building_id else None,
            "home": {"id": a.home_id, "name": f"{a.building.number}号 {a.home.room_number}"} if a.home_id else None,
            "balance_fen": a.balance_fen, "initial_fen": a.initial_fen, "ratio": selectors.ratio_of(a),
            "status": selectors.status_of(a, bp)}


@router.get("/accounts", response=FundAccountPage, operation_id="funds_accounts", summary="Household sub-accounts")
def accounts(request, estate: Id | None = None, building: Id | None = None, below_threshold: bool | None = None,
             limit: int | None = None, offset: int | None = None):
    bp = selectors.line_bp()
    count, items = paginate(selectors.accounts_for(request.user, estate=estate, building=building,
                                                   below_threshold=below_threshold), limit, offset)
    return {"count": count, "items": [account_out(a, bp) for a in items]}


@router.get("/accounts/{int:account_id}", response=FundAccountDetailOut, operation_id="funds_account",
            summary="One account: its balance on a date and its entries")
def account(request, account_id: int, as_of: dt.date | None = None):
    a = get_or_404(Account.objects.visible_to(request.user).select_related("home", "building", "estate"), account_id)
    day = as_of or timezone.localdate()
    return {**account_out(a, selectors.line_bp()), "as_of": day, "balance_as_of_fen": selectors.balance_on(a, day),
            "entries": selectors.entries_of(a, day)}


def posting_out(p: Posting) -> dict:
    return {"id": p.pk, "key": p.key, "kind": p.kind, "estate": p.estate_id, "on": p.on, "memo": p.memo,
            "reverses": p.reverses_id,
            "entries": [{"account": a, "amount_fen": x} for a, x in p.entries.values_list("account_id", "amount_fen")]}


@router.post("/postings", response={200: FundPostingOut, 201: FundPostingOut}, operation_id="funds_post",
             summary="Post balanced entries (idempotent on key)")
def post(request, payload: FundPostingIn):
    """201 for a new posting, 200 for a replay of the same key and entries; 409 for a key used
    by a different posting; 422 when the entries do not balance or an account would go below zero."""
    visible = set(Account.objects.visible_to(request.user).filter(pk__in=[e.account for e in payload.entries])
                  .values_list("pk", flat=True))
    if any(e.account not in visible for e in payload.entries):
        raise ValidationError({"entries": [_("Unknown account.")]})
    replay = Posting.objects.filter(key=payload.key).exists()
    posting = services.posting_create(actor=request.user, key=payload.key, kind=payload.kind, memo=payload.memo,
                                      on=payload.on, entries=[(e.account, e.amount_fen) for e in payload.entries])
    return (200 if replay else 201), posting_out(posting)


@router.post("/postings/{int:posting_id}/reverse", response={201: FundPostingOut}, operation_id="funds_reverse",
             summary="Reverse a posting, with the reason")
def reverse(request, posting_id: int, payload: FundReverseIn):
    original = get_or_404(Posting.objects.visible_to(request.user), posting_id)
    return 201, posting_out(ledger.reverse(actor=request.user, posting=original, reason=payload.reason,
                                           key=payload.key))


def application_out(user, app: Application) -> dict:
    return {"id": app.pk, "status": app.status, "status_label": app.get_status_display(), "estate": _ref(app.estate),
            "area": _ref(app.area), "title": app.title, "parts": app.parts, "scope_kind": app.scope_kind,
            "scope": app.scope, "homes": len(app.homes), "estimate_fen": app.estimate_fen,
            "reviewed_fen": app.reviewed_fen, "final_fen": app.final_fen, "paid_fen": app.paid_fen,
            "emergency": app.emergency, "filed_on": app.filed_on, "vote": app.vote_id, "contractor": app.contractor,
            "notice": app.notice, "actions": MACHINE.allowed(user, app)}


def application_detail(user, app: Application) -> dict:
    return {**application_out(user, app),
            "shares": [{**s.__dict__, "area_m2": str(s.area_m2)} for s in selectors.shares(app)],
            "events": [{"kind": e.kind, "label": e.get_kind_display(), "at": e.at.isoformat(), "note": e.note,
                        "data": e.data} for e in app.events.all()]}


def _scope_of(scope: FundScopeIn) -> tuple[str, dict]:
    given = [k for k in ("area", "buildings", "unit", "homes") if getattr(scope, k) is not None]
    if len(given) != 1:
        raise ValidationError({"scope": [_("Give exactly one of area, buildings, unit or homes.")]})
    kind = given[0]
    data = {"buildings": scope.buildings, "homes": scope.homes,
            "unit": {"building": scope.unit.building, "unit": scope.unit.unit} if scope.unit else None}
    return {"area": ScopeKind.AREA, "buildings": ScopeKind.BUILDINGS, "unit": ScopeKind.UNIT,
            "homes": ScopeKind.HOMES}[kind], ({kind: data[kind]} if kind != "area" else {})


@router.post("/applications", response={201: FundApplicationDetailOut}, operation_id="funds_apply",
             summary="Apply to use the fund")
def apply(request, payload: FundApplicationIn):
    # the area named in the body: one of an estate whose applications the caller sees, else 422 on ``area``
    area = body_ref(ManagementArea.objects.filter(estate__in=estates_seen(request.user, owners=True))
                    .select_related("estate"), payload.area, "area")
    kind, scope = _scope_of(payload.scope)
    app = services.application_create(actor=request.user, area=area, title=payload.title, parts=payload.parts,
                                      scope_kind=kind, scope=scope, estimate_fen=payload.estimate_fen,
                                      emergency=payload.emergency, contractor=payload.contractor)
    return 201, application_detail(request.user, app)


@router.get("/applications", response=FundApplicationPage, operation_id="funds_applications",
            summary="Applications you may see")
def applications(request, estate: Id | None = None,
                 status: Literal[tuple(Status.values)] | None = None,  # type: ignore[valid-type]
                 limit: int | None = None, offset: int | None = None):
    count, items = paginate(selectors.applications_for(request.user, estate=estate, status=status), limit, offset)
    return {"count": count, "items": [application_out(request.user, a) for a in items]}


def _votes_seen(user):
    """The votes a step may name: those the caller sees as the votes module says, and the votes of
    the estates whose fund books the caller keeps or reads as staff (a bookkeeping firm sees no
    votes of its own, yet puts its estate's application to the owners)."""
    from django.db.models import Q

    from fangguan.votes.models import Vote

    return Vote.objects.filter(Q(pk__in=Vote.objects.visible_to(user).values("pk"))
                               | Q(estate__in=estates_seen(user).values("pk")))


def _application(request, application_id: int) -> Application:
    return get_or_404(Application.objects.visible_to(request.user).select_related("estate", "area"), application_id)


@router.get("/applications/{int:application_id}", response=FundApplicationDetailOut, operation_id="funds_application",
            summary="One application, with each paying home's share")
def application(request, application_id: int):
    return application_detail(request.user, _application(request, application_id))


@router.post("/applications/{int:application_id}/actions", response={200: FundApplicationDetailOut},
             operation_id="funds_act", summary="Take a step of an application")
def act(request, application_id: int, payload: FundActionIn):
    params = {k: v for k, v in payload.dict().items() if k != "action" and v not in (None, "")}
    target = _application(request, application_id)
    body_ref(_votes_seen(request.user), payload.vote, "vote")  # a vote the caller cannot see: 422 on ``vote``
    app = services.act(request.user, target, payload.action, **params)
    return 200, application_detail(request.user, app)


class FundStatementLineOut(Schema):
    kind: str
    label: str
    amount_fen: int


class FundStatementHouseholdOut(Schema):
    home: str
    owner: str = Field(description="masked")
    balance_fen: int


class FundStatementOut(Schema):
    id: int
    estate: FundRefOut
    ledger: str
    period_start: dt.date
    period_end: dt.date
    opening_fen: int
    income_fen: int
    spending_fen: int
    closing_fen: int
    lines: list[FundStatementLineOut]
    households: list[FundStatementHouseholdOut]
    published_at: dt.datetime
    digest: str


class FundStatementPage(Schema):
    count: int
    items: list[FundStatementOut]


class FundStatementIn(InSchema):
    estate: Id
    ledger: Literal["fund", "revenue"]
    day: dt.date = Field(description="a day of the period (half-year for the fund, quarter for public revenue)")


def statement_out(s) -> dict:
    return {"id": s.pk, "estate": _ref(s.estate), "ledger": s.ledger, "period_start": s.period_start,
            "period_end": s.period_end, "opening_fen": s.opening_fen, "income_fen": s.income_fen,
            "spending_fen": s.spending_fen, "closing_fen": s.closing_fen, "lines": s.lines, "households": s.households,
            "published_at": s.published_at, "digest": s.digest}


@router.get("/statements", response=FundStatementPage, operation_id="funds_statements",
            summary="Published statements (period: a day inside it)")
def statements(request, estate: Id | None = None, period: dt.date | None = None,
               ledger: Literal["fund", "revenue"] | None = None, limit: int | None = None, offset: int | None = None):
    from .models import Statement

    qs = Statement.objects.visible_to(request.user).select_related("estate")
    if estate:
        qs = qs.filter(estate_id=estate)
    if period:
        qs = qs.filter(period_start__lte=period, period_end__gte=period)
    if ledger:
        qs = qs.filter(ledger=ledger)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [statement_out(s) for s in items]}


@router.post("/statements", response={201: FundStatementOut}, operation_id="funds_statement_publish",
             summary="Publish a period's statement")
def statement_publish(request, payload: FundStatementIn):
    # the estate named in the body: one whose statements the caller sees, else 422 on ``estate``
    estate = body_ref(estates_seen(request.user, statements=True, owners=True), payload.estate, "estate")
    s = services.statement_publish(actor=request.user, estate=estate, ledger_name=payload.ledger, day=payload.day)
    return 201, statement_out(s)


class FundFigureOut(Schema):
    id: int
    name: str
    estates: int
    households: int
    fund_fen: int
    revenue_fen: int
    below_line: int
    applications: int
    paid_fen: int


class FundFiguresOut(Schema):
    as_of: dt.date
    group_by: str
    items: list[FundFigureOut]
    total: dict


@router.get("/figures", response=FundFiguresOut, operation_id="funds_figures", summary="Figures by town or estate")
def figures(request, group_by: Literal["town", "estate"] = "town", as_of: dt.date | None = None):
    from django.core.exceptions import PermissionDenied

    from .scopes import may_see_figures

    if not may_see_figures(request.user):
        raise PermissionDenied(_("Figures are for the bureau, auditors and town offices."))
    return selectors.fund_figures(request.user, group_by=group_by, as_of=as_of)


# --- Bank statements and reconciliation --------------------------------------------------------


class FundBankImportOut(Schema):
    account: int
    created: int
    unchanged: int


@router.post("/bank-statements", response={201: FundBankImportOut}, operation_id="funds_bank_statement_import",
             summary="Import a bank statement (.xlsx or CSV) of a bank account, whole or not at all")
def bank_statement_import(request, account: Form[int], file: File[UploadedFile]):
    from . import bank

    # the account named in the body: one the caller sees, else 422 on ``account`` (body_ref)
    target = body_ref(Account.objects.visible_to(request.user).filter(kind__in=bank.BANK_KINDS), account, "account")
    counts = bank.statement_import(actor=request.user, account=target, upload=file, filename=file.name or "")
    return 201, {"account": target.pk, **counts}


class FundBankLineOut(Schema):
    id: int
    on: dt.date
    amount_fen: int
    reference: str
    memo: str


class FundLedgerLineOut(Schema):
    id: int
    on: dt.date
    amount_fen: int
    posting: int
    key: str
    memo: str


class FundMatchOut(Schema):
    bank: FundBankLineOut
    entry: FundLedgerLineOut


class FundBankOnlyOut(FundBankLineOut):
    near_entries: list[int] = Field(description="ledger-only entries of the same amount within 7 days (a hint)")


class FundReconciliationOut(Schema):
    account: FundRefOut
    month: str
    start: dt.date
    end: dt.date
    matched: list[FundMatchOut]
    bank_only: list[FundBankOnlyOut]
    ledger_only: list[FundLedgerLineOut]
    bank_total_fen: int
    ledger_total_fen: int
    difference_fen: int
    reconciled: bool


def _bank_line(line) -> dict:
    return {"id": line.pk, "on": line.on, "amount_fen": line.amount_fen, "reference": line.reference, "memo": line.memo}


@router.get("/reconciliation", response={200: FundReconciliationOut, 404: Error},  # the account: not yours or none
            operation_id="funds_reconciliation",
            summary="A bank account's month: bank lines matched with ledger entries, and what is left on either side")
def reconciliation(request, account: Id, month: str):
    from . import bank

    target = get_or_404(Account.objects.visible_to(request.user).filter(kind__in=bank.BANK_KINDS)
                        .select_related("estate", "area"), account)
    r = bank.reconcile(target, month)
    return {"account": {"id": target.pk, "name": str(target)}, "month": month, "start": r.start, "end": r.end,
            "matched": [{"bank": _bank_line(line), "entry": e} for line, e in r.matched],
            "bank_only": [{**_bank_line(line), "near_entries": near} for line, near in r.bank_only],
            "ledger_only": r.ledger_only, "bank_total_fen": r.bank_total_fen, "ledger_total_fen": r.ledger_total_fen,
            "difference_fen": r.difference_fen, "reconciled": r.reconciled}


# --- Audit reports -------------------------------------------------------------------------------


class FundAuditOut(Schema):
    id: int
    estate: FundRefOut
    kind: str
    kind_label: str
    period_start: dt.date
    period_end: dt.date
    auditor: str
    posted_on: dt.date
    posted_until: dt.date = Field(description="the last day it is posted (included)")
    on_board: bool = Field(description="posted today")
    size: int
    digest: str = Field(description="SHA-256 of the PDF")
    file_url: str


class FundAuditPage(Schema):
    count: int
    items: list[FundAuditOut]


def audit_out(a, today: dt.date) -> dict:
    from django.urls import reverse

    return {"id": a.pk, "estate": _ref(a.estate), "kind": a.kind, "kind_label": a.get_kind_display(),
            "period_start": a.period_start, "period_end": a.period_end, "auditor": a.auditor,
            "posted_on": a.posted_on, "posted_until": a.posted_until, "on_board": a.on_board(today), "size": a.size,
            "digest": a.digest, "file_url": reverse("funds:audit-file", args=[a.pk])}


@router.get("/audits", response=FundAuditPage, operation_id="funds_audits",
            summary="Annual and end-of-term audit reports (owners: those posted today)")
def audits(request, estate: Id | None = None, on_board: bool | None = None, limit: int | None = None,
           offset: int | None = None):
    from .models import AuditReport

    today = timezone.localdate()
    qs = AuditReport.objects.visible_to(request.user).select_related("estate")
    if estate is not None:
        qs = qs.filter(estate_id=estate)
    if on_board is not None:
        posted = {"posted_on__lte": today, "posted_until__gte": today}
        qs = qs.filter(**posted) if on_board else qs.exclude(**posted)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [audit_out(a, today) for a in items]}


@router.post("/audits", response={201: FundAuditOut}, operation_id="funds_audit_post",
             summary="Attach an audit report (PDF) and post it to the owners for the parameter's days (30)")
def audit_post(request, estate: Form[int], kind: Form[str], period_start: Form[dt.date], period_end: Form[dt.date],
               auditor: Form[str], file: File[UploadedFile]):
    from fangguan.registry.models import Estate

    # the estate named in the body: one whose fund books the caller keeps or reads, else 422 on ``estate``
    target = body_ref(Estate.objects.filter(pk__in=selectors.fund_banks(request.user).values("estate_id")), estate,
                      "estate")
    report = services.audit_post(actor=request.user, estate=target, kind=kind, period_start=period_start,
                                 period_end=period_end, auditor=auditor, upload=file)
    return 201, audit_out(report, timezone.localdate())


class FundLateAuditOut(Schema):
    id: int = Field(description="the estate")
    name: str
    town: FundRefOut
    year: int = Field(description="the year whose annual audit is missing")
    due_on: dt.date = Field(description="its due day (passed)")


class FundLateAuditPage(Schema):
    count: int
    year: int | None = Field(description="the last year whose annual audit is due (none: no parameters in force)")
    due_on: dt.date | None
    items: list[FundLateAuditOut]


@router.get("/audits/late", response=FundLateAuditPage, operation_id="funds_audits_late",
            summary="Estates late with their annual audit (the bureau, auditors, town offices)")
def audits_late(request, limit: int | None = None, offset: int | None = None):
    """The estates whose fund books the caller reads without the annual audit of the last year
    whose due day (``FundRule.annual_audit_due_days`` after 31 December) has passed — the audits
    page's list (``selectors.late_audit_estates``); for those who read the figures, else 403."""
    from django.core.exceptions import PermissionDenied

    from .scopes import may_see_figures

    if not may_see_figures(request.user):
        raise PermissionDenied(_("Figures are for the bureau, auditors and town offices."))
    year, due_on, estates = selectors.late_audit_estates(request.user)
    count, items = paginate(estates, limit, offset)
    return {"count": count, "year": year, "due_on": due_on,
            "items": [{"id": e.pk, "name": e.name, "town": _ref(e.town), "year": year, "due_on": due_on}
                      for e in items]}


@router.get("/audits/{int:audit_id}/file", response={200: None, 404: Error}, operation_id="funds_audit_file",
            summary="The audit report's PDF")
def audit_file(request, audit_id: int):
    from .models import AuditReport
    from .views import audit_response

    return audit_response(get_or_404(AuditReport.objects.visible_to(request.user), audit_id))
