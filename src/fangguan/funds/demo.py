"""Demo ledgers for the Jinshan demo (``load_demo``; AppConfig ``demo_loader``).

- ``homes="sample"`` (the tests and the browser server): the estate of the demo accounts
  yeweihui / yezhu gets its accounts, every home's initial deposit from its delivery date (the
  parameters in force then), yearly interest by balance, two years of public revenue by quarter
  with more than half moved into the fund — all through the services, as the offices would have
  entered them (its statements only in the full demo: they publish to the outbox).
- ``homes="full"``: every estate with homes gets its accounts and initial deposits (written in
  bulk: the same rows ``ledger.post`` writes, balances set from them), then through the services,
  in date order: 18 estates whose repairs in 2016–2020 drew households below the re-collection
  line, the clock run on the days it would have run (cases opened, owners notified, top-ups, cases
  closed; three still overdue), so the re-collection cases come from the ledgers; 66 owners'
  assemblies that engaged one of three bookkeeping firms in 2016–2020; the demo estate as above
  with its statements and its bank statements since 2024 imported and left to reconcile (a line
  the bank booked two days late, the bank's quarterly fee).

Generated records say so: memos and the firms' names carry （演示）, and the load runs under the
audit cause ``load_demo`` (the 演示数据 banner).
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
from .choices import AccountKind, PostingKind, RecollectionStatus
from .models import Account, Engagement, Entry, Posting, Recollection

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
        key = f"interest:{estate.pk}:{year}"
        if Posting.objects.filter(key=key).exists():  # loaded before (the demo runs again over a sample)
            continue
        # what the households held before the day's interest
        held = sum(services.balances_on(Account.objects.filter(estate=estate, kind=AccountKind.HOME),
                                        day - dt.timedelta(days=1)).values())
        if held > 0:  # about 1.5% a year (a demo rate)
            services.interest_allocate(actor=system, estate=estate, total_fen=held * 15 // 1000, on=day, key=key)
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


PERIOD = (dt.date(2016, 1, 1), dt.date(2020, 12, 31))  # the plan's 2016–2020


def _below(estate_id: int, bp: int) -> list[Account]:
    """The estate's households whose balance is below ``bp`` of their initial deposit now."""
    return [a for a in Account.objects.filter(estate_id=estate_id, kind=AccountKind.HOME, initial_fen__gt=0)
            .order_by("pk") if a.balance_fen * 10000 < a.initial_fen * bp]


