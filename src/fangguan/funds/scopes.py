"""Who sees the fund's books and who may do what — the one place these rules live.

Seeing (per grant): the bureau and auditors, every estate; a town office, its town's estates; an
owners' committee, its estate's; a bookkeeping firm (代理记账机构), the estates that engaged it
while the engagement runs — and nothing else on the platform; a neighbourhood committee, the
statements its estates published; an owner, the sub-accounts of their own homes (and their
entries), and the statements and applications of their estates. Property companies see none of it.

Posting: the bureau (the fund's deposits, interest, charges, corrections); public-revenue postings
also the estate's owners' committee and its bookkeeper. Applying to use the fund and publishing
statements: the owners' committee or its bookkeeper. The steps of an application are the
workflow's (``machine.TABLE``). The parameters: read by staff, changed by the bureau (a version
not yet in force).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, grants
from fangguan.core.scopes import ADD, DELETE, EVERYTHING, NOTHING, FieldGrant, Rule, register_scope
from fangguan.registry import models as rm
from fangguan.registry.scopes import reach_of

from . import models as m
from .choices import REVENUE_KINDS, AccountKind, PostingKind, Status

ALL = "all"
APPLICATION_KINDS = {PostingKind.CHARGE, PostingKind.REFUND, PostingKind.ADJUSTMENT}


def engaged_estates(organisation_id: int, day: dt.date | None = None) -> QuerySet:
    """The estates a bookkeeping firm keeps the books of on ``day``, as a subquery of ids."""
    day = day or timezone.localdate()
    return (m.Engagement.objects.filter(firm_id=organisation_id, since__lte=day)
            .filter(Q(until__isnull=True) | Q(until__gte=day)).values("estate_id"))


def staff_estates(user, *, statements: bool = False) -> str | list[QuerySet]:
    """The estates whose books ``user`` reads as staff: ALL, or subqueries of estate ids."""
    found: list[QuerySet] = []
    for g in grants(user):
        if g.kind in (OrgKind.BUREAU, OrgKind.AUDIT):
            return ALL
        if g.kind in (OrgKind.TOWN_OFFICE, OrgKind.OWNERS_COMMITTEE) or (statements and g.kind == OrgKind.NEIGHBOURHOOD):
            found.append(reach_of(g).estates)
        elif g.kind == OrgKind.BOOKKEEPER and g.organisation_id:
            found.append(engaged_estates(g.organisation_id))
    return found


def own_homes(user) -> list[QuerySet]:
    return [reach_of(g).homes for g in grants(user) if g.kind == OWNER]


def own_estates(user) -> list[QuerySet]:
    return [reach_of(g).estates for g in grants(user) if g.kind == OWNER]


def _estate_q(user, field: str, *, statements: bool = False, owners: bool = False) -> Q | None:
    staff = staff_estates(user, statements=statements)
    if staff == ALL:
        return None
    q = Q(pk__in=[])
    for estates in staff:
        q |= Q(**{f"{field}__in": estates})
    if owners:
        for estates in own_estates(user):
            q |= Q(**{f"{field}__in": estates})
    return q


def estates_seen(user, *, statements: bool = False, owners: bool = False) -> QuerySet:
    """The estates of which ``user`` sees fund records, as the records' rules see them (staff's
    estates; with ``statements`` a neighbourhood committee's; with ``owners`` an owner's estates):
    what a body naming an estate or a management area may name — another is "no such record" (422,
    ``core.api.body_ref``), not 403."""
    q = _estate_q(user, "pk", statements=statements, owners=owners)
    return rm.Estate.objects.all() if q is None else rm.Estate.objects.filter(q)


def keeps_books(user, estate_id: int) -> bool:
    """The owners' committee of the estate, or the bookkeeping firm it engaged (today)."""
    for g in grants(user):
        if g.kind == OrgKind.OWNERS_COMMITTEE and rm.OwnersCommittee.objects.filter(
                pk=g.committee_id, area__estate_id=estate_id).exists():
            return True
        if g.kind == OrgKind.BOOKKEEPER and g.organisation_id and engaged_estates(g.organisation_id).filter(
                estate_id=estate_id).exists():
            return True
    return False


