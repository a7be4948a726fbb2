"""Every write to the fund's books: opening accounts, initial deposits from the parameters in
force on the delivery date, top-ups, interest allocated by balance, public revenue (income,
costs, the quarter's transfer into the fund by floor area), and — below — applications to use the
fund, re-collection and statements. Money moves only through ``ledger.post``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.core.audit import log_bulk_create
from fangguan.core.scopes import ADD, require
from fangguan.registry.choices import EstateType
from fangguan.registry.models import Building, Estate, Home, ManagementArea

from . import ledger
from .choices import AccountKind, BuildingClass, PostingKind
from .models import Account, Entry, FundRule, Posting


def building_class(building: Building, estate: Estate) -> str:
    """How a building's homes are rated: sold former public housing multi-storey (up to 6 floors)
    or high-rise; commercial housing with or without a lift (沪府令91号 Art. 6)."""
    if estate.estate_type == EstateType.SOLD_PUBLIC:
        return BuildingClass.SOLD_PUBLIC_HIGH if building.floors > 6 else BuildingClass.SOLD_PUBLIC_MULTI
    return BuildingClass.LIFT if building.has_elevator else BuildingClass.NO_LIFT


def rule_on(day: dt.date) -> FundRule:
    rule = FundRule.objects.in_force(day)
    if rule is None:
        raise ValidationError(_("No fund parameters are in force on %(day)s.") % {"day": day})
    return rule


def accounts_open(*, actor, estate: Estate, on: dt.date | None = None) -> int:
    """Open the estate's missing accounts: its fund bank account, each management area's public
    revenue accounts, a sub-account per home (with its building: 按幢立账、按户核算). Returns how many."""
    require(actor, ADD, Account(estate=estate, kind=AccountKind.BANK, opened_on=on or timezone.localdate()))
    on = on or estate.delivered_on or timezone.localdate()
    with transaction.atomic():
        have = set(Account.objects.filter(estate=estate).values_list("kind", "area_id", "home_id"))
        new = []
        if not any(k == AccountKind.BANK for k, _a, _h in have):
            new.append(Account(kind=AccountKind.BANK, estate=estate, opened_on=on))
        for area in ManagementArea.objects.filter(estate=estate).order_by("pk"):
            for kind in (AccountKind.REVENUE, AccountKind.REVENUE_BANK):
                if (kind, area.pk, None) not in have:
                    new.append(Account(kind=kind, estate=estate, area=area, opened_on=on))
        homes = {h for _k, _a, h in have if h}
        for home in Home.objects.filter(building__estate=estate).select_related("building").order_by("pk"):
            if home.pk not in homes:
                new.append(Account(kind=AccountKind.HOME, estate=estate, area_id=home.building.area_id,
                                   building=home.building, home=home, opened_on=on,
                                   building_class=building_class(home.building, estate)))
        Account.objects.bulk_create(new, batch_size=2000)
        if new:
            log_bulk_create(actor=actor, model=Account, count=len(new), note=estate.code)
    return len(new)


def bank_of(estate_id: int) -> Account:
    return Account.objects.get(estate_id=estate_id, kind=AccountKind.BANK)


def deposit_due(account: Account, rule: FundRule, *, proceeds_fen: int | None = None) -> tuple[int, int]:
    """(seller's or developer's share, buyer's share) of a home's initial deposit in fen: the
    shares of the cost price per ㎡ × exclusive area; for sold public housing the seller's share is
    of the sale proceeds (0 when they are not known)."""
    seller_bp, buyer_bp = rule.shares_bp(account.building_class)
    area = account.home.area_m2
    buyer = ledger.fen_of(area, rule.cost_price_fen_per_m2, buyer_bp)
    if account.building_class in (BuildingClass.SOLD_PUBLIC_MULTI, BuildingClass.SOLD_PUBLIC_HIGH):
        seller = ledger.fen_of(Decimal(1), proceeds_fen or 0, seller_bp)
    else:
        seller = ledger.fen_of(area, rule.cost_price_fen_per_m2, seller_bp)
    return seller, buyer


def initial_deposit(*, actor, account: Account, on: dt.date | None = None, proceeds_fen: int | None = None) -> Posting:
    """The home's initial deposit from the parameters in force on the delivery date (idempotent:
    key ``deposit:<home>``); its amount becomes the sub-account's initial deposit (the base of
    the re-collection line)."""
    on = on or account.estate.delivered_on or account.opened_on
    seller, buyer = deposit_due(account, rule_on(on), proceeds_fen=proceeds_fen)
    total = seller + buyer
    if total <= 0:
        raise ValidationError(_("Nothing to deposit for this home."))
    with transaction.atomic():
        posting = ledger.post(actor=actor, key=f"deposit:{account.home_id}", kind=PostingKind.DEPOSIT, on=on,
                              entries=[(bank_of(account.estate_id).pk, total), (account.pk, -total)],
                              memo=_("Initial deposit: seller %(s)s, buyer %(b)s fen") % {"s": seller, "b": buyer})
        Account.objects.filter(pk=account.pk, initial_fen=0).update(initial_fen=total)
    return posting


def top_up(*, actor, account: Account, amount_fen: int, key: str, on: dt.date | None = None, memo: str = "") -> Posting:
    if account.kind != AccountKind.HOME:
        raise ValidationError({"account": [_("Top-ups go to a household sub-account.")]})
    return ledger.post(actor=actor, key=key, kind=PostingKind.TOP_UP, on=on, memo=memo or _("Top-up"),
                       entries=[(bank_of(account.estate_id).pk, amount_fen), (account.pk, -amount_fen)])


def balances_on(accounts, day: dt.date) -> dict[int, int]:
    """Each account's balance on ``day`` (normal side), from its entries."""
    rows = (Entry.objects.filter(account__in=accounts, on__lte=day).values("account_id", "account__kind")
            .annotate(total=Sum("amount_fen")))
    return {r["account_id"]: (-1 if r["account__kind"] in (AccountKind.HOME, AccountKind.REVENUE) else 1) * r["total"]
            for r in rows}


