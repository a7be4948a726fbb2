"""The maintenance fund and public revenue as a double-entry ledger in integer fen.

Accounts (Shanghai 2020 rules Art. 66: 按幢立账、按户核算): a sub-account per home (its building
recorded, so a building's ledger is the sum of its homes'), a fund bank account per estate, and per
management area a public-revenue account and its bank account — the revenue ledger kept apart
(Art. 51 ¶2). A posting is a set of entries, signed (debit positive), that sum to zero. Postings and
entries are only ever added: the database refuses UPDATE and DELETE (triggers installed by
migration 0002); a correction is a reversing posting with its reason. Each account keeps its
running balance, written under the account's row lock by ``ledger.post`` (tests check that it
always equals the sum of its entries); a balance on any date is the sum of entries up to it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.models import ScopedRecord
from fangguan.core.rollups import RollupCell
from fangguan.core.scopes import ScopedQuerySet

from .choices import (
    CREDIT_NORMAL,
    LEDGER_OF,
    AccountKind,
    AuditKind,
    BuildingClass,
    Emergency,
    EventKind,
    Ledger,
    PostingKind,
    RecollectionStatus,
    ScopeKind,
    Status,
)

BP = [MinValueValidator(0), MaxValueValidator(10000)]  # basis points: 10000 = 100%


class FundRuleQuerySet(ScopedQuerySet):
    def in_force(self, day) -> FundRule | None:
        """The parameters in force on ``day``: the latest version taking effect on or before it."""
        return self.filter(effective_from__lte=day).order_by("-effective_from").first()


class FundRule(ScopedRecord):
    """The fund's parameters from a date — a versioned parameter the bureau edits: the city's
    per-㎡ cost price and the deposit shares (沪府令91号 Art. 6; 售后公房 1994 rules Art. 13), the
    re-collection line and its periods (Shanghai 2020 rules Art. 65), the emergency approval
    period (Art. 73), the disclosure periods (Art. 66 ¶2), the share of public revenue that goes
    into the fund (Art. 51 ¶3: more than it), the days an audit is posted (Art. 67 ¶2) and the
    days after a year's end by which its annual audit is expected (not set by the rules)."""

    audit_name = "fundrule"
    effective_from = models.DateField(_("in force from"), unique=True)
    cost_price_fen_per_m2 = models.PositiveIntegerField(_("cost price per ㎡ (fen)"))
    lift_seller_bp = models.PositiveIntegerField(_("with a lift: developer's share (‱)"), validators=BP)
    lift_buyer_bp = models.PositiveIntegerField(_("with a lift: buyer's share (‱)"), validators=BP)
    no_lift_seller_bp = models.PositiveIntegerField(_("without a lift: developer's share (‱)"), validators=BP)
    no_lift_buyer_bp = models.PositiveIntegerField(_("without a lift: buyer's share (‱)"), validators=BP)
    sold_public_buyer_bp = models.PositiveIntegerField(_("sold public housing: buyer's share (‱)"), validators=BP)
    sold_public_multi_seller_bp = models.PositiveIntegerField(_("sold public housing, multi-storey: seller's share (‱)"),
                                                              validators=BP)
    sold_public_high_seller_bp = models.PositiveIntegerField(_("sold public housing, high-rise: seller's share (‱)"),
                                                             validators=BP)
    recollect_below_bp = models.PositiveIntegerField(_("re-collection below (‱ of the initial deposit)"), validators=BP)
    decide_days = models.PositiveIntegerField(_("days for the assembly's decision"))
    top_up_to_bp = models.PositiveIntegerField(_("top up to (‱ of the initial deposit)"), validators=BP)
    top_up_days = models.PositiveIntegerField(_("days to top up"))
    emergency_days = models.PositiveIntegerField(_("days for the committee to approve an emergency repair"))
    fund_statement_months = models.PositiveIntegerField(_("fund statement every (months)"))
    revenue_statement_months = models.PositiveIntegerField(_("public revenue statement every (months)"))
    revenue_transfer_bp = models.PositiveIntegerField(_("public revenue into the fund: more than (‱)"), validators=BP)
    audit_posting_days = models.PositiveIntegerField(_("days an audit report is posted"))
    # Art. 67 requires the yearly audit without a day: 120 (the end of April) is this system's
    # default, for the bureau to set — the day after which an estate is listed as late
    annual_audit_due_days = models.PositiveIntegerField(_("days after the year's end to post its annual audit"),
                                                        default=120)
    basis = models.CharField(_("legal basis"), max_length=300)

    objects = FundRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund parameters")
        verbose_name_plural = _("fund parameters")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.effective_from}"

    def shares_bp(self, klass: str) -> tuple[int, int]:
        """(seller's or developer's share, buyer's share) for a building class."""
        return {
            BuildingClass.LIFT: (self.lift_seller_bp, self.lift_buyer_bp),
            BuildingClass.NO_LIFT: (self.no_lift_seller_bp, self.no_lift_buyer_bp),
            BuildingClass.SOLD_PUBLIC_MULTI: (self.sold_public_multi_seller_bp, self.sold_public_buyer_bp),
            BuildingClass.SOLD_PUBLIC_HIGH: (self.sold_public_high_seller_bp, self.sold_public_buyer_bp),
        }[klass]