def is_bureau(user) -> bool:
    return any(g.kind == OrgKind.BUREAU for g in grants(user))


FIGURE_READERS = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE}


def may_see_figures(user) -> bool:
    """The figures by town and estate, the re-collection watch and the late statements are the
    supervisors' (the bureau, auditors, town offices): the API and the pages ask here, so the two
    doors cannot drift apart."""
    return any(g.kind in FIGURE_READERS for g in grants(user))


def may_keep_some_books(user) -> bool:
    return any(g.kind in (OrgKind.OWNERS_COMMITTEE, OrgKind.BOOKKEEPER) for g in grants(user))


class AccountRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "estate")
        if q is None:
            return qs
        for homes in own_homes(user):
            q |= Q(kind=AccountKind.HOME, home__in=homes)
        return qs.filter(q)

    def allows(self, user, action, record):
        return action == ADD and is_bureau(user)


class EntryRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "account__estate")
        if q is None:
            return qs
        for homes in own_homes(user):
            q |= Q(account__kind=AccountKind.HOME, account__home__in=homes)
        return qs.filter(q)


class PostingRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "estate")
        if q is None:
            return qs
        for homes in own_homes(user):
            q |= Q(pk__in=m.Entry.objects.filter(account__kind=AccountKind.HOME, account__home__in=homes)
                   .values("posting_id"))
        return qs.filter(q)

    def allows(self, user, action, record):
        if action != ADD:
            return False
        if record is None:
            return is_bureau(user) or may_keep_some_books(user)
        kind = record.reverses.kind if record.kind == PostingKind.REVERSAL and record.reverses_id else record.kind
        if record.application_id and kind in APPLICATION_KINDS:  # a payment or settlement: the workflow's step
            from .machine import MACHINE

            return any(MACHINE.permits(user, step, record.application) for step in ("pay", "settle"))
        return is_bureau(user) or (kind in REVENUE_KINDS and keeps_books(user, record.estate_id))


class ApplicationRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "estate")
        if q is None:
            return qs
        for estates in own_estates(user):
            q |= Q(estate__in=estates) & ~Q(status__in=(Status.DRAFTED, Status.WITHDRAWN))
        return qs.filter(q)

    def fields(self, user, record):
        if record.status == Status.DRAFTED and keeps_books(user, record.estate_id):
            return FieldGrant(fields=frozenset({"title", "parts", "estimate_fen", "contractor", "emergency"}))
        return NOTHING

    def allows(self, user, action, record):
        if action == ADD:
            return may_keep_some_books(user) if record is None else keeps_books(user, record.estate_id)
        if action == DELETE:
            return record is not None and record.status == Status.DRAFTED and keeps_books(user, record.estate_id)
        from .machine import MACHINE

        return record is not None and MACHINE.permits(user, action, record)


class BankLineRule(Rule):
    """The bank's statement lines are the books' staff's (owners see their own sub-accounts, not
    the estate's bank account). Importing them: the bureau, which keeps the fund's bank accounts;
    for a public-revenue bank account also the owners' committee or its bookkeeper, who keep
    that ledger (``may_import_bank_lines``)."""

    def visible(self, qs, user):
        q = _estate_q(user, "account__estate")
        return qs if q is None else qs.filter(q)

    def allows(self, user, action, record):
        if action != ADD:
            return False
        if record is None:
            return is_bureau(user) or may_keep_some_books(user)
        return may_import_bank_lines(user, record.account)


def may_import_bank_lines(user, account) -> bool:
    if account.kind == AccountKind.BANK:
        return is_bureau(user)
    if account.kind == AccountKind.REVENUE_BANK:
        return is_bureau(user) or keeps_books(user, account.estate_id)
    return False


class HangsFromApplication(Rule):
    def visible(self, qs, user):
        return qs.filter(application__in=m.Application.objects.visible_to(user).values("pk"))


class StatementRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "estate", statements=True, owners=True)
        return qs if q is None else qs.filter(q)

    def allows(self, user, action, record):
        if action != ADD:
            return False
        return may_keep_some_books(user) if record is None else keeps_books(user, record.estate_id)


class AuditReportRule(Rule):
    """Staff who read the estate's statements see its audit reports; its owners see a report while
    it is posted (``posted_on`` through ``posted_until``: Art. 67 ¶2). Posting one: the estate's
    owners' committee or its bookkeeper, or the bureau."""

    def visible(self, qs, user):
        q = _estate_q(user, "estate", statements=True)
        if q is None:
            return qs
        today = timezone.localdate()
        for estates in own_estates(user):
            q |= Q(estate__in=estates, posted_on__lte=today, posted_until__gte=today)
        return qs.filter(q)

    def allows(self, user, action, record):
        if action != ADD:
            return False
        if record is None:
            return is_bureau(user) or may_keep_some_books(user)
        return is_bureau(user) or keeps_books(user, record.estate_id)


class RecollectionRule(Rule):
    def visible(self, qs, user):
        q = _estate_q(user, "estate", owners=True)
        return qs if q is None else qs.filter(q)


class EngagementRule(Rule):
    """The assembly engages a firm (its committee records it); the bureau too. The firm sees its own."""

    def visible(self, qs, user):
        q = _estate_q(user, "estate")
        if q is None:
            return qs
        for g in grants(user):
            if g.kind == OrgKind.BOOKKEEPER:
                q |= Q(firm_id=g.organisation_id)
        return qs.filter(q)

    def _manages(self, user, record) -> bool:
        return is_bureau(user) or any(
            g.kind == OrgKind.OWNERS_COMMITTEE and rm.OwnersCommittee.objects.filter(
                pk=g.committee_id, area__estate_id=record.estate_id).exists() for g in grants(user))

    def fields(self, user, record):
        return FieldGrant(fields=frozenset({"until"})) if self._manages(user, record) else NOTHING

    def allows(self, user, action, record):
        if action == ADD and record is None:
            return is_bureau(user) or any(g.kind == OrgKind.OWNERS_COMMITTEE for g in grants(user))
        return action in (ADD, DELETE) and record is not None and self._manages(user, record)


class FundRuleRule(Rule):
    def visible(self, qs, user):
        staff = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.OWNERS_COMMITTEE, OrgKind.BOOKKEEPER,
                 OrgKind.NEIGHBOURHOOD}
        return qs if any(g.kind in staff for g in grants(user)) else qs.none()

    def _future(self, record) -> bool:
        return record.effective_from > timezone.localdate()

    def fields(self, user, record):
        return EVERYTHING if is_bureau(user) and self._future(record) else NOTHING

    def allows(self, user, action, record):
        if not is_bureau(user):
            return False
        return action == ADD or (action == DELETE and record is not None and self._future(record))




class MonthBalanceRule(Rule):
    """The stored month balances (``periods``): read for the estates a user reads as staff (whole
    estates only: an owner's own home is not a cell); written only by ``ledger.post``."""

    def visible(self, qs, user):
        q = _estate_q(user, "estate")
        return qs if q is None else qs.filter(q)

    def allows(self, user, action, record):
        return False


def register_all() -> None:
    register_scope(m.MonthBalance, MonthBalanceRule())
    register_scope(m.Account, AccountRule())
    register_scope(m.Entry, EntryRule())
    register_scope(m.Posting, PostingRule())
    register_scope(m.Application, ApplicationRule())
    register_scope(m.ApplicationEvent, HangsFromApplication())
    register_scope(m.Statement, StatementRule())
    register_scope(m.AuditReport, AuditReportRule())
    register_scope(m.Recollection, RecollectionRule())
    register_scope(m.Engagement, EngagementRule())
    register_scope(m.FundRule, FundRuleRule())
    register_scope(m.BankLine, BankLineRule())