def interest_allocate(*, actor, estate: Estate, total_fen: int, on: dt.date, key: str) -> Posting:
    """The bank's interest or returns, allocated to the households in proportion to their
    balances on ``on`` (largest remainder to the fen, so the shares add up to the total)."""
    homes = Account.objects.filter(estate=estate, kind=AccountKind.HOME)
    weights = {pk: b for pk, b in balances_on(homes, on).items() if b > 0}
    if not weights:
        raise ValidationError(_("No household holds a balance to earn interest."))
    shares = ledger.apportion(total_fen, weights)
    entries = [(bank_of(estate.pk).pk, total_fen)] + [(pk, -fen) for pk, fen in shares.items() if fen]
    return ledger.post(actor=actor, key=key, kind=PostingKind.INTEREST, on=on, entries=entries,
                       memo=_("Interest allocated by balance"))


def _revenue_accounts(area: ManagementArea) -> tuple[Account, Account]:
    accounts = {a.kind: a for a in Account.objects.filter(area=area, kind__in=(AccountKind.REVENUE,
                                                                              AccountKind.REVENUE_BANK))}
    if len(accounts) != 2:
        raise ValidationError(_("The management area has no public revenue accounts yet."))
    return accounts[AccountKind.REVENUE], accounts[AccountKind.REVENUE_BANK]


def revenue_record(*, actor, area: ManagementArea, kind: str, amount_fen: int, key: str, on: dt.date | None = None,
                   memo: str = "") -> Posting:
    """Public revenue income (parking, advertising, rent of common parts) or a cost, in the
    management area's own ledger (Shanghai 2020 rules Art. 51 ¶2)."""
    if kind not in (PostingKind.REVENUE_INCOME, PostingKind.REVENUE_COST) or amount_fen <= 0:
        raise ValidationError({"kind": [_("Record income or a cost, a positive amount.")]})
    revenue, bank = _revenue_accounts(area)
    sign = 1 if kind == PostingKind.REVENUE_INCOME else -1
    return ledger.post(actor=actor, key=key, kind=kind, on=on, memo=memo,
                       entries=[(bank.pk, sign * amount_fen), (revenue.pk, -sign * amount_fen)])


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def quarter_net_revenue(area: ManagementArea, day: dt.date) -> int:
    """The quarter's income less its costs (the quarter holding ``day``)."""
    start, end = quarter_of(day)
    revenue, _bank = _revenue_accounts(area)
    total = (Entry.objects.filter(account=revenue, on__range=(start, end),
                                  posting__kind__in=(PostingKind.REVENUE_INCOME, PostingKind.REVENUE_COST))
             .aggregate(t=Sum("amount_fen"))["t"]) or 0
    return -total


def revenue_transfer(*, actor, area: ManagementArea, amount_fen: int, key: str, on: dt.date) -> Posting:
    """Move the quarter's public revenue into the fund: more than the parameter's share of the
    quarter's net revenue (Art. 51 ¶3: more than 50%), allocated to the area's households by
    exclusive floor area (Art. 283)."""
    rule = rule_on(on)
    net = quarter_net_revenue(area, on)
    if amount_fen <= 0 or (net > 0 and amount_fen * 10000 <= net * rule.revenue_transfer_bp):
        raise ValidationError({"amount_fen": [_("Transfer more than %(pct)s%% of the quarter's net revenue (%(net)s fen).")
                                              % {"pct": rule.revenue_transfer_bp / 100, "net": net}]})
    revenue, revenue_bank = _revenue_accounts(area)
    homes = dict(Account.objects.filter(area=area, kind=AccountKind.HOME).values_list("pk", "home__area_m2"))
    if not homes:
        raise ValidationError(_("The management area has no household sub-accounts."))
    shares = ledger.apportion(amount_fen, homes)
    entries = [(revenue.pk, amount_fen), (revenue_bank.pk, -amount_fen), (bank_of(area.estate_id).pk, amount_fen)]
    entries += [(pk, -fen) for pk, fen in shares.items() if fen]
    return ledger.post(actor=actor, key=key, kind=PostingKind.REVENUE_TRANSFER, on=on, entries=entries,
                       memo=_("Public revenue into the maintenance fund, by floor area"))


def posting_create(*, actor, key: str, kind: str, entries, on=None, memo: str = "") -> Posting:
    """A posting as the API takes it (the bureau's adjustments, the committee's revenue)."""
    if kind == PostingKind.REVERSAL:
        raise ValidationError({"kind": [_("Reverse a posting through its own action.")]})
    return ledger.post(actor=actor, key=key, kind=kind, entries=entries, on=on, memo=memo)



