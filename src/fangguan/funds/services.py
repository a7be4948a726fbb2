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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.core.audit import log_bulk_create, log_update, snapshot
from fangguan.core.machine import ActionConflict
from fangguan.core.scopes import ADD, require
from fangguan.core.services import record_create, record_update
from fangguan.registry.choices import EstateType
from fangguan.registry.models import Building, Estate, Home, ManagementArea

from . import events, ledger
from .choices import (
    AccountKind,
    BuildingClass,
    Emergency,
    EventKind,
    PostingKind,
    RecollectionStatus,
    ScopeKind,
    Status,
)
from .machine import MACHINE
from .models import Account, Application, Entry, FundRule, Posting, Recollection, Statement


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





# --- Applications to use the fund -------------------------------------------------------------


def paying_homes(area: ManagementArea, kind: str, scope: dict) -> tuple[dict, list[int]]:
    """The homes that pay (Shanghai 2020 rules Art. 68): the whole area, some buildings, one
    stairwell unit, or listed homes — checked against the area. Returns (scope, home ids)."""
    homes = Home.objects.filter(building__area=area)
    if kind == ScopeKind.AREA:
        scope = {"area": area.pk}
    elif kind == ScopeKind.BUILDINGS:
        ids = sorted({int(b) for b in scope.get("buildings") or [] if str(b).isdigit()})
        if not ids or Building.objects.filter(pk__in=ids, area=area).count() != len(ids):
            raise ValidationError({"scope": [_("Name buildings of this management area.")]})
        scope, homes = {"buildings": ids}, homes.filter(building_id__in=ids)
    elif kind == ScopeKind.UNIT:
        unit = scope.get("unit") or {}
        building, number = unit.get("building"), str(unit.get("unit") or "").strip()
        homes = homes.filter(building_id=building, unit=number) if isinstance(building, int) and number else homes.none()
        scope = {"unit": {"building": building, "unit": number}}
    elif kind == ScopeKind.HOMES:
        ids = sorted({int(h) for h in scope.get("homes") or [] if str(h).isdigit()})
        homes = homes.filter(pk__in=ids)
        if not ids or homes.count() != len(ids):
            raise ValidationError({"scope": [_("Name homes of this management area.")]})
        scope = {"homes": ids}
    else:
        raise ValidationError({"scope_kind": [_("Say which homes pay.")]})
    ids = sorted(homes.values_list("pk", flat=True))
    if not ids:
        raise ValidationError({"scope": [_("No homes pay for this repair.")]})
    return scope, ids


def application_create(*, actor, area: ManagementArea, title: str, parts: str, scope_kind: str, scope: dict,
                       estimate_fen: int, emergency: str = "", contractor: str = "", filed_on=None) -> Application:
    """Draft an application (the owners' committee or its bookkeeper). The paying homes are fixed
    now: the vote that decides it must be a vote of exactly these homes."""
    scope, homes = paying_homes(area, scope_kind, scope or {})
    if emergency not in Emergency.values:
        raise ValidationError({"emergency": [_("Unknown kind of emergency.")]})
    app = Application(estate=area.estate, area=area, title=(title or "").strip(), parts=(parts or "").strip(),
                      scope_kind=scope_kind, scope=scope, homes=homes, estimate_fen=estimate_fen,
                      emergency=emergency, contractor=(contractor or "").strip(), applicant=actor,
                      filed_on=filed_on or timezone.localdate())
    app = record_create(actor=actor, instance=app)
    events.write(app, EventKind.CREATED, actor, timezone.now())
    return app


def application_update(*, actor, application: Application, changes: dict) -> Application:
    return record_update(actor=actor, instance=application, changes=changes)


def home_accounts(app: Application) -> dict[int, Account]:
    """The paying homes' sub-accounts, by home id."""
    found = {a.home_id: a for a in Account.objects.filter(kind=AccountKind.HOME, home_id__in=app.homes)
             .select_related("home")}
    missing = set(app.homes) - set(found)
    if missing:
        raise ValidationError(_("%(n)s paying homes have no sub-account.") % {"n": len(missing)})
    return found


def charged(app: Application) -> dict[int, int]:
    """What each paying home's sub-account has been charged for this application so far (fen)."""
    rows = (Entry.objects.filter(posting__application=app, account__kind=AccountKind.HOME)
            .values("account__home_id").annotate(total=Sum("amount_fen")))
    return {r["account__home_id"]: r["total"] for r in rows}


