"""Kinds of ledger accounts and postings, and the states of an application to use the fund,
of a re-collection and of a statement."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Ledger(models.TextChoices):
    """The maintenance fund and public revenue are kept apart (Shanghai 2020 rules Art. 51 ¶2)."""

    FUND = "fund", _("maintenance fund")
    REVENUE = "revenue", _("public revenue")


class AccountKind(models.TextChoices):
    """Accounts of the two ledgers. Amounts are signed, debit positive; a posting's entries sum to
    zero. Sub-accounts of homes and the revenue account hold what belongs to owners (credit
    balances); the bank accounts hold the money (debit balances)."""

    HOME = "home", _("household sub-account")  # 分户账: one per home (Art. 66: 按户核算)
    BANK = "bank", _("fund bank account")  # 专户: one per estate
    REVENUE = "revenue", _("public revenue account")  # one per management area (Art. 51: 单独列账)
    REVENUE_BANK = "revenue_bank", _("public revenue bank account")  # one per management area


LEDGER_OF = {AccountKind.HOME: Ledger.FUND, AccountKind.BANK: Ledger.FUND,
             AccountKind.REVENUE: Ledger.REVENUE, AccountKind.REVENUE_BANK: Ledger.REVENUE}
# A credit-normal account shows the negated sum of its entries as its balance.
CREDIT_NORMAL = {AccountKind.HOME, AccountKind.REVENUE}


class PostingKind(models.TextChoices):
    DEPOSIT = "deposit", _("initial deposit")
    TOP_UP = "top_up", _("top-up")
    INTEREST = "interest", _("interest")
    CHARGE = "charge", _("charge for a repair")
    REFUND = "refund", _("refund")
    ADJUSTMENT = "adjustment", _("adjustment")
    REVENUE_INCOME = "revenue_income", _("public revenue income")
    REVENUE_COST = "revenue_cost", _("public revenue cost")
    REVENUE_TRANSFER = "revenue_transfer", _("public revenue into the fund")
    REVERSAL = "reversal", _("reversal")


# Which ledgers each kind may touch (a reversal takes its original's).
KIND_LEDGERS = {
    PostingKind.DEPOSIT: {Ledger.FUND}, PostingKind.TOP_UP: {Ledger.FUND}, PostingKind.INTEREST: {Ledger.FUND},
    PostingKind.CHARGE: {Ledger.FUND}, PostingKind.REFUND: {Ledger.FUND}, PostingKind.ADJUSTMENT: {Ledger.FUND},
    PostingKind.REVENUE_INCOME: {Ledger.REVENUE}, PostingKind.REVENUE_COST: {Ledger.REVENUE},
    PostingKind.REVENUE_TRANSFER: {Ledger.FUND, Ledger.REVENUE},
}
REVENUE_KINDS = {PostingKind.REVENUE_INCOME, PostingKind.REVENUE_COST, PostingKind.REVENUE_TRANSFER}


class BuildingClass(models.TextChoices):
    """How the initial deposit is rated (沪府令91号 Art. 6; 售后公房: 1994 rules Art. 13)."""

    LIFT = "lift", _("commercial housing with a lift")
    NO_LIFT = "no_lift", _("commercial housing without a lift")
    SOLD_PUBLIC_MULTI = "sold_public_multi", _("sold public housing, multi-storey")
    SOLD_PUBLIC_HIGH = "sold_public_high", _("sold public housing, high-rise")


class Status(models.TextChoices):
    """An application to use the fund."""

    DRAFTED = "drafted", pgettext_lazy("fund use", "drafted")
    PRICE_REVIEWED = "price_reviewed", _("price reviewed")
    VOTING = "voting", _("put to the owners")
    APPROVED = "approved", pgettext_lazy("fund use", "approved by the owners")
    REFUSED = "refused", pgettext_lazy("fund use", "refused by the owners")
    PROCEDURE_REVIEWED = "procedure_reviewed", _("procedure reviewed")
    EMERGENCY = "emergency", _("emergency repair authorised")
    PUBLISHED = "published", _("notice published")
    PAYING = "paying", _("being paid")
    SETTLED = "settled", pgettext_lazy("fund use", "settled")
    AUDITED = "audited", pgettext_lazy("fund use", "audited")
    WITHDRAWN = "withdrawn", pgettext_lazy("fund use", "withdrawn")


class ScopeKind(models.TextChoices):
    """Which homes pay (Shanghai 2020 rules Art. 68: partly shared parts by their owners)."""

    AREA = "area", _("the whole management area")
    BUILDINGS = "buildings", _("some buildings")
    UNIT = "unit", _("one stairwell unit")
    HOMES = "homes", _("listed homes")


class Emergency(models.TextChoices):
    """Shanghai 2020 rules Art. 73 ¶2 (1)–(5)."""

    NONE = "", _("not an emergency")
    PUMP = "pump", _("pump or water tank failure")
    LIFT = "lift", _("lift stopped by the inspector")
    FIRE = "fire", _("fire system damaged (fire department notice)")
    FACADE = "facade", _("façade parts at risk of falling")
    LEAK = "leak", _("severe roof or wall leak")


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("fund use event", "created")
    PRICE_REVIEWED = "price_reviewed", _("price reviewed")
    PUT_TO_VOTE = "put_to_vote", _("put to the owners")
    APPROVED = "approved", pgettext_lazy("fund use", "approved by the owners")
    REFUSED = "refused", pgettext_lazy("fund use", "refused by the owners")
    PROCEDURE_REVIEWED = "procedure_reviewed", _("procedure reviewed")
    EMERGENCY = "emergency", _("emergency repair authorised")
    PUBLISHED = "published", _("notice published")
    PAID = "paid", pgettext_lazy("fund use event", "payment made")
    SETTLED = "settled", pgettext_lazy("fund use", "settled")
    AUDITED = "audited", pgettext_lazy("fund use", "audited")
    WITHDRAWN = "withdrawn", pgettext_lazy("fund use", "withdrawn")


class AuditKind(models.TextChoices):
    """The audits of the fund's books posted to the owners (Shanghai 2020 rules Art. 67 ¶2)."""

    ANNUAL = "annual", _("annual audit")
    END_OF_TERM = "end_of_term", _("end-of-term audit")


class RecollectionStatus(models.TextChoices):
    """Re-collection (续筹, Shanghai 2020 rules Art. 65 ¶3)."""

    AWAITING_DECISION = "awaiting", _("awaiting the assembly's decision")
    DECIDED = "decided", _("decided by the assembly")
    NOTIFIED = "notified", _("owners notified to top up")
    CLOSED = "closed", pgettext_lazy("re-collection", "closed")