class Account(ScopedRecord):
    """One account of a ledger. ``balance_fen`` is the running balance on its normal side (what
    the owners hold for a sub-account), kept by ``ledger.post`` under this row's lock."""

    audit_name = "fundaccount"
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_accounts")
    area = models.ForeignKey("registry.ManagementArea", verbose_name=_("management area"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="fund_accounts")
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="fund_accounts")
    home = models.ForeignKey("registry.Home", verbose_name=_("home"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="fund_accounts")
    building_class = models.CharField(_("rated as"), max_length=20, choices=BuildingClass.choices, blank=True)
    opened_on = models.DateField(_("opened on"))
    initial_fen = models.BigIntegerField(_("initial deposit (fen)"), default=0)
    balance_fen = models.BigIntegerField(_("balance (fen)"), default=0)

    class Meta:
        verbose_name = _("fund account")
        verbose_name_plural = _("fund accounts")
        ordering = ["estate_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["home"], condition=Q(kind=AccountKind.HOME), name="fundaccount_one_per_home"),
            models.UniqueConstraint(fields=["estate"], condition=Q(kind=AccountKind.BANK),
                                    name="fundaccount_one_bank_per_estate"),
            models.UniqueConstraint(fields=["area", "kind"],
                                    condition=Q(kind__in=[AccountKind.REVENUE, AccountKind.REVENUE_BANK]),
                                    name="fundaccount_revenue_per_area"),
            models.CheckConstraint(name="fundaccount_home_has_home",
                                   condition=~Q(kind=AccountKind.HOME) | Q(home__isnull=False, building__isnull=False)),
        ]
        indexes = [models.Index(fields=["estate", "kind"], name="fundaccount_estate_kind")]

    def __str__(self) -> str:
        if self.kind == AccountKind.HOME and self.home_id:
            return f"{self.home}"
        return f"{self.estate.name} · {self.get_kind_display()}" + (f" · {self.area.name}" if self.area_id else "")

    @property
    def name(self) -> str:
        return str(self)

    @property
    def ledger(self) -> str:
        return LEDGER_OF[self.kind]

    @property
    def sign(self) -> int:
        """+1 for a debit-normal account, −1 for a credit-normal one: balance = sign × Σ entries."""
        return -1 if self.kind in CREDIT_NORMAL else 1


class Posting(models.Model):
    """A balanced set of entries, posted once per ``key`` (idempotent). Never changed: the
    database refuses UPDATE and DELETE; ``reverses`` names the posting a reversal corrects."""

    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PostingKind.choices)
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_postings")
    on = models.DateField(_("value date"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    application = models.ForeignKey("Application", verbose_name=_("application"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="postings")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("posted at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["estate", "on"], name="posting_estate_on")]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()} {self.memo}".strip()


class Entry(models.Model):
    """One line of a posting: a signed amount (debit positive) on one account, on the posting's
    date. Never changed (database triggers)."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField(_("amount (fen, debit positive)"))
    on = models.DateField(_("value date"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["on", "id"]
        constraints = [models.CheckConstraint(name="entry_not_zero", condition=~Q(amount_fen=0))]
        indexes = [models.Index(fields=["account", "on"], name="entry_account_on"),
                   models.Index(fields=["on"], name="entry_on")]  # the current month's entries (``periods``)

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"


class MonthBalance(RollupCell):
    """The stored period balances (``funds.periods``): per estate and calendar month (``day`` is
    the month's first day), the signed sum of the month's entries on each kind of account, and
    how many entries. Written only by ``ledger.post`` in the posting's transaction (through
    ``core.rollups.add``) and by ``periods.rebuild`` after bulk loads; tests check that the cells
    always equal the sums of the entries."""

    estate = models.ForeignKey("registry.Estate", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    home_fen = models.BigIntegerField(default=0)
    bank_fen = models.BigIntegerField(default=0)
    revenue_fen = models.BigIntegerField(default=0)
    revenue_bank_fen = models.BigIntegerField(default=0)
    entries = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("month of a ledger")
        verbose_name_plural = _("months of the ledgers")
        constraints = [models.UniqueConstraint(fields=["day", "estate"], name="funds_month_cell")]

    def __str__(self) -> str:
        return f"{self.estate_id} · {self.day:%Y-%m}"


class Engagement(ScopedRecord):
    """An estate's owners' assembly engages a bookkeeping firm (代理记账机构) for a period: the firm
    keeps those books and sees nothing else."""

    audit_name = "fundengagement"
    firm = models.ForeignKey("accounts.Organisation", verbose_name=_("bookkeeping firm"), on_delete=models.PROTECT,
                             related_name="engagements")
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="bookkeeping_engagements")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("bookkeeping engagement")
        verbose_name_plural = _("bookkeeping engagements")
        ordering = ["-since", "id"]

    def __str__(self) -> str:
        return f"{self.firm} · {self.estate}"

    @property
    def name(self) -> str:
        return str(self)

    def clean(self) -> None:
        from fangguan.accounts.choices import OrgKind

        errors = {}
        if self.firm_id and self.firm.kind != OrgKind.BOOKKEEPER:
            errors["firm"] = _("Name a bookkeeping firm.")
        if self.until and self.since and self.until < self.since:
            errors["until"] = _("The end cannot come before the start.")
        if errors:
            raise ValidationError(errors)


class Application(ScopedRecord):
    """An application to use the fund: the parts to repair and the homes that pay, the estimate,
    the reviewed price, the vote that decided it, payments and the final cost. Its life is
    ``machine.TABLE``."""

    audit_name = "fundapplication"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_applications")
    area = models.ForeignKey("registry.ManagementArea", verbose_name=_("management area"), on_delete=models.PROTECT,
                             related_name="fund_applications")
    title = models.CharField(_("title"), max_length=200)
    parts = models.TextField(_("parts to repair"), max_length=2000)
    scope_kind = models.CharField(_("homes that pay"), max_length=10, choices=ScopeKind.choices)
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    homes = models.JSONField(_("paying homes"), default=list, blank=True)
    estimate_fen = models.BigIntegerField(_("estimated cost (fen)"), validators=[MinValueValidator(1)])
    reviewed_fen = models.BigIntegerField(_("reviewed price (fen)"), null=True, blank=True,
                                          validators=[MinValueValidator(1)])
    final_fen = models.BigIntegerField(_("final cost (fen)"), null=True, blank=True, validators=[MinValueValidator(0)])
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    emergency = models.CharField(_("emergency"), max_length=10, choices=Emergency.choices, blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFTED,
                              db_index=True)
    filed_on = models.DateField(_("filed on"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT,
                                  related_name="+")
    vote = models.ForeignKey("votes.Vote", verbose_name=_("vote"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="fund_applications")
    contractor = models.CharField(_("contractor"), max_length=200, blank=True)
    notice = models.TextField(_("notice"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("application to use the fund")
        verbose_name_plural = _("applications to use the fund")
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["estate", "status"], name="fundapp_estate_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def name(self) -> str:
        return self.title

    @property
    def cost_fen(self) -> int:
        """What is apportioned: the final cost once settled, else the reviewed price, else the estimate."""
        for value in (self.final_fen, self.reviewed_fen, self.estimate_fen):
            if value is not None:
                return value
        return 0

    def clean(self) -> None:
        errors = {}
        if self.area_id and self.estate_id and self.area.estate_id != self.estate_id:
            errors["area"] = _("The management area is not in this estate.")
        if self.final_fen is None and self.paid_fen > self.cost_fen:
            errors["paid_fen"] = _("Payments cannot exceed the reviewed price before settlement.")
        if errors:
            raise ValidationError(errors)


class ApplicationEvent(models.Model):
    """A step in an application's life (its history); never changed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class Recollection(ScopedRecord):
    """Re-collection (续筹) of an estate: opened when a household's balance first falls below the
    line; the assembly has ``decide_days`` to decide; without a decision the owners concerned are
    notified to top up within ``top_up_days`` (Shanghai 2020 rules Art. 65 ¶3)."""

    audit_name = "fundrecollection"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_recollections")
    rule = models.ForeignKey(FundRule, verbose_name=_("parameters applied"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RecollectionStatus.choices,
                              default=RecollectionStatus.AWAITING_DECISION)
    opened_on = models.DateField(_("below the line since"))
    decide_by = models.DateField(_("assembly to decide by"))
    vote = models.ForeignKey("votes.Vote", verbose_name=_("vote"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    notified_on = models.DateField(_("owners notified on"), null=True, blank=True)
    top_up_by = models.DateField(_("top up by"), null=True, blank=True)
    closed_on = models.DateField(pgettext_lazy("re-collection", "closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-collection")
        verbose_name_plural = _("re-collections")
        ordering = ["-opened_on", "id"]
        constraints = [models.UniqueConstraint(fields=["estate"], condition=~Q(status=RecollectionStatus.CLOSED),
                                               name="recollection_one_open_per_estate")]

    def __str__(self) -> str:
        return f"{self.estate} · {self.opened_on}"

    @property
    def name(self) -> str:
        return str(self)


class Statement(models.Model):
    """A disclosure statement an estate published for one ledger and period: opening and closing
    balances, income and spending by kind, each household's balance with the owner masked. Never
    changed once published (database triggers); ``digest`` covers its figures."""

    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_statements")
    ledger = models.CharField(_("ledger"), max_length=10, choices=Ledger.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    opening_fen = models.BigIntegerField(_("opening balance (fen)"))
    income_fen = models.BigIntegerField(_("income (fen)"))
    spending_fen = models.BigIntegerField(_("spending (fen)"))
    closing_fen = models.BigIntegerField(_("closing balance (fen)"))
    lines = models.JSONField(pgettext_lazy("statement", "items"), default=list)
    households = models.JSONField(_("households"), default=list)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure statement")
        verbose_name_plural = _("disclosure statements")
        ordering = ["-period_end", "ledger", "id"]
        constraints = [models.UniqueConstraint(fields=["estate", "ledger", "period_start", "period_end"],
                                               name="statement_unique_period")]

    def __str__(self) -> str:
        return f"{self.estate} · {self.get_ledger_display()} · {self.period_start}–{self.period_end}"

    @property
    def name(self) -> str:
        return str(self)


class BankLine(models.Model):
    """One line of the bank's statement of a fund or public-revenue bank account, as imported
    (``funds.bank``): the day, the signed amount (money in positive, out negative, in fen) and the
    bank's own serial number. Reconciliation (``funds.bank.reconcile``) sets these against the
    ledger's entries on the same account. A line is never changed; the serial is unique per
    account, so importing the same statement twice adds nothing."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="bank_lines")
    on = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("bank serial number"), max_length=64)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["account", "on", "reference", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "reference"], name="bankline_unique_reference")]
        indexes = [models.Index(fields=["account", "on"], name="bankline_account_on")]

    def __str__(self) -> str:
        return f"{self.account} · {self.on} · {self.reference}"


def _audit_path(instance, filename: str) -> str:
    return f"funds/audits/{instance.estate_id}/{instance.kind}-{instance.period_end:%Y%m%d}-{instance.digest[:12]}.pdf"


class AuditReport(models.Model):
    """An annual or end-of-term audit report of an estate's fund, attached as a PDF and posted to
    the owners for the parameter's days (Shanghai 2020 rules Art. 67 ¶2: 30 days) — from
    ``posted_on`` through ``posted_until``, both included. Never changed once posted (database
    triggers); ``digest`` is the SHA-256 of the file."""

    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="fund_audits")
    kind = models.CharField(_("kind"), max_length=12, choices=AuditKind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    auditor = models.CharField(_("audit firm"), max_length=200)
    file = models.FileField(_("report (PDF)"), upload_to=_audit_path, max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    digest = models.CharField(max_length=64)
    posted_on = models.DateField(_("posted on"))
    posted_until = models.DateField(_("posted until"))
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("posted at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "kind", "period_start", "period_end"],
                                    name="auditreport_unique_period"),
            models.CheckConstraint(name="auditreport_period_order", condition=Q(period_end__gte=models.F("period_start"))),
            models.CheckConstraint(name="auditreport_posting_order",
                                   condition=Q(posted_until__gte=models.F("posted_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.estate} · {self.get_kind_display()} · {self.period_start}–{self.period_end}"

    @property
    def name(self) -> str:
        return str(self)

    def on_board(self, day) -> bool:
        """Posted on ``day`` (the owners see it on their estate's page)."""
        return self.posted_on <= day <= self.posted_until