def _pay(actor, app: Application, now, p) -> tuple[str, dict]:
    amount = p.get("amount_fen")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount_fen": [_("Give the payment in fen, more than zero.")]})
    ceiling = app.reviewed_fen or app.estimate_fen
    if app.paid_fen + amount > ceiling:
        raise ValidationError({"amount_fen": [_("Payments would exceed the reviewed price (%(c)s fen).") % {"c": ceiling}]})
    accounts = home_accounts(app)
    shares = ledger.apportion(amount, {h: a.home.area_m2 for h, a in accounts.items()})
    key = (p.get("key") or f"pay:{app.pk}:{app.paid_fen}:{amount}")[:120]
    entries = [(bank_of(app.estate_id).pk, -amount)] + [(accounts[h].pk, fen) for h, fen in shares.items() if fen]
    posting = ledger.post(actor=actor, key=key, kind=PostingKind.CHARGE, entries=entries, application=app, now=now,
                          memo=_("Payment for %(title)s") % {"title": app.title})
    app.paid_fen += amount
    return p.get("note", ""), {"amount_fen": amount, "posting": posting.pk}


def _settle(actor, app: Application, now, p) -> tuple[str, dict]:
    """The final cost, re-apportioned: each paying home ends up charged exactly its share of it."""
    final = p.get("final_fen")
    if isinstance(final, bool) or not isinstance(final, int) or final < 0:
        raise ValidationError({"final_fen": [_("Give the final cost in fen.")]})
    accounts = home_accounts(app)
    target = ledger.apportion(final, {h: a.home.area_m2 for h, a in accounts.items()}) if final else \
        dict.fromkeys(accounts, 0)
    so_far = charged(app)
    deltas = {h: target[h] - so_far.get(h, 0) for h in accounts}
    deltas = {h: d for h, d in deltas.items() if d}
    posting = None
    if deltas:
        kind = (PostingKind.CHARGE if all(d > 0 for d in deltas.values())
                else PostingKind.REFUND if all(d < 0 for d in deltas.values()) else PostingKind.ADJUSTMENT)
        entries = [(bank_of(app.estate_id).pk, -sum(deltas.values()))] + [(accounts[h].pk, d) for h, d in deltas.items()]
        posting = ledger.post(actor=actor, key=f"settle:{app.pk}", kind=kind, entries=entries, application=app,
                              now=now, memo=_("Settlement of %(title)s") % {"title": app.title})
    app.final_fen, app.paid_fen = final, final
    return p.get("note", ""), {"final_fen": final, "posting": posting.pk if posting else None}


def _review_price(actor, app: Application, now, p):
    reviewed = p.get("reviewed_fen")
    if isinstance(reviewed, bool) or not isinstance(reviewed, int) or reviewed <= 0:
        raise ValidationError({"reviewed_fen": [_("Give the reviewed price in fen.")]})
    app.reviewed_fen = reviewed
    return p.get("note", ""), {"reviewed_fen": reviewed}


def _put_to_vote(actor, app: Application, now, p):
    """Link the owners' vote: on using the fund, in this area, of exactly the paying homes."""
    from fangguan.votes.choices import Matter
    from fangguan.votes.choices import Status as VoteStatus
    from fangguan.votes.models import ElectorHome, Vote

    vote = Vote.objects.filter(pk=p.get("vote")).first() if isinstance(p.get("vote"), int) else None
    if vote is None or vote.area_id != app.area_id or vote.matter != Matter.FUND_USE:
        raise ValidationError({"vote": [_("Name a vote on using the fund in this management area.")]})
    if vote.status not in (VoteStatus.OPEN, VoteStatus.CLOSED):
        raise ValidationError({"vote": [_("The vote must be open or closed.")]})
    homes = sorted(ElectorHome.objects.filter(vote=vote).values_list("home_id", flat=True))
    if homes != sorted(app.homes):
        raise ValidationError({"vote": [_("The vote must be a vote of exactly the homes that pay.")]})
    app.vote = vote
    return p.get("note", ""), {"vote": vote.pk}


def _decide(actor, app: Application, now, p):
    from fangguan.votes.selectors import decided

    decision = decided(app.vote_id)
    return "", {"vote": app.vote_id, "passed": decision.passed, "digest": decision.digest}


def _publish(actor, app: Application, now, p):
    notice = (p.get("notice") or "").strip()
    if not notice:
        raise ValidationError({"notice": [_("Write the notice to the owners.")]})
    app.notice = notice[:4000]
    return "", {}


def _note(actor, app: Application, now, p):
    return (p.get("note") or "")[:500], {}


