"""Demo ledgers for the Jinshan demo (``load_demo``; AppConfig ``demo_loader``).

- ``homes="sample"`` (the tests and the browser server): the estate of the demo accounts
  yeweihui / yezhu gets its accounts, every home's initial deposit from its delivery date (the
  parameters in force then), yearly interest by balance, two years of public revenue by quarter
  with more than half moved into the fund — all through the services, as the offices would have
  entered them (its statements only in the full demo: they publish to the outbox).
- ``homes="full"``: every estate with homes gets its accounts and initial deposits (written in
  bulk: the same rows ``ledger.post`` writes, balances set from them), then through the services:
  18 estates whose repairs in 2016–2020 drew households below the re-collection line, the clock
  run on their dates (so the re-collection cases come from the records), 66 owners' assemblies
  that engaged one of three bookkeeping firms in 2016–2020, public revenue for the estates with
  a committee in 2025, and the demo estate as above.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Sum

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.models import Membership, Organisation
from fangguan.core.actors import system_actor
from fangguan.registry.models import Estate, OwnersCommittee

from . import ledger, services
from .choices import AccountKind, PostingKind
from .models import Account, Engagement, Entry, Posting

DEFAULT_DELIVERY = dt.date(2010, 1, 1)
RECOLLECTION_ESTATES = 18  # the plan: 18 estates needed their fund re-collected (2016–2020)
BOOKKEEPING_ASSEMBLIES = 66  # the plan: 66 owners' assemblies used proxy bookkeeping


def _say(out, text: str) -> None:
    if out is not None:
        out.write(text + "\n")


def demo_estate() -> Estate | None:
    m = Membership.objects.filter(user__username="yeweihui", organisation__kind=OrgKind.OWNERS_COMMITTEE).select_related(
        "organisation__owners_committee__area__estate").first()
    return m.organisation.owners_committee.area.estate if m else None


def delivered(estate: Estate) -> dt.date:
    """The day the demo ledgers start: the delivery date, but not before the earliest parameters
    seeded (2010): older estates' deposits are shown as of then (their real history is not in the demo)."""
    from .models import FundRule

    first = FundRule.objects.order_by("effective_from").values_list("effective_from", flat=True).first()
    return max(estate.delivered_on or DEFAULT_DELIVERY, first or DEFAULT_DELIVERY)


def deposits_through_services(estate: Estate, system) -> None:
    services.accounts_open(actor=system, estate=estate, on=delivered(estate))
    for account in Account.objects.filter(estate=estate, kind=AccountKind.HOME, initial_fen=0).select_related(
            "home", "estate"):
        services.initial_deposit(actor=system, account=account, on=delivered(estate))


def deposits_in_bulk(estate: Estate, system, now) -> int:
    """The same rows as ``initial_deposit`` for a whole new estate at once (one posting per home)."""
    services.accounts_open(actor=system, estate=estate, on=delivered(estate))
    day = delivered(estate)
    rule = services.rule_on(day)
    bank = services.bank_of(estate.pk)
    homes = list(Account.objects.filter(estate=estate, kind=AccountKind.HOME, initial_fen=0).select_related("home"))
    if not homes:
        return 0
    postings, amounts = [], []
    for account in homes:
        seller, buyer = services.deposit_due(account, rule)
        total = seller + buyer
        if total <= 0:
            continue
        postings.append(Posting(key=f"deposit:{account.home_id}", kind=PostingKind.DEPOSIT, estate=estate, on=day,
                                memo=f"首期维修资金：开发建设单位 {seller} 分，业主 {buyer} 分", actor=system, at=now))
        amounts.append((account, total))
    Posting.objects.bulk_create(postings, batch_size=2000)
    entries = []
    for posting, (account, total) in zip(postings, amounts, strict=True):
        entries += [Entry(posting=posting, account=bank, amount_fen=total, on=day),
                    Entry(posting=posting, account=account, amount_fen=-total, on=day)]
        account.initial_fen = account.balance_fen = total
    Entry.objects.bulk_create(entries, batch_size=4000)
    Account.objects.bulk_update([a for a, _t in amounts], ["initial_fen", "balance_fen"], batch_size=2000)
    bank.balance_fen = Entry.objects.filter(account=bank).aggregate(s=Sum("amount_fen"))["s"] or 0
    bank.save(update_fields=["balance_fen"])
    return len(postings)


