"""The maintenance fund's permission spec (issue 16): the API (/api/v1/funds…) and the pages, on
the demo's sample ledgers (the estate of yeweihui and yezhu: every home's sub-account, its
deposits, interest and public revenue) and a small world built per test: three applications of
yeweihui's committee (an ordinary draft, an emergency draft, an emergency authorised) and a
published half-year statement.

Who sees what, restated by hand from issue 16 (not read from ``funds/scopes.py``): the bureau
(admin) and auditors every estate's books; a town office its town's estates (zhujing's town has
no ledger in the sample, so zhujing sees none); the owners' committee its estate's; an owner the
sub-accounts of their own homes and the postings on them, and their estate's statements and
applications once filed (not drafts); a neighbourhood committee only its estates' statements; a
property company and the IT administrators nothing. Who may write: postings the bureau (public
revenue also the committee); applications and statements the committee; the steps of an
application as the workflow's table says (a price review the bureau or town office, an emergency
authorisation the committee, a payment the committee or the reviewer). Figures and the
re-collection watch: the bureau, auditors and town offices.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from fangguan.funds import services
from fangguan.funds.models import Account, Application, AuditReport, Posting, Statement
from fangguan.registry import models as rm
from tests.kit.permissions import Case, api_ids, api_page, demo_users, expect, link_ids, page_of
from tests.kit.permissions import world as built

ALL = "all"
NOBODY = {"wuye", "sysadmin", "secadmin", "auditadmin"}  # no grant on the fund's books at all
NOT_FOUND = dict.fromkeys(["zhujing", "juweihui", "wuye", "sysadmin", "secadmin", "auditadmin"], 404)
# the same readers when the record is named in a body (an upload's account or estate, an
# application's management area, a statement's estate): bad input, 422
UNKNOWN_REF = dict.fromkeys(NOT_FOUND, 422)


def world() -> dict:
    users = demo_users()
    committee = users["yeweihui"].memberships.get().organisation.owners_committee
    area, ywh = committee.area, users["yeweihui"]

    def apply(title, emergency=""):
        return services.application_create(actor=ywh, area=area, title=title, parts="二次供水水泵", scope_kind="area",
                                           scope={}, estimate_fen=600000, emergency=emergency)

    w = {"users": users, "area": area, "estate": area.estate,
         "draft": apply("更换水泵（草稿）"), "urgent": apply("电梯停运抢修", emergency="lift"),
         "emergency": services.act(ywh, apply("水泵抢修", emergency="pump"), "authorise_emergency"),
         "statement": services.statement_publish(actor=ywh, estate=area.estate, ledger_name="fund",
                                                 day=dt.date(2025, 3, 1)),
         "audit": services.audit_post(actor=ywh, estate=area.estate, kind="annual", period_start=dt.date(2024, 1, 1),
                                      period_end=dt.date(2024, 12, 31), auditor="金山审计事务所", upload=_pdf())}
    # a vote on using the fund still being drafted: the committee's, not yet its owners'
    from fangguan.votes import services as votes

    now = timezone.now()
    w["vote"] = votes.vote_create(actor=ywh, area=area, matter="fund_use", title="动用维修资金（草稿）",
                                  scope_kind="area", scope={}, opens_at=now + dt.timedelta(days=1),
                                  closes_at=now + dt.timedelta(days=8))
    w["home"] = Account.objects.get(kind="home", home_id=min(_own_homes(users["yezhu"])))
    w["bank"] = Account.objects.get(kind="bank", estate=area.estate)
    w["revenue"] = Account.objects.get(kind="revenue", area=area)
    w["revenue_bank"] = Account.objects.get(kind="revenue_bank", area=area)
    w["deposit"] = Posting.objects.get(key=f"deposit:{w['home'].home_id}")
    return w


def _w() -> dict:
    return built()


# --- The oracles: the spec's own queries ----------------------------------------------------------


def _own_homes(user) -> set:
    today = timezone.localdate()
    return set(rm.HomeShare.objects.filter(person__user=user, since__lte=today)
               .filter(Q(until__isnull=True) | Q(until__gt=today)).values_list("home_id", flat=True))


def _own_estates(user) -> set:
    return set(rm.Home.objects.filter(pk__in=_own_homes(user)).values_list("building__estate_id", flat=True))


def _staff_estates(role, user, *, statements=False):
    """The estates whose books the role reads as staff (ALL for the bureau and auditors)."""
    if role in ("admin", "auditor"):
        return ALL
    org = user.memberships.get().organisation if role in ("zhujing", "juweihui", "yeweihui") else None
    if role == "zhujing":
        return set(rm.Estate.objects.filter(town_id=org.town_id).values_list("pk", flat=True))
    if role == "yeweihui":
        return {org.owners_committee.area.estate_id}
    if role == "juweihui" and statements:
        return set(rm.Estate.objects.filter(neighbourhood_id=org.neighbourhood_id).values_list("pk", flat=True))
    return set()


def home_accounts(role, user) -> set:
    qs = Account.objects.filter(kind="home")
    staff = _staff_estates(role, user)
    if staff == ALL:
        return set(qs.values_list("pk", flat=True))
    return set(qs.filter(Q(estate_id__in=staff) | Q(home_id__in=_own_homes(user))).values_list("pk", flat=True))


def applications(role, user) -> set:
    staff = _staff_estates(role, user)
    if staff == ALL:
        return set(Application.objects.values_list("pk", flat=True))
    filed = ~Q(status__in=("drafted", "withdrawn"))
    return set(Application.objects.filter(Q(estate_id__in=staff) | (Q(estate_id__in=_own_estates(user)) & filed))
               .values_list("pk", flat=True))


def statements(role, user) -> set:
    staff = _staff_estates(role, user, statements=True)
    if staff == ALL:
        return set(Statement.objects.values_list("pk", flat=True))
    return set(Statement.objects.filter(estate_id__in=staff | _own_estates(user)).values_list("pk", flat=True))


def audits(role, user) -> set:
    """Audit reports: staff who read the estate's statements, all; its owners, those posted today
    (posted for 30 days from the day they are posted)."""
    staff = _staff_estates(role, user, statements=True)
    if staff == ALL:
        return set(AuditReport.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    posted = Q(estate_id__in=_own_estates(user), posted_on__lte=today, posted_on__gt=today - dt.timedelta(days=30))
    return set(AuditReport.objects.filter(Q(estate_id__in=staff) | posted).values_list("pk", flat=True))


def late_audits(role, user) -> set:
    """Estates late with their annual audit, restated from the tables: the rule in force today gives
    the due day, ``annual_audit_due_days`` after 31 December; the last year whose due day has passed
    (on the day itself still in time); estates with fund books the reader sees, delivered by that
    year's 1 January, without an annual report whose period ends in it."""
    from fangguan.funds.models import FundRule

    today = timezone.localdate()
    rule = FundRule.objects.filter(effective_from__lte=today).order_by("-effective_from").first()
    year = today.year - 1
    if today <= dt.date(year, 12, 31) + dt.timedelta(days=rule.annual_audit_due_days):
        year -= 1
    books = set(Account.objects.filter(kind="bank").values_list("estate_id", flat=True))
    staff = _staff_estates(role, user)
    books = books if staff == ALL else books & staff
    audited = set(AuditReport.objects.filter(kind="annual", period_end__year=year).values_list("estate_id", flat=True))
    return {pk for pk, delivered in rm.Estate.objects.filter(pk__in=books - audited).values_list("pk", "delivered_on")
            if delivered is None or delivered <= dt.date(year, 1, 1)}


