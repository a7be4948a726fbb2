"""Reads of the fund's books, each through ``visible_to``: sub-accounts with their ratio to the
initial deposit and status against the re-collection line, one account's entries and balance on
a date, an application's shares (what each paying home pays and the shortfall its owner must
make up), the figures by town and estate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone

from . import periods
from .choices import AccountKind
from .ledger import apportion
from .models import Account, Application, Entry, FundRule

OK, BELOW, NO_DEPOSIT = "ok", "below_line", "no_deposit"


def line_bp(day: dt.date | None = None) -> int:
    rule = FundRule.objects.in_force(day or timezone.localdate())
    return rule.recollect_below_bp if rule else 3000


def below_q(bp: int, prefix: str = "") -> Q:
    """A household below the re-collection line, in integer arithmetic: balance × 10000 < initial × bp."""
    return Q(**{f"{prefix}initial_fen__gt": 0, f"{prefix}balance_x__lt": F(f"{prefix}initial_x")})


def with_line(qs, bp: int):
    return qs.annotate(balance_x=F("balance_fen") * 10000, initial_x=F("initial_fen") * bp)


def fund_banks(user):
    """The fund bank accounts of the estates whose books ``user`` keeps or reads — one per
    estate: what the funds pages and API mean by "your estates" (pickers, statements, audits)."""
    return Account.objects.visible_to(user).filter(kind=AccountKind.BANK).select_related("estate")


def fund_estate(user, estate_id):
    """One of those estates, by an id as given (None: not a number, no such estate, or not the
    user's)."""
    pk = int(estate_id) if str(estate_id or "").isdigit() else None
    bank = fund_banks(user).filter(estate_id=pk).first() if pk is not None and 0 < pk < 2**63 else None
    return bank.estate if bank is not None else None


def accounts_for(user, *, estate=None, building=None, below_threshold: bool | None = None, kind=AccountKind.HOME):
    bp = line_bp()
    qs = with_line(Account.objects.visible_to(user).filter(kind=kind).select_related("home", "building", "estate"), bp)
    if estate:
        qs = qs.filter(estate_id=estate)
    if building:
        qs = qs.filter(building_id=building)
    if below_threshold is not None:
        qs = qs.filter(below_q(bp)) if below_threshold else qs.exclude(below_q(bp))
    return qs.order_by("estate_id", "building_id", "home__unit", "home__room_number", "pk")


def ratio_of(account: Account) -> str | None:
    """balance ÷ initial deposit, 4 places, as text (no floats near money)."""
    if not account.initial_fen:
        return None
    return str((Decimal(account.balance_fen) / Decimal(account.initial_fen)).quantize(Decimal("0.0001")))


def status_of(account: Account, bp: int | None = None) -> str:
    if not account.initial_fen:
        return NO_DEPOSIT
    bp = line_bp() if bp is None else bp
    return BELOW if account.balance_fen * 10000 < account.initial_fen * bp else OK


def balance_on(account: Account, day: dt.date) -> int:
    total = Entry.objects.filter(account=account, on__lte=day).aggregate(s=Sum("amount_fen"))["s"] or 0
    return account.sign * total


def entries_of(account: Account, day: dt.date | None = None) -> list[dict]:
    """The account's entries up to ``day``, each with the running balance (normal side)."""
    qs = Entry.objects.filter(account=account).select_related("posting__application").order_by("on", "posting_id", "pk")
    if day:
        qs = qs.filter(on__lte=day)
    running, rows = 0, []
    for e in qs:
        amount = account.sign * e.amount_fen
        running += amount
        p = e.posting
        rows.append({"id": e.pk, "on": e.on, "kind": p.kind, "kind_label": p.get_kind_display(), "memo": p.memo,
                     "amount_fen": amount, "balance_fen": running, "posting": p.pk, "key": p.key,
                     "reverses": p.reverses_id,
                     "application": {"id": p.application_id, "name": p.application.title} if p.application_id else None})
    return rows


@dataclass(frozen=True)
class Share:
    home: int
    label: str
    area_m2: Decimal
    amount_fen: int
    charged_fen: int
    balance_fen: int
    shortfall_fen: int


def shares(app: Application) -> list[Share]:
    """Each paying home's share of the cost by exclusive area (largest remainder: they add up to
    the cost), what has been charged so far, and the shortfall its owner must pay (what is still
    to be charged beyond the sub-account's balance)."""
    from .services import charged

    accounts = {a.home_id: a for a in Account.objects.filter(kind=AccountKind.HOME, home_id__in=app.homes)
                .select_related("home__building")}
    from fangguan.registry.models import Home

    homes = {h.pk: h for h in Home.objects.filter(pk__in=app.homes).select_related("building")}
    if not homes:
        return []
    parts = apportion(app.cost_fen, {h: homes[h].area_m2 for h in homes})
    so_far = charged(app)
    out = []
    for pk in sorted(homes, key=lambda k: (homes[k].building.number, homes[k].unit, homes[k].room_number)):
        account = accounts.get(pk)
        balance = account.balance_fen if account else 0
        due = max(0, parts[pk] - so_far.get(pk, 0))
        out.append(Share(home=pk, label=f"{homes[pk].building.number}号 {homes[pk].room_number}",
                         area_m2=homes[pk].area_m2, amount_fen=parts[pk], charged_fen=so_far.get(pk, 0),
                         balance_fen=balance, shortfall_fen=max(0, due - balance)))
    return out


def applications_for(user, *, estate=None, status=None):
    qs = Application.objects.visible_to(user).select_related("estate", "area", "vote")
    if estate:
        qs = qs.filter(estate_id=estate)
    if status:
        qs = qs.filter(status__in=status if isinstance(status, list | tuple) else [status])
    return qs


# --- Re-collection watch ------------------------------------------------------------------------


def recollection_households(user, today: dt.date | None = None) -> list[dict]:
    """Households below the re-collection line in the estates the user sees, with their case:
    ``due`` (the assembly has not decided yet, or owners notified and still in time) or
    ``overdue`` (notified, the top-up day passed and still under the top-up level), and the
    amount to top up to that level."""
    from .models import Recollection

    today = today or timezone.localdate()
    rule = FundRule.objects.in_force(today)
    if rule is None:
        return []
    cases = {c.estate_id: c for c in Recollection.objects.visible_to(user).exclude(status="closed")}
    qs = with_line(Account.objects.visible_to(user).filter(kind=AccountKind.HOME, estate_id__in=list(cases)),
                   rule.recollect_below_bp).filter(below_q(rule.recollect_below_bp)) \
        .select_related("estate__town", "building", "home").order_by("estate__town_id", "estate_id", "pk")
    out = []
    for a in qs[:5000]:
        case = cases[a.estate_id]
        level = -(-a.initial_fen * case.rule.top_up_to_bp // 10000)  # the top-up level, rounded up to the fen
        overdue = case.status == "notified" and case.top_up_by is not None and today > case.top_up_by
        out.append({"account": a, "estate": a.estate, "town": a.estate.town, "case": case,
                    "top_up_fen": max(0, level - a.balance_fen), "state": "overdue" if overdue else "due"})
    return out


# --- Figures by town and estate -----------------------------------------------------------------


HELD_KINDS = (AccountKind.HOME, AccountKind.REVENUE)


def fund_figures(user, *, group_by: str = "town", as_of: dt.date | None = None) -> dict:
    """Per town or estate, as of ``as_of``: households, the fund held for them, the public revenue
    held, households below the line (today), applications and what was paid. What is held comes
    from the stored month balances (``periods.held``: the months before ``as_of``'s month, then
    that month's entries); the accounts a user sees without their whole estate (an owner's own
    home, for someone who is also staff elsewhere) are summed from their entries."""
    from .scopes import ALL, staff_estates

    day = as_of or timezone.localdate()
    staff = staff_estates(user)
    if staff == ALL:
        held = periods.held(day=day, kinds=HELD_KINDS)
        rest = Account.objects.none()
    else:
        from fangguan.registry.models import Estate

        whole = Q(pk__in=[])
        for estates in staff:
            whole |= Q(pk__in=estates)
        whole_ids = Estate.objects.filter(whole).values("pk")
        held = periods.held(day=day, estates=whole_ids, kinds=HELD_KINDS)
        rest = Account.objects.visible_to(user).exclude(estate_id__in=whole_ids)
    for key, s in _held_by_entries(rest, day).items():
        held[key] = held.get(key, 0) + s
    return _figures(user, group_by=group_by, day=day, held={k: -s for k, s in held.items()})


def fund_figures_full(user, *, group_by: str = "town", as_of: dt.date | None = None) -> dict:
    """The same figures from every entry up to ``as_of`` (the full pass: the tests' oracle for
    the stored balances, and the bench's "before")."""
    day = as_of or timezone.localdate()
    held = _held_by_entries(Account.objects.visible_to(user), day)
    return _figures(user, group_by=group_by, day=day, held={k: -s for k, s in held.items()})


def _held_by_entries(accounts, day: dt.date) -> dict[tuple[int, str], int]:
    return {(r["account__estate_id"], r["account__kind"]): r["s"]
            for r in Entry.objects.filter(account__in=accounts.filter(kind__in=HELD_KINDS), on__lte=day)
            .values("account__estate_id", "account__kind").annotate(s=Sum("amount_fen"))}


def _figures(user, *, group_by: str, day: dt.date, held: dict[tuple[int, str], int]) -> dict:
    from fangguan.registry.models import Estate

    accounts = Account.objects.visible_to(user)
    estates = {e.pk: e for e in Estate.objects.filter(pk__in=accounts.values("estate_id")).select_related("town")}
    bp = line_bp(day)
    homes = {r["estate_id"]: r for r in with_line(accounts.filter(kind=AccountKind.HOME), bp).values("estate_id")
             .annotate(n=models_count("pk"), below=models_count("pk", filter=below_q(bp)))}
    apps = {r["estate_id"]: r for r in Application.objects.visible_to(user).filter(filed_on__lte=day)
            .values("estate_id").annotate(n=models_count("pk"), paid=Sum("paid_fen"))}

    def key_of(estate):
        return (estate.town_id, estate.town.name) if group_by == "town" else (estate.pk, estate.name)

    groups: dict = {}
    for pk, estate in estates.items():
        k = key_of(estate)
        g = groups.setdefault(k, {"id": k[0], "name": k[1], "estates": 0, "households": 0, "fund_fen": 0,
                                  "revenue_fen": 0, "below_line": 0, "applications": 0, "paid_fen": 0})
        g["estates"] += 1
        g["households"] += homes.get(pk, {}).get("n", 0)
        g["below_line"] += homes.get(pk, {}).get("below", 0)
        g["fund_fen"] += held.get((pk, AccountKind.HOME), 0)
        g["revenue_fen"] += held.get((pk, AccountKind.REVENUE), 0)
        g["applications"] += apps.get(pk, {}).get("n", 0)
        g["paid_fen"] += apps.get(pk, {}).get("paid") or 0
    items = sorted(groups.values(), key=lambda g: (-g["fund_fen"], g["name"]))
    total = {k: sum(g[k] for g in items) for k in ("estates", "households", "fund_fen", "revenue_fen", "below_line",
                                                    "applications", "paid_fen")}
    return {"as_of": day, "group_by": group_by, "items": items, "total": total}


def models_count(field, **kw):
    from django.db.models import Count

    return Count(field, **kw)


# --- Late statements ------------------------------------------------------------------------------


def late_statements(user, today: dt.date | None = None) -> list[dict]:
    """Estates (that the user sees) without the statement of the last ended period of either ledger."""
    from fangguan.registry.models import Estate

    from .models import Statement
    from .services import period_bounds

    today = today or timezone.localdate()
    rule = FundRule.objects.in_force(today)
    if rule is None:
        return []
    out = []
    estate_ids = fund_banks(user).values("estate_id")
    published = set(Statement.objects.filter(estate_id__in=estate_ids).values_list("estate_id", "ledger", "period_end"))
    for ledger_name in ("fund", "revenue"):
        start, _end = period_bounds(ledger_name, today, rule)
        due_start, due_end = period_bounds(ledger_name, start - dt.timedelta(days=1), rule)
        for estate in Estate.objects.filter(pk__in=estate_ids).select_related("town").order_by("town_id", "name"):
            if estate.delivered_on and estate.delivered_on > due_end:
                continue
            if (estate.pk, ledger_name, due_end) not in published:
                out.append({"estate": estate, "ledger": ledger_name, "period_start": due_start, "period_end": due_end})
    return out


# --- Late audits ----------------------------------------------------------------------------------


def audit_due(today: dt.date) -> tuple[int, dt.date] | None:
    """The last year whose annual audit is due by ``today`` and its due day — the parameter's
    ``annual_audit_due_days`` after 31 December (Shanghai 2020 rules Art. 67 ¶1: a yearly audit);
    on the due day itself that year is still in time, so the year before is the one asked.
    None when no fund parameters are in force."""
    rule = FundRule.objects.in_force(today)
    if rule is None:
        return None
    year = today.year - 1
    if today <= dt.date(year, 12, 31) + dt.timedelta(days=rule.annual_audit_due_days):
        year -= 1
    return year, dt.date(year, 12, 31) + dt.timedelta(days=rule.annual_audit_due_days)


def late_audit_estates(user, today: dt.date | None = None):
    """(year, due day, estates) — the estates whose fund books the user reads without the annual
    audit of that year, as a queryset (the API pages it in SQL; the audits page lists it). An annual
    report whose period ends in that year counts; an estate delivered after that year began is not
    expected to have one. The one place this list is computed."""
    from fangguan.registry.models import Estate

    from .choices import AuditKind
    from .models import AuditReport

    due = audit_due(today or timezone.localdate())
    if due is None:
        return None, None, Estate.objects.none()
    year, due_on = due
    estate_ids = fund_banks(user).values("estate_id")
    audited = AuditReport.objects.filter(kind=AuditKind.ANNUAL, period_end__year=year, estate_id__in=estate_ids)
    estates = (Estate.objects.filter(pk__in=estate_ids).exclude(pk__in=audited.values("estate_id"))
               .exclude(delivered_on__gt=dt.date(year, 1, 1)).select_related("town").order_by("town_id", "name", "pk"))
    return year, due_on, estates


def late_audits(user, today: dt.date | None = None) -> list[dict]:
    """The estates late with their annual audit (``late_audit_estates``), as the audits page lists them."""
    year, due_on, estates = late_audit_estates(user, today)
    return [{"estate": e, "year": year, "due_on": due_on} for e in estates]