def recollections(system, out) -> int:
    """The plan's 18 estates whose fund had to be re-collected in 2016–2020, from records: in each
    of the oldest estates a large repair (roof and façade, paid from the fund by balance) draws
    every household to a quarter of what it held, below the 30% line; the clock is run on the
    days it would have run, in date order — the case opens on the repair's day, the assembly does
    not decide within the period, the owners are notified, and they top up to 50% (collected by
    the committee and paid in as one batch); that day's run closes the case. In three estates a
    tenth of the households never top up: their cases are still open (overdue) today."""
    import heapq

    shown = demo_estate()  # the demo owner's estate keeps its everyday history (interest, revenue)
    estates = [e for e in Estate.objects.filter(fund_accounts__kind=AccountKind.BANK).distinct()
               .order_by("delivered_on", "pk")
               if delivered(e) < PERIOD[0] and (shown is None or e.pk != shown.pk) and Account.objects.filter(estate=e, kind=AccountKind.HOME,
                                                                      balance_fen__gt=0).exists()]
    estates = estates[:RECOLLECTION_ESTATES]
    queue: list[tuple[dt.date, int, str, int]] = []
    for i, estate in enumerate(estates):
        heapq.heappush(queue, (dt.date(2016 + i % 5, 3 + i % 9, 10), i, "repair", estate.pk))
    laggards = {estates[i].pk for i in (5, 11, 17) if i < len(estates)}
    seq = len(estates)
    while queue:
        day, _n, what, estate_id = heapq.heappop(queue)
        if what == "repair":
            homes = [a for a in Account.objects.filter(estate_id=estate_id, kind=AccountKind.HOME, balance_fen__gt=0)
                     .order_by("pk")]
            total = sum(a.balance_fen for a in homes) * 3 // 4
            shares = ledger.apportion(total, {a.pk: a.balance_fen for a in homes})
            ledger.post(actor=system, key=f"demo-repair:{estate_id}", kind=PostingKind.CHARGE, on=day,
                        entries=[(services.bank_of(estate_id).pk, -total)] + [(pk, f) for pk, f in shares.items() if f],
                        memo="屋面及外立面大修，按户余额分摊（演示）")
        elif what == "top_up":
            rule = services.rule_on(day)
            owed = []
            for k, a in enumerate(_below(estate_id, rule.recollect_below_bp)):
                if estate_id in laggards and k % 10 == 0:
                    continue  # these owners never paid
                owed.append((a.pk, -(-a.initial_fen * rule.top_up_to_bp // 10000) - a.balance_fen))
            owed = [(pk, fen) for pk, fen in owed if fen > 0]
            if owed:
                ledger.post(actor=system, key=f"demo-topup:{estate_id}", kind=PostingKind.TOP_UP, on=day,
                            entries=[(services.bank_of(estate_id).pk, sum(f for _p, f in owed))]
                            + [(pk, -fen) for pk, fen in owed],
                            memo="业主续筹补交至首期的50%，业委会汇总入账（演示）")
        services.recollection_tick(today=day)
        case = Recollection.objects.filter(estate_id=estate_id).order_by("-opened_on", "-pk").first()
        if case is None or case.status == RecollectionStatus.CLOSED:
            continue
        seq += 1
        if what == "repair" and case.opened_on == day:  # the clock's next run after the assembly's time
            heapq.heappush(queue, (case.decide_by + dt.timedelta(days=1), seq, "tick", estate_id))
        elif case.status == RecollectionStatus.NOTIFIED and what == "tick":
            heapq.heappush(queue, (case.notified_on + dt.timedelta(days=30 + estate_id % 40), seq, "top_up",
                                   estate_id))
    _say(out, f"  fund re-collection: {len(estates)} estates (2016–2020)")
    return len(estates)


FIRMS = ("金信代理记账有限公司（演示）", "诚达财务咨询有限公司（演示）", "众和代理记账事务所（演示）")


def engagements(out) -> int:
    """The plan's 66 owners' assemblies that used proxy bookkeeping in 2016–2020: the first 66
    assemblies founded by the end of 2020 and not dissolved before 2016, one per estate, each
    engaging one of three bookkeeping firms from a day in 2016–2020 (not before it was founded)."""
    firms = [Organisation.objects.create(name=name, kind=OrgKind.BOOKKEEPER) for name in FIRMS]
    chosen, estates = [], set()
    for committee in (OwnersCommittee.objects.filter(assembly_established_on__lte=PERIOD[1])
                      .exclude(dissolved_on__lt=PERIOD[0]).select_related("area").order_by("pk")):
        if committee.area.estate_id not in estates:
            estates.add(committee.area.estate_id)
            chosen.append(committee)
        if len(chosen) == BOOKKEEPING_ASSEMBLIES:
            break
    for i, committee in enumerate(chosen):
        since = max(dt.date(2016 + i % 5, 1 + i % 12, 1), committee.assembly_established_on)
        Engagement.objects.create(firm=firms[i % len(firms)], estate_id=committee.area.estate_id, since=since)
    _say(out, f"  proxy bookkeeping: {len(chosen)} assemblies")
    return len(chosen)


def _yuan(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def bank_statements(estate: Estate, actor, since: dt.date) -> int:
    """The bank's statements of the estate's fund and public-revenue bank accounts since
    ``since``, imported as the offices would (``bank.statement_import``, CSV): every ledger entry
    is on the bank's statement on its day — except the second of each account, which the bank
    booked two days later (both sides unmatched, the hint links them) —, and the bank adds its
    quarterly account fee (on the bank's side only)."""
    from io import BytesIO

    from . import bank

    lines = 0
    for account in Account.objects.filter(estate=estate, kind__in=bank.BANK_KINDS).order_by("pk"):
        rows = []
        entries = list(Entry.objects.filter(account=account, on__gte=since).order_by("on", "pk"))
        for n, e in enumerate(entries):
            day = e.on + dt.timedelta(days=2) if n == 1 else e.on
            rows.append((day, account.sign * e.amount_fen, f"{account.pk:06d}{day:%Y%m%d}{n:04d}", "入账（演示）"))
        months = sorted({(e.on.year, e.on.month) for e in entries if e.on.month % 3 == 0})
        for year, month in months:
            rows.append((dt.date(year, month, 25), -1500, f"{account.pk:06d}{year}{month:02d}FEE", "账户管理费（演示）"))
        if not rows:
            continue
        text = "交易日期,金额(元),流水号,摘要\n" + "".join(f"{d.isoformat()},{_yuan(f)},{ref},{memo}\n"
                                                     for d, f, ref, memo in sorted(rows))
        lines += bank.statement_import(actor=actor, account=account, upload=BytesIO(text.encode()),
                                       filename=f"bank-{account.pk}.csv")["created"]
    return lines


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
            counts["fund_bank_lines"] = bank_statements(estate, system, dt.date(2024, 1, 1))
    from . import periods

    counts["fund_month_cells"] = periods.rebuild()  # the deposits in bulk bypassed ledger.post
    _say(out, f"  maintenance fund: {counts}")
    return counts
