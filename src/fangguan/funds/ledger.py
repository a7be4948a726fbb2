"""The ledger's one write path, ``post``, and the arithmetic of shares.

A posting is idempotent on its key and balanced (its signed entries sum to zero, in integer fen).
Its accounts are locked in the order of their ids (``SELECT … FOR UPDATE``), so two postings over
overlapping accounts queue instead of losing an update, and never deadlock on each other; the key
is looked up again under those locks, so a replay that raced the first run returns the first
posting. No account may go below zero on its normal side (a household cannot pay more than it
holds; its owner pays the shortfall). Entries are never changed: a correction is ``reverse``.
The stored period balances (``periods``) are added to in the same transaction.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.core.machine import ActionConflict
from fangguan.core.scopes import ADD, require

from . import periods
from .choices import KIND_LEDGERS, LEDGER_OF, PostingKind
from .models import Account, Entry, Posting

K = TypeVar("K", bound=Hashable)


def apportion(total: int, weights: Mapping[K, Decimal | int | Fraction]) -> dict[K, int]:
    """Split ``total`` fen by ``weights`` (floor areas) with the largest-remainder method: every
    part is the floor of its exact share, and the fen left over go one each to the largest
    remainders (ties: in key order), so the parts add up to ``total`` exactly."""
    if not isinstance(total, int) or isinstance(total, bool):
        raise TypeError("total must be an integer number of fen")
    keys = sorted(weights)
    whole = sum((Fraction(weights[k]) for k in keys), Fraction(0))
    if any(Fraction(weights[k]) < 0 for k in keys) or whole <= 0:
        raise ValidationError(_("Shares need positive floor areas."))
    if total < 0:
        return {k: -v for k, v in apportion(-total, weights).items()}
    exact = {k: Fraction(total) * Fraction(weights[k]) / whole for k in keys}
    parts = {k: int(exact[k]) for k in keys}  # floor: exact >= 0
    left = total - sum(parts.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - parts[k]), keys.index(k)))[:left]:
        parts[k] += 1
    return parts


def fen_of(area_m2: Decimal, price_fen: int, bp: int) -> int:
    """``area × price × share`` to the fen, half up (one share of one deposit)."""
    return int((Decimal(area_m2) * price_fen * bp / 10000).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _lines(entries: Iterable) -> list[tuple[int, int]]:
    lines = []
    for entry in entries:
        account, amount = entry
        account_id = account.pk if isinstance(account, Account) else account
        if isinstance(amount, bool) or not isinstance(amount, int) or not isinstance(account_id, int):
            raise ValidationError({"entries": [_("Each entry names an account and a whole number of fen.")]})
        if amount == 0:
            raise ValidationError({"entries": [_("An entry cannot be zero.")]})
        lines.append((account_id, amount))
    if len(lines) < 2:
        raise ValidationError({"entries": [_("A posting has at least two entries.")]})
    if sum(a for _a, a in lines) != 0:
        raise ValidationError({"entries": [_("The entries do not balance: debits and credits differ by %(d)s fen.")
                                           % {"d": sum(a for _a, a in lines)}]})
    return lines


def _same(posting: Posting, kind: str, lines: list[tuple[int, int]]) -> Posting:
    """A replay of ``key``: the same posting is returned; a different one under the same key is refused."""
    stored = sorted(posting.entries.values_list("account_id", "amount_fen"))
    if posting.kind != kind or stored != sorted(lines):
        raise ActionConflict(_("This key was used for a different posting."))
    return posting


def post(*, actor, key: str, kind: str, entries: Iterable, on=None, memo: str = "", reverses: Posting | None = None,
         application=None, now=None) -> Posting:
    """Post a balanced set of entries once per ``key``; returns the posting (the stored one on a replay)."""
    key = (key or "").strip()
    if not 0 < len(key) <= 120:
        raise ValidationError({"key": [_("Give a key of at most 120 characters.")]})
    if kind not in PostingKind.values or (kind == PostingKind.REVERSAL) != (reverses is not None):
        raise ValidationError({"kind": [_("Unknown kind of posting.")]})
    lines = _lines(entries)
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    existing = Posting.objects.filter(key=key).first()
    if existing is not None:
        return _same(existing, kind, lines)
    ids = sorted({a for a, _amount in lines})
    with transaction.atomic():
        accounts = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        if len(accounts) != len(ids):
            raise ValidationError({"entries": [_("Unknown account.")]})
        existing = Posting.objects.filter(key=key).first()  # a replay that waited for our locks
        if existing is not None:
            return _same(existing, kind, lines)
        estates = {a.estate_id for a in accounts.values()}
        if len(estates) != 1:
            raise ValidationError({"entries": [_("A posting stays within one estate.")]})
        allowed = KIND_LEDGERS.get(reverses.kind if reverses is not None else kind, set())
        if any(LEDGER_OF[a.kind] not in allowed for a in accounts.values()):
            raise ValidationError({"entries": [_("This kind of posting does not touch these accounts.")]})
        posting = Posting(key=key, kind=kind, estate_id=estates.pop(), on=on, memo=(memo or "")[:500],
                          reverses=reverses, application=application, actor=actor, at=now)
        require(actor, ADD, posting)
        balances = {pk: a.balance_fen for pk, a in accounts.items()}
        for account_id, amount in lines:
            balances[account_id] += accounts[account_id].sign * amount
        short = [accounts[pk] for pk, b in balances.items() if b < 0]
        if short:
            raise ValidationError({"entries": [_("Not enough in %(accounts)s.") % {
                "accounts": "、".join(str(a) for a in short[:5])}]})
        try:
            with transaction.atomic():
                posting.save()
        except IntegrityError:
            existing = Posting.objects.filter(key=key).first()
            if existing is None:
                raise
            return _same(existing, kind, lines)
        Entry.objects.bulk_create([Entry(posting=posting, account_id=a, amount_fen=amount, on=on)
                                   for a, amount in lines])
        periods.posted(on, lines, accounts)  # the stored month balances, in this transaction
        changed = []
        for pk, balance in balances.items():
            accounts[pk].balance_fen = balance
            changed.append(accounts[pk])
        Account.objects.bulk_update(changed, ["balance_fen"])
    return posting


def reverse(*, actor, posting: Posting, reason: str, key: str | None = None, on=None, now=None) -> Posting:
    """Correct a posting by its mirror image, dated ``on`` (today by default), with its reason.

    Permission comes first: someone who may not reverse this posting is refused (403) before
    anything about the posting is told (already reversed, itself a reversal, a reason missing)."""
    require(actor, ADD, Posting(key=key or f"reverse:{posting.key}"[:120], kind=PostingKind.REVERSAL,
                                estate_id=posting.estate_id, on=on or timezone.localdate(now or timezone.now()),
                                reverses=posting, application_id=posting.application_id, actor=actor,
                                at=now or timezone.now()))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the posting is reversed.")]})
    if posting.kind == PostingKind.REVERSAL:
        raise ValidationError({"posting": [_("A reversal is corrected by a new posting, not reversed again.")]})
    if Posting.objects.filter(reverses=posting).exists():
        raise ActionConflict(_("This posting is already reversed."))
    lines = [(a, -amount) for a, amount in posting.entries.values_list("account_id", "amount_fen")]
    return post(actor=actor, key=key or f"reverse:{posting.key}"[:120], kind=PostingKind.REVERSAL, entries=lines,
                on=on, memo=_("Reverses %(key)s: %(reason)s") % {"key": posting.key, "reason": reason},
                reverses=posting, application=posting.application, now=now)