HANDLERS = {"review_price": _review_price, "put_to_vote": _put_to_vote, "approve": _decide, "refuse": _decide,
            "review_procedure": _note, "publish": _publish, "authorise_emergency": _note,
            "arrange_emergency": _note, "pay": _pay, "settle": _settle, "audit": _note, "withdraw": _note}
assert set(HANDLERS) == set(MACHINE.table), "every step of the table has a handler"


def act(actor, application: Application, action: str, *, now: dt.datetime | None = None, **params) -> Application:
    """Take one step as ``actor``; 403 / 409 / 422 change nothing (money included: a payment's
    posting is inside the step's transaction)."""
    handler = HANDLERS.get(action)
    if handler is None:
        raise ValidationError({"action": [_("Unknown action.")]})

    def apply(locked, caps, at):
        return handler(actor, locked, at, params)

    def write_event(locked, transition, before, note, data, at):
        events.write(locked, transition.event, actor, at, note=note, data=data)

    return MACHINE.perform(actor, application, action, apply=apply, write_event=write_event, now=now,
                           lock=lambda qs: qs.select_related("estate", "area"))


def decide_due(*, now=None) -> int:
    """The clock: applications whose vote has closed take the owners' decision (as the system)."""
    from fangguan.core.actors import system_actor
    from fangguan.votes.selectors import decided

    system, done = system_actor(), 0
    for app in Application.objects.filter(status=Status.VOTING, vote__isnull=False).select_related("estate"):
        decision = decided(app.vote_id)
        if decision is not None:
            act(system, app, "approve" if decision.passed else "refuse", now=now)
            done += 1
    return done


# --- Disclosure statements -------------------------------------------------------------------

LEDGER_ACCOUNTS = {"fund": (AccountKind.HOME,), "revenue": (AccountKind.REVENUE,)}