def figure_estates(role, user) -> set:
    """Figures by estate: every estate with a ledger the reader sees (bureau, auditors, town offices)."""
    with_ledger = set(Account.objects.values_list("estate_id", flat=True))
    staff = _staff_estates(role, user)
    return with_ledger if staff == ALL else with_ledger & staff


# --- Targets and snapshots -----------------------------------------------------------------------


def p(fmt: str, key: str):
    return lambda: fmt.format(pk=_w()[key].pk)


def _app_state(key):
    def snap():
        a = Application.objects.get(pk=_w()[key].pk)
        return a.status, a.paid_fen, a.reviewed_fen, a.events.count()

    return snap


def _balances():
    keys = ("home", "bank", "revenue", "revenue_bank")
    return tuple(Account.objects.filter(pk__in=[_w()[k].pk for k in keys]).order_by("pk")
                 .values_list("pk", "balance_fen"))


def _statements():
    return tuple(Statement.objects.filter(estate=_w()["estate"]).order_by("pk").values_list("pk", "ledger"))


# The demo accounts that see each target, restated: yezhu's own sub-account; the estate's bank
# account (staff only); a filed application (its estate's owners too); a draft (staff only).
OWN_ACCOUNT = expect(200, **NOT_FOUND)
STAFF_ONLY = expect(200, yezhu=404, **NOT_FOUND)
FILED = expect(200, **NOT_FOUND)
DRAFT = STAFF_ONLY
FIGURES = expect(403, admin=200, auditor=200, zhujing=200)


