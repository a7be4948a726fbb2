"""Bank statements and their reconciliation with the ledger (issue 16, "Ledger").

A statement is imported for one bank account of the fund (an estate's) or of public revenue (a
management area's), from .xlsx or CSV, read by the import machinery's own reader
(``imports.reading.open_table`` and ``imports.specs.parse_row``: the same encodings, headings,
date and number forms, formula checks as every other import). The file is taken whole or not at
all: any bad row refuses it, naming the rows. A line's bank serial number is unique per account,
so importing the same statement again adds nothing (an identical line is "unchanged"; the same
serial with another day or amount is an error). ``STATEMENT`` is an ``ImportSpec`` but is not
registered as a kind of the generic imports pages (``imports.specs.register``): a statement
belongs to one account, chosen on the reconciliation page or in the API call, and registering it
would offer it on /imports/ without that choice.

Reconciliation sets a month's bank lines against the ledger's entries on that account. A line
and an entry match when they agree on the day and on the amount to the fen — one line to one
entry, in the bank's and the ledger's order, so two equal payments on one day match two entries
and a third stays unmatched. Nothing looser is matched automatically: the same amount on another
day, or one fen off, is money a person must look at, so both sides stay unmatched (a bank line
shows the ledger entries of the same amount within ``NEAR_DAYS`` as a hint).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.core.audit import log_bulk_create
from fangguan.core.scopes import ADD, require
from fangguan.imports import cells
from fangguan.imports.reading import FileProblem, open_table
from fangguan.imports.specs import (
    CREATE,
    UNCHANGED,
    Column,
    Context,
    ImportSpec,
    Row,
    chunks,
    parse_row,
)

from .choices import AccountKind
from .models import Account, BankLine, Entry

BANK_KINDS = (AccountKind.BANK, AccountKind.REVENUE_BANK)
NEAR_DAYS = 7
MAX_ERRORS = 20
MAX_YUAN = Decimal(10**13)  # a line's amount, far beyond any statement, inside the fen column's range


class BankStatementSpec(ImportSpec):
    """The columns of a bank statement and how its rows are checked and written, for one account
    (``ctx.memo["account"]``)."""

    kind = "fund_bank_statement"
    label = gettext_lazy("bank statement of a fund account")
    model = BankLine
    columns = [
        Column("交易日期", "on", cells.date, True, example="2025-03-21", help=gettext_lazy("The bank's date of the line")),
        Column("金额(元)", "amount", cells.decimal, True, example="-1200.50",
               help=gettext_lazy("Money in positive, money out negative, in yuan to the fen")),
        Column("流水号", "reference", cells.text, True, example="20250321000123",
               help=gettext_lazy("The bank's serial number of the line (unique per account)")),
        Column("摘要", "memo", cells.text, example="利息"),
    ]

    def prepare(self, rows: list[Row], ctx: Context) -> None:
        account: Account = ctx.memo["account"]
        seen: set[str] = ctx.memo.setdefault("seen", set())
        refs = [str(r.values.get("reference") or "").strip() for r in rows]
        stored = {b.reference: b for b in BankLine.objects.filter(account=account, reference__in=refs)}
        for row, ref in zip(rows, refs, strict=True):
            if not row.ok:
                continue
            amount = row.values.get("amount")
            if row.values.get("on") is None:
                row.error("交易日期", _("Give the date."))
            if (amount is None or amount == 0 or abs(amount) >= MAX_YUAN
                    or amount != amount.quantize(Decimal("0.01"))):
                row.error("金额(元)", _("Give an amount in yuan to the fen, not zero."))
            if not ref or len(ref) > 64:
                row.error("流水号", _("Give the bank's serial number (at most 64 characters)."))
            if not row.ok:
                continue
            if ref in seen:
                row.error("流水号", _("This serial number is already on an earlier row of the file."))
                continue
            seen.add(ref)
            row.data = {"on": row.values["on"], "amount_fen": int(amount * 100), "reference": ref,
                        "memo": str(row.values.get("memo") or "")[:200]}
            old = stored.get(ref)
            if old is None:
                row.action = CREATE
            elif (old.on, old.amount_fen) == (row.data["on"], row.data["amount_fen"]):
                row.action = UNCHANGED
            else:
                row.error("流水号", _("This serial number was imported before with another date or amount."))

    def write(self, rows: list[Row], ctx: Context) -> None:
        now = timezone.now()
        new = [BankLine(account=ctx.memo["account"], imported_by=ctx.actor, imported_at=now, **row.data)
               for row in rows if row.ok and row.action == CREATE]
        BankLine.objects.bulk_create(new)


STATEMENT = BankStatementSpec()


def statement_import(*, actor, account: Account, upload, filename: str) -> dict[str, int]:
    """Import one bank statement of ``account``, whole or not at all. Returns the counts
    (``created``, ``unchanged``); a bad file or row raises ValidationError naming the rows."""
    if account.kind not in BANK_KINDS:
        raise ValidationError({"account": [_("Bank statements belong to a bank account.")]})
    require(actor, ADD, BankLine(account=account))
    ctx = Context(actor=actor, dry_run=False, memo={"account": account})
    counts, problems = {CREATE: 0, UNCHANGED: 0}, []
    fh = getattr(upload, "file", upload)
    fh.seek(0)
    with transaction.atomic():
        try:
            table = open_table(fh, filename, STATEMENT)
            for batch in chunks(table.rows, STATEMENT.batch_size):  # one query per batch for the stored serials
                rows = [parse_row(STATEMENT, number, raw, table.columns, lambda *a: None) for number, raw in batch]
                STATEMENT.prepare(rows, ctx)
                STATEMENT.write(rows, ctx)
                for row in rows:
                    if row.ok:
                        counts[row.action] += 1
                    problems += [_("row %(row)s, %(column)s: %(message)s") % {"row": row.number, "column": c,
                                                                             "message": m} for c, m in row.errors]
        except FileProblem as exc:
            raise ValidationError({"file": [exc.message]}) from None
        if problems:
            transaction.set_rollback(True)
            raise ValidationError({"file": problems[:MAX_ERRORS]})
        if not counts[CREATE] and not counts[UNCHANGED]:
            raise ValidationError({"file": [_("The file has a header but no rows.")]})
        if counts[CREATE]:
            log_bulk_create(actor=actor, model=BankLine, count=counts[CREATE], note=f"{account.pk}:{filename}"[:200])
    return {"created": counts[CREATE], "unchanged": counts[UNCHANGED]}


# --- Reconciliation --------------------------------------------------------------------------------


@dataclass
class Reconciliation:
    account: Account
    start: dt.date
    end: dt.date
    matched: list[tuple[BankLine, dict]] = field(default_factory=list)
    bank_only: list[tuple[BankLine, list[int]]] = field(default_factory=list)  # with the near entries' ids
    ledger_only: list[dict] = field(default_factory=list)
    bank_total_fen: int = 0
    ledger_total_fen: int = 0

    @property
    def difference_fen(self) -> int:
        return self.bank_total_fen - self.ledger_total_fen

    @property
    def reconciled(self) -> bool:
        return not self.bank_only and not self.ledger_only


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """"2025-03" → its first and last day."""
    try:
        year, number = (int(x) for x in month.split("-"))
        start = dt.date(year, number, 1)
    except (ValueError, TypeError):
        raise ValidationError({"month": [_("Give a month as 2025-03.")]}) from None
    end = dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def reconcile(account: Account, month: str) -> Reconciliation:
    """The month's bank lines against the ledger's entries on ``account`` (see the module's note)."""
    start, end = month_bounds(month)
    if account.kind not in BANK_KINDS:
        raise ValidationError({"account": [_("Bank statements belong to a bank account.")]})
    result = Reconciliation(account, start, end)
    lines = list(BankLine.objects.filter(account=account, on__range=(start, end)).order_by("on", "reference", "pk"))
    entries = [{"id": e.pk, "on": e.on, "amount_fen": account.sign * e.amount_fen, "posting": e.posting_id,
                "key": e.posting.key, "memo": e.posting.memo}
               for e in Entry.objects.filter(account=account, on__range=(start, end)).select_related("posting")
               .order_by("on", "posting_id", "pk")]
    waiting: dict[tuple, deque] = defaultdict(deque)
    for e in entries:
        waiting[(e["on"], e["amount_fen"])].append(e)
    unmatched_lines = []
    for line in lines:
        queue = waiting.get((line.on, line.amount_fen))
        if queue:
            result.matched.append((line, queue.popleft()))
        else:
            unmatched_lines.append(line)
    left = {e["id"] for q in waiting.values() for e in q}
    result.ledger_only = [e for e in entries if e["id"] in left]
    for line in unmatched_lines:
        near = [e["id"] for e in result.ledger_only if e["amount_fen"] == line.amount_fen
                and abs((e["on"] - line.on).days) <= NEAR_DAYS]
        result.bank_only.append((line, near))
    result.bank_total_fen = sum(line.amount_fen for line in lines)
    result.ledger_total_fen = sum(e["amount_fen"] for e in entries)
    return result


def bank_accounts_for(user):
    """The bank accounts whose statements ``user`` may read (for the page's choice)."""
    return (Account.objects.visible_to(user).filter(kind__in=BANK_KINDS).select_related("estate", "area")
            .order_by("estate__name", "kind", "area_id"))