def interest_and_revenue(estate: Estate, system, years) -> None:
    rng = random.Random(estate.pk)
    for year in years:
        day = dt.date(year, 12, 21)
        if day <= delivered(estate):
            continue
        held = Account.objects.filter(estate=estate, kind=AccountKind.HOME).aggregate(s=Sum("balance_fen"))["s"] or 0
        if held > 0:  # about 1.5% a year (a demo rate)
            services.interest_allocate(actor=system, estate=estate, total_fen=held * 15 // 1000, on=day,
                                       key=f"interest:{estate.pk}:{year}")
    from fangguan.registry.models import ManagementArea

    for area in ManagementArea.objects.filter(estate=estate).order_by("pk"):
        for year in (2024, 2025):
            for q in range(4):
                end = services.quarter_of(dt.date(year, 3 * q + 1, 1))[1]
                if end >= dt.date.today() or end <= delivered(estate):
                    continue
                income = rng.randint(20000, 120000) * 100  # parking, advertising, rent of common parts
                cost = income * rng.randint(5, 20) // 100
                services.revenue_record(actor=system, area=area, kind=PostingKind.REVENUE_INCOME, amount_fen=income,
                                        key=f"rev:{area.pk}:{year}q{q + 1}:in", on=end - dt.timedelta(days=20),
                                        memo="停车费、广告费、共用部位租金")
                services.revenue_record(actor=system, area=area, kind=PostingKind.REVENUE_COST, amount_fen=cost,
                                        key=f"rev:{area.pk}:{year}q{q + 1}:cost", on=end - dt.timedelta(days=10),
                                        memo="公共收益管理成本")
                net = income - cost
                services.revenue_transfer(actor=system, area=area, amount_fen=net * 60 // 100, on=end,
                                          key=f"rev:{area.pk}:{year}q{q + 1}:transfer")


def statements(estate: Estate, publisher, today: dt.date) -> int:
    done = 0
    for ledger_name, days in (("fund", [dt.date(2024, 3, 1), dt.date(2024, 9, 1), dt.date(2025, 3, 1)]),
                              ("revenue", [dt.date(2025, m, 1) for m in (2, 5, 8)])):
        for day in days:
            start, end = services.period_bounds(ledger_name, day, services.rule_on(day))
            if end < today and end > delivered(estate):
                services.statement_publish(actor=publisher, estate=estate, ledger_name=ledger_name, day=day)
                done += 1
    return done


def recollections(system, out) -> int:
    """Repairs in 2016–2020 that drew the oldest estates' households below the line, and the clock."""
    estates = list(Estate.objects.filter(fund_accounts__kind=AccountKind.BANK).distinct()
                   .order_by("delivered_on", "pk")[:RECOLLECTION_ESTATES])
    for i, estate in enumerate(estates):
        day = dt.date(2016 + i % 5, 3 + i % 9, 10)
        homes = list(Account.objects.filter(estate=estate, kind=AccountKind.HOME, balance_fen__gt=0))
        if not homes:
            continue
        # a large repair (roof and façade): 75% of what the households hold, by floor area
        total = sum(a.balance_fen for a in homes) * 3 // 4
        shares = ledger.apportion(total, {a.pk: a.balance_fen for a in homes})
        ledger.post(actor=system, key=f"demo-repair:{estate.pk}", kind=PostingKind.CHARGE, on=day,
                    entries=[(services.bank_of(estate.pk).pk, -total)] + [(pk, f) for pk, f in shares.items() if f],
                    memo="屋面及外立面大修（演示）")
        services.recollection_tick(today=day)
    return len(estates)


def engagements(out) -> int:
    firms = [Organisation.objects.create(name=name, kind=OrgKind.BOOKKEEPER)
             for name in ("上海金信代理记账有限公司", "金山区诚达财务咨询有限公司", "上海众和代理记账事务所")]
    committees = list(OwnersCommittee.objects.order_by("pk").select_related("area")[:BOOKKEEPING_ASSEMBLIES])
    for i, committee in enumerate(committees):
        Engagement.objects.create(firm=firms[i % len(firms)], estate_id=committee.area.estate_id,
                                  since=dt.date(2016 + i % 5, 1 + i % 12, 1))
    return len(committees)


def load(*, homes: str = "sample", out=None) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    system = system_actor()
    now = timezone.now()
    today = timezone.localdate()
    counts = {"fund_estates": 0}
    if homes == "none":
        return counts
    estate = demo_estate()
    if homes == "full":
        for other in Estate.objects.filter(buildings__homes__isnull=False).distinct().order_by("pk"):
            deposits_in_bulk(other, system, now)
            counts["fund_estates"] += 1
        counts["fund_recollections"] = recollections(system, out)
        counts["fund_bookkeeping"] = engagements(out)
    elif estate is not None:
        deposits_through_services(estate, system)
        counts["fund_estates"] = 1
    if estate is not None:
        interest_and_revenue(estate, system, range(max(2016, delivered(estate).year + 1), today.year))
        if homes == "full":  # statements publish to the outbox: not in the tests' sample
            publisher = get_user_model().objects.filter(username="yeweihui").first()
            counts["fund_statements"] = statements(estate, publisher, today)
    _say(out, f"  maintenance fund: {counts}")
    return counts