def _statement_csv():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("statement.csv", "交易日期,金额(元),流水号,摘要\n2025-03-05,100.00,KIT-1,缴存\n".encode(),
                              content_type="text/csv")


def _pdf(name="audit.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _audits():
    return tuple(AuditReport.objects.order_by("pk").values_list("pk", "estate_id", "kind", "period_start"))


def _audit_body():
    return {"estate": _w()["estate"].pk, "kind": "end_of_term", "period_start": "2020-06-01",
            "period_end": "2025-05-31", "auditor": "金山审计事务所", "file": _pdf()}


STATEMENT_READERS = expect(200, zhujing=404, wuye=404, sysadmin=404, secadmin=404, auditadmin=404)


def _bank_lines():
    from fangguan.funds.models import BankLine

    return tuple(BankLine.objects.order_by("pk").values_list("pk", "account_id", "amount_fen"))


def _applications():
    return tuple(Application.objects.order_by("pk").values_list("pk", "estate_id", "status"))


def _application_body():
    return {"area": _w()["area"].pk, "title": "更换2号楼屋面防水", "parts": "2号楼屋面", "scope": {"area": _w()["area"].pk},
            "estimate_fen": 1200000}


SPEC = [
    # --- sub-accounts
    Case("GET", "api/v1/funds/accounts", "/api/v1/funds/accounts", expect(200), query={"limit": 500},
         rows=home_accounts, got=api_page),
    Case("GET", "api/v1/funds/accounts/<int:account_id>", p("/api/v1/funds/accounts/{pk}", "home"), OWN_ACCOUNT),
    Case("GET", "api/v1/funds/accounts/<int:account_id>", p("/api/v1/funds/accounts/{pk}", "bank"), STAFF_ONLY,
         label="the estate's bank account"),
    # --- postings: the bureau's adjustment; an account the caller cannot see reads as unknown (422)
    Case("POST", "api/v1/funds/postings", "/api/v1/funds/postings",
         expect(422, admin=201, auditor=403, yeweihui=403),
         data=lambda: {"key": "kit-adjust", "kind": "adjustment", "memo": "更正",
                       "entries": [{"account": _w()["bank"].pk, "amount_fen": 500},
                                   {"account": _w()["home"].pk, "amount_fen": -500}]},
         snapshot=_balances),
    Case("POST", "api/v1/funds/postings", "/api/v1/funds/postings",
         expect(422, admin=201, auditor=403, yeweihui=201),
         data=lambda: {"key": "kit-revenue", "kind": "revenue_income", "memo": "停车费",
                       "entries": [{"account": _w()["revenue_bank"].pk, "amount_fen": 30000},
                                   {"account": _w()["revenue"].pk, "amount_fen": -30000}]},
         snapshot=_balances, label="public revenue"),
    Case("POST", "api/v1/funds/postings/<int:posting_id>/reverse", p("/api/v1/funds/postings/{pk}/reverse", "deposit"),
         expect(403, admin=201, **NOT_FOUND), data={"reason": "录入错误"}, snapshot=_balances),
    # --- applications
    Case("GET", "api/v1/funds/applications", "/api/v1/funds/applications", expect(200), query={"limit": 500},
         rows=applications, got=api_page),
    # the area named in the body: of an estate whose applications the caller sees (its owners
    # too: 403), else unknown (422)
    Case("POST", "api/v1/funds/applications", "/api/v1/funds/applications",
         expect(403, yeweihui=201, **UNKNOWN_REF), data=lambda: _application_body(), snapshot=_applications),
    Case("GET", "api/v1/funds/applications/<int:application_id>",
         p("/api/v1/funds/applications/{pk}", "emergency"), FILED),
    Case("GET", "api/v1/funds/applications/<int:application_id>",
         p("/api/v1/funds/applications/{pk}", "draft"), DRAFT, label="draft"),
    Case("POST", "api/v1/funds/applications/<int:application_id>/actions",
         p("/api/v1/funds/applications/{pk}/actions", "draft"), expect(403, yezhu=404, admin=200, **NOT_FOUND),
         data={"action": "review_price", "reviewed_fen": 550000}, snapshot=_app_state("draft"), label="review_price"),
    Case("POST", "api/v1/funds/applications/<int:application_id>/actions",
         p("/api/v1/funds/applications/{pk}/actions", "urgent"), expect(403, yezhu=404, yeweihui=200, **NOT_FOUND),
         data={"action": "authorise_emergency", "note": "电梯困人"}, snapshot=_app_state("urgent"),
         label="authorise_emergency"),
    Case("POST", "api/v1/funds/applications/<int:application_id>/actions",
         p("/api/v1/funds/applications/{pk}/actions", "emergency"),
         expect(403, admin=200, yeweihui=200, **NOT_FOUND),
         data={"action": "pay", "amount_fen": 100000}, snapshot=_app_state("emergency"), label="pay"),
    Case("POST", "api/v1/funds/applications/<int:application_id>/actions",
         p("/api/v1/funds/applications/{pk}/actions", "emergency"), expect(403, yeweihui=409, **NOT_FOUND),
         data={"action": "publish", "notice": "公告"}, snapshot=_app_state("emergency"), label="publish: wrong state"),
    # the vote named in the body: a draft its owners do not see yet — unknown to the owner (422)
    # before the step is refused or out of turn
    Case("POST", "api/v1/funds/applications/<int:application_id>/actions",
         p("/api/v1/funds/applications/{pk}/actions", "emergency"), expect(403, yeweihui=409, yezhu=422, **NOT_FOUND),
         data=lambda: {"action": "put_to_vote", "vote": _w()["vote"].pk}, snapshot=_app_state("emergency"),
         label="put_to_vote: a draft vote"),
    # --- statements and figures
    Case("GET", "api/v1/funds/statements", "/api/v1/funds/statements", expect(200), query={"limit": 500},
         rows=statements, got=api_page),
    # the estate named in the body: one whose statements the caller sees (a neighbourhood committee
    # and owners too: 403), else unknown (422)
    Case("POST", "api/v1/funds/statements", "/api/v1/funds/statements",
         expect(403, yeweihui=201, **{**UNKNOWN_REF, "juweihui": 403}),
         data=lambda: {"estate": _w()["estate"].pk, "ledger": "revenue", "day": "2025-05-01"}, snapshot=_statements),
    Case("GET", "api/v1/funds/figures", "/api/v1/funds/figures", FIGURES, query={"group_by": "estate"},
         rows=figure_estates, got=api_ids),
    # --- bank statements: the fund's bank account is the bureau's to import; public revenue's also
    # the committee's (an account the caller cannot see, named in the body: 422); reading the
    # reconciliation: whoever sees the estate's bank account (in the query: 404)
    Case("POST", "api/v1/funds/bank-statements", "/api/v1/funds/bank-statements",
         expect(403, admin=201, yezhu=422, **UNKNOWN_REF), multipart=True,
         data=lambda: {"account": _w()["bank"].pk, "file": _statement_csv()}, snapshot=_bank_lines),
    Case("POST", "api/v1/funds/bank-statements", "/api/v1/funds/bank-statements",
         expect(403, admin=201, yeweihui=201, yezhu=422, **UNKNOWN_REF), multipart=True,
         data=lambda: {"account": _w()["revenue_bank"].pk, "file": _statement_csv()}, snapshot=_bank_lines,
         label="public revenue"),
    Case("GET", "api/v1/funds/reconciliation", "/api/v1/funds/reconciliation", STAFF_ONLY,
         query=lambda: {"account": _w()["bank"].pk, "month": "2025-03"}),
    Case("GET", "funds/reconciliation/", "/funds/reconciliation/", expect(200),
         query=lambda: {"account": _w()["bank"].pk, "month": "2025-03"}),
    # an import refused answers with the page and a message: only the bureau's writes anything
    Case("POST", "funds/reconciliation/", "/funds/reconciliation/", expect(302), may_change={"admin"},
         data=lambda: {"account": _w()["bank"].pk, "file": _statement_csv()}, snapshot=_bank_lines),
    # --- audit reports: posting them the committee (or its bookkeeper) and the bureau; an estate
    # whose fund books the caller cannot see reads as unknown (named in the body: 422)
    Case("GET", "api/v1/funds/audits", "/api/v1/funds/audits", expect(200), query={"limit": 500},
         rows=audits, got=api_page),
    Case("POST", "api/v1/funds/audits", "/api/v1/funds/audits", expect(403, admin=201, yeweihui=201, yezhu=422,
                                                                         **UNKNOWN_REF),
         multipart=True, data=_audit_body, snapshot=_audits),
    # the estates late with their annual audit: the figure readers' list, in the estates they read
    Case("GET", "api/v1/funds/audits/late", "/api/v1/funds/audits/late", FIGURES, query={"limit": 500},
         rows=late_audits, got=api_page),
    Case("GET", "api/v1/funds/audits/<int:audit_id>/file", p("/api/v1/funds/audits/{pk}/file", "audit"),
         STATEMENT_READERS),
    Case("GET", "funds/audits/", "/funds/audits/", expect(200), rows=audits,
         got=page_of(link_ids(r'href="/funds/audits/(\d+)/file/"'), 300)),
    Case("POST", "funds/audits/", "/funds/audits/", expect(302), may_change={"admin", "yeweihui"},
         data=_audit_body, snapshot=_audits),
    Case("GET", "funds/audits/<int:pk>/file/", p("/funds/audits/{pk}/file/", "audit"), STATEMENT_READERS),
    # --- pages
    Case("GET", "funds/", "/funds/", expect(200), rows=home_accounts,
         got=page_of(link_ids(r'href="/funds/accounts/(\d+)/"'), 500)),
    Case("GET", "funds/accounts/<int:pk>/", p("/funds/accounts/{pk}/", "home"), OWN_ACCOUNT),
    Case("GET", "funds/accounts/<int:pk>/", p("/funds/accounts/{pk}/", "bank"), STAFF_ONLY,
         label="the estate's bank account"),
    Case("GET", "funds/applications/", "/funds/applications/", expect(200), rows=applications,
         got=page_of(link_ids(r'href="/funds/applications/(\d+)/"'), 300)),
    Case("GET", "funds/applications/new/", "/funds/applications/new/", expect(403, yeweihui=200)),
    Case("POST", "funds/applications/new/", "/funds/applications/new/", expect(403, yeweihui=302),
         data=lambda: {"area": _w()["area"].pk, "title": "更换2号楼屋面防水", "parts": "2号楼屋面",
                       "scope_kind": "area", "estimate": "12,000.00"}),
    Case("GET", "funds/applications/<int:pk>/", p("/funds/applications/{pk}/", "emergency"), FILED),
    Case("GET", "funds/applications/<int:pk>/", p("/funds/applications/{pk}/", "draft"), DRAFT, label="draft"),
    Case("GET", "funds/applications/<int:pk>/act/", p("/funds/applications/{pk}/act/", "urgent"), expect(405)),
    # a refused step answers with the page and a message: only the committee's changes anything
    Case("POST", "funds/applications/<int:pk>/act/", p("/funds/applications/{pk}/act/", "urgent"),
         expect(302, yezhu=404, **NOT_FOUND), data={"action": "authorise_emergency"}, may_change={"yeweihui"},
         snapshot=_app_state("urgent")),
    Case("POST", "funds/applications/<int:pk>/act/", p("/funds/applications/{pk}/act/", "emergency"),
         expect(302, **NOT_FOUND), data={"action": "pay", "amount": "1,000.00"}, may_change={"admin", "yeweihui"},
         snapshot=_app_state("emergency"), label="pay"),
    Case("GET", "funds/statements/", "/funds/statements/", expect(200), rows=statements,
         got=page_of(link_ids(r'href="/funds/statements/(\d+)/"'), 300)),
    # publishing: refused with a message on the list; only the committee publishes
    Case("POST", "funds/statements/", "/funds/statements/", expect(302), may_change={"yeweihui"},
         data=lambda: {"estate": _w()["estate"].pk, "ledger": "revenue", "day": "2025-05-01"}, snapshot=_statements),
    Case("GET", "funds/statements/<int:pk>/", p("/funds/statements/{pk}/", "statement"),
         expect(200, zhujing=404, wuye=404, sysadmin=404, secadmin=404, auditadmin=404)),
    Case("GET", "funds/figures/", "/funds/figures/", FIGURES),
    Case("GET", "funds/recollection/", "/funds/recollection/", FIGURES),
]