def period_bounds(ledger_name: str, day: dt.date, rule: FundRule) -> tuple[dt.date, dt.date]:
    """The statement period holding ``day``: half-years for the fund, quarters for public revenue
    (Shanghai 2020 rules Art. 66 ¶2; the lengths are parameters)."""
    months = rule.fund_statement_months if ledger_name == "fund" else rule.revenue_statement_months
    first = ((day.month - 1) // months) * months + 1
    start = dt.date(day.year, first, 1)
    end_month = first + months
    end = dt.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _mask_name(name: str) -> str:
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def statement_figures(estate: Estate, ledger_name: str, start: dt.date, end: dt.date) -> dict:
    """Opening and closing balances of the owners' side of a ledger (the household sub-accounts;
    the public revenue accounts), the period's amounts by kind, and — for the fund — each
    household's closing balance with its owner masked. Closing = opening + income − spending."""
    from fangguan.registry.models import HomeShare

    kinds = LEDGER_ACCOUNTS[ledger_name]
    entries = Entry.objects.filter(account__estate=estate, account__kind__in=kinds)
    opening = -(entries.filter(on__lt=start).aggregate(s=Sum("amount_fen"))["s"] or 0)
    by_kind = {r["posting__kind"]: -r["s"] for r in entries.filter(on__range=(start, end))
               .values("posting__kind").annotate(s=Sum("amount_fen"))}
    labels = dict(PostingKind.choices)
    lines = [{"kind": k, "label": str(labels[k]), "amount_fen": v} for k, v in sorted(by_kind.items()) if v]
    income = sum(v for v in by_kind.values() if v > 0)
    spending = -sum(v for v in by_kind.values() if v < 0)
    households = []
    if ledger_name == "fund":
        balances = {r["account__home_id"]: -r["s"] for r in entries.filter(on__lte=end)
                    .values("account__home_id").annotate(s=Sum("amount_fen"))}
        owners: dict[int, list[str]] = {}
        for home_id, name in HomeShare.objects.as_of(end).filter(home__building__estate=estate).values_list(
                "home_id", "person__name"):
            owners.setdefault(home_id, []).append(_mask_name(name))
        # the three columns a row shows, not three model instances per household (the statement
        # spent three quarters of its time building them: docs/performance.md, funds)
        for home_id, number, room in (Account.objects.filter(estate=estate, kind=AccountKind.HOME)
                                      .order_by("building__number", "home__unit", "home__room_number")
                                      .values_list("home_id", "building__number", "home__room_number")):
            households.append({"home": f"{number}号 {room}", "owner": "、".join(owners.get(home_id, [])),
                               "balance_fen": balances.get(home_id, 0)})
    return {"opening_fen": opening, "income_fen": income, "spending_fen": spending,
            "closing_fen": opening + income - spending, "lines": lines, "households": households}


def statement_publish(*, actor, estate: Estate, ledger_name: str, day: dt.date, now=None) -> Statement:
    """Publish the statement of the period holding ``day`` (a period already ended), once: the
    owners' committee or its bookkeeper. The figures come from the entries; the digest covers them."""
    import hashlib
    import json

    from fangguan.core.audit import log_change
    from fangguan.core.models import ChangeAction

    now = now or timezone.now()
    if ledger_name not in LEDGER_ACCOUNTS:
        raise ValidationError({"ledger": [_("Unknown ledger.")]})
    if day >= timezone.localdate(now):
        raise ValidationError({"period": [_("A statement is published once its period has ended.")]})
    start, end = period_bounds(ledger_name, day, rule_on(day))
    if end >= timezone.localdate(now):
        raise ValidationError({"period": [_("A statement is published once its period has ended.")]})
    statement = Statement(estate=estate, ledger=ledger_name, period_start=start, period_end=end, published_at=now,
                          published_by=actor, opening_fen=0, income_fen=0, spending_fen=0, closing_fen=0)
    require(actor, ADD, statement)
    if Statement.objects.filter(estate=estate, ledger=ledger_name, period_start=start, period_end=end).exists():
        raise ActionConflict(_("This period's statement is already published."))
    figures = statement_figures(estate, ledger_name, start, end)
    for name, value in figures.items():
        setattr(statement, name, value)
    statement.digest = hashlib.sha256(json.dumps(
        {"estate": estate.pk, "ledger": ledger_name, "start": start.isoformat(), "end": end.isoformat(), **figures},
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    with transaction.atomic():
        statement.save()
        log_change(actor=actor, action=ChangeAction.CREATE, instance=statement,
                   after={"estate": estate.pk, "ledger": ledger_name, "period": f"{start}..{end}",
                          "closing_fen": statement.closing_fen, "digest": statement.digest})
        events.statement_published(statement)
    return statement


# --- Re-collection (续筹) ---------------------------------------------------------------------


def recollection_tick(*, today: dt.date | None = None) -> dict[str, int]:
    """The clock, as the system (Shanghai 2020 rules Art. 65 ¶3): an estate with a household below
    the line gets a case and ``decide_days`` for the assembly; a closed vote on raising the fund
    in the estate after the case opened settles it (``votes.selectors.decided``: passed or not,
    the assembly decided); without one by the deadline the owners below the line are told to top
    up to ``top_up_to_bp`` within ``top_up_days``; a case closes when nobody is below the line."""
    from fangguan.core.actors import system_actor
    from fangguan.notifications.services import notify
    from fangguan.votes.choices import Matter
    from fangguan.votes.models import Vote
    from fangguan.votes.selectors import decided

    from .selectors import below_q, with_line

    today = today or timezone.localdate()
    rule = rule_on(today)
    counts = {"opened": 0, "decided": 0, "notified": 0, "closed": 0}
    below = with_line(Account.objects.filter(kind=AccountKind.HOME), rule.recollect_below_bp).filter(
        below_q(rule.recollect_below_bp))
    estates = set(below.values_list("estate_id", flat=True).distinct())
    system = system_actor()
    open_cases = {c.estate_id: c for c in Recollection.objects.exclude(status=RecollectionStatus.CLOSED)}
    with transaction.atomic():
        for estate_id in sorted(estates - set(open_cases)):
            case = Recollection.objects.create(estate_id=estate_id, rule=rule, opened_on=today,
                                               decide_by=today + dt.timedelta(days=rule.decide_days))
            log_change_created(system, case)
            counts["opened"] += 1
        for estate_id, case in open_cases.items():
            before = snapshot(case)
            if estate_id not in estates:
                case.status, case.closed_on = RecollectionStatus.CLOSED, today
                _recollection_save(system, case, before, ["status", "closed_on"])
                counts["closed"] += 1
                continue
            if case.status == RecollectionStatus.AWAITING_DECISION:
                vote = (Vote.objects.filter(estate_id=estate_id, matter=Matter.FUND_RAISING,
                                            closed_at__date__gte=case.opened_on).order_by("closed_at").first())
                if vote is not None and decided(vote) is not None:
                    case.status, case.vote = RecollectionStatus.DECIDED, vote
                    _recollection_save(system, case, before, ["status", "vote"])
                    counts["decided"] += 1
                elif today > case.decide_by:
                    case.status, case.notified_on = RecollectionStatus.NOTIFIED, today
                    case.top_up_by = today + dt.timedelta(days=case.rule.top_up_days)
                    _recollection_save(system, case, before, ["status", "notified_on", "top_up_by"])
                    homes = below.filter(estate_id=estate_id).values_list("home_id", flat=True)
                    users = events.owners_of(list(homes))
                    if users:
                        notify(users, title=_("Please top up your maintenance fund"),
                               body=_("Top up to %(pct)s%% of the initial deposit by %(day)s.") % {
                                   "pct": case.rule.top_up_to_bp // 100, "day": case.top_up_by},
                               url=reverse("funds:index"), topic="funds.recollection")
                    counts["notified"] += 1
    return counts


def _recollection_save(actor, case: Recollection, before: dict, fields: list[str]) -> None:
    """Save a re-collection case's move (closed, decided, owners notified) and write it to the
    change log like every other service write: the clock is the system actor, and a case's
    status decides who is told to pay, so each move must be traceable to when and why."""
    case.save(update_fields=[*fields, "updated_at"])
    log_update(actor=actor, instance=case, before=before)


def log_change_created(actor, instance) -> None:
    from fangguan.core.audit import log_change
    from fangguan.core.models import ChangeAction

    log_change(actor=actor, action=ChangeAction.CREATE, instance=instance, after={"estate": instance.estate_id})


# --- Audit reports (Art. 67 ¶2) --------------------------------------------------------------

MAX_AUDIT_BYTES = 20 * 1024 * 1024


def audit_post(*, actor, estate: Estate, kind: str, period_start: dt.date, period_end: dt.date, auditor: str,
               upload, on: dt.date | None = None, now=None):
    """Attach an annual or end-of-term audit report (a PDF) of the estate's fund and post it to the
    owners from ``on`` (today) for the parameter's days (``audit_posting_days``: 30): the owners'
    committee or its bookkeeper, or the bureau. Refused (403) before anything is checked or
    stored; a period already posted is a conflict (409); nothing is written on a refusal."""
    import hashlib

    from fangguan.core.audit import log_change
    from fangguan.core.disk import ensure_room
    from fangguan.core.models import ChangeAction

    from .choices import AuditKind
    from .models import AuditReport

    now = now or timezone.now()
    on = on or timezone.localdate(now)
    report = AuditReport(estate=estate, kind=kind, period_start=period_start, period_end=period_end,
                         auditor=(auditor or "").strip()[:200], posted_on=on, posted_until=on, posted_by=actor,
                         posted_at=now, size=0, digest="")
    require(actor, ADD, report)
    errors = {}
    if kind not in AuditKind.values:
        errors["kind"] = [_("Say whether it is the annual or the end-of-term audit.")]
    if not period_start or not period_end or period_end < period_start:
        errors["period_end"] = [_("The period audited must end on or after its start.")]
    elif period_end >= on:
        errors["period_end"] = [_("An audit covers a period that has ended.")]
    if not report.auditor:
        errors["auditor"] = [_("Name the audit firm.")]
    data = b""
    if upload is None:
        errors["file"] = [_("Attach the audit report.")]
    else:
        fh = getattr(upload, "file", upload)
        fh.seek(0)
        data = fh.read(MAX_AUDIT_BYTES + 1)
        if len(data) > MAX_AUDIT_BYTES:
            errors["file"] = [_("An audit report may be at most %(mb)s MB.") % {"mb": MAX_AUDIT_BYTES // (1024 * 1024)}]
        elif not data.startswith(b"%PDF-"):
            errors["file"] = [_("Attach the report as a PDF file.")]
    if errors:
        raise ValidationError(errors)
    if AuditReport.objects.filter(estate=estate, kind=kind, period_start=period_start, period_end=period_end).exists():
        raise ActionConflict(_("This audit is already posted."))
    report.posted_until = on + dt.timedelta(days=rule_on(on).audit_posting_days - 1)
    report.size, report.digest = len(data), hashlib.sha256(data).hexdigest()
    ensure_room(len(data))
    from django.core.files.base import ContentFile

    with transaction.atomic():
        report.file.save("report.pdf", ContentFile(data), save=False)
        report.save()
        log_change(actor=actor, action=ChangeAction.CREATE, instance=report,
                   after={"estate": estate.pk, "kind": kind, "period": f"{period_start}..{period_end}",
                          "posted": f"{report.posted_on}..{report.posted_until}", "digest": report.digest})
        events.audit_posted(report)  # the estate's owners are told (notifications), in this transaction
    return report
