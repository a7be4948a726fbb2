"""The life of an application to use the fund in one table (``core.machine``).

Ordinary path (Shanghai 2020 rules Arts. 67–69): drafted → price reviewed (审价, by the district
bureau or the town office) → put to the owners who pay (a vote of those homes; its decision is
``votes.selectors.decided`` — never recounted here) → approved or refused → procedure reviewed
(使用程序审核) → notice published → paid (one or several payments to the contractor) → settled with
the final cost (the difference re-apportioned) → audited.

Emergency path (Art. 73 ¶2–3): for a pump, a stopped lift, a fire system, a façade at risk or a
severe leak, the owners' committee authorises the repair within the parameter's days (7) of the
filing, or after them the district arranges it; the repair is then paid and settled, the price
reviewed on the invoices, and the owners' vote follows as the rules provide.

Capacities: ``committee`` (the owners' committee of the application's management area),
``bookkeeper`` (the bookkeeping firm the estate engaged: it files and follows applications for the
committee, but authorising an emergency repair is the committee's own), ``reviewer`` (the bureau,
or the town office of the estate's town), ``system`` (the clock: the decision once the vote is closed).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import grants
from fangguan.core.machine import STAY, SYSTEM, Machine, Transition
from fangguan.registry.models import OwnersCommittee

from .choices import EventKind
from .choices import Status as S

COMMITTEE = "committee"
BOOKKEEPER = "bookkeeper"
REVIEWER = "reviewer"
CAPACITIES = (COMMITTEE, BOOKKEEPER, REVIEWER, SYSTEM)
APPLICANT = frozenset({COMMITTEE, BOOKKEEPER})


def _decision(app):
    from fangguan.votes.selectors import decided

    return decided(app.vote_id) if app.vote_id else None


def _passed(app, caps):
    decision = _decision(app)
    if decision is None:
        return _("The owners have not decided yet (the vote is not closed).")
    if not decision.passed:
        return _("The owners did not approve this use of the fund.")
    return None


def _not_passed(app, caps):
    decision = _decision(app)
    if decision is None:
        return _("The owners have not decided yet (the vote is not closed).")
    if decision.passed:
        return _("The owners approved this use of the fund.")
    return None


def emergency_deadline(app) -> dt.date:
    from .services import rule_on

    return app.filed_on + dt.timedelta(days=rule_on(app.filed_on).emergency_days)


def _committee_in_time(app, caps):
    if not app.emergency:
        return _("Only an emergency repair takes this path.")
    if timezone.localdate() > emergency_deadline(app):
        return _("The committee's days to approve have passed; the district may arrange the repair.")
    return None


def _district_after_deadline(app, caps):
    if not app.emergency:
        return _("Only an emergency repair takes this path.")
    if timezone.localdate() <= emergency_deadline(app):
        return _("The owners' committee may still approve until %(day)s.") % {"day": emergency_deadline(app)}
    return None


TABLE: dict[str, Transition] = {
    "review_price": Transition({S.DRAFTED: S.PRICE_REVIEWED}, frozenset({REVIEWER}), EventKind.PRICE_REVIEWED),
    "put_to_vote": Transition({S.PRICE_REVIEWED: S.VOTING}, APPLICANT, EventKind.PUT_TO_VOTE),
    "approve": Transition({S.VOTING: S.APPROVED}, APPLICANT | {REVIEWER, SYSTEM}, EventKind.APPROVED,
                          guard=_passed),
    "refuse": Transition({S.VOTING: S.REFUSED}, APPLICANT | {REVIEWER, SYSTEM}, EventKind.REFUSED,
                         guard=_not_passed),
    "review_procedure": Transition({S.APPROVED: S.PROCEDURE_REVIEWED}, frozenset({REVIEWER}),
                                   EventKind.PROCEDURE_REVIEWED),
    "publish": Transition({S.PROCEDURE_REVIEWED: S.PUBLISHED}, APPLICANT, EventKind.PUBLISHED),
    "authorise_emergency": Transition({S.DRAFTED: S.EMERGENCY}, frozenset({COMMITTEE}), EventKind.EMERGENCY,
                                      guard=_committee_in_time),
    "arrange_emergency": Transition({S.DRAFTED: S.EMERGENCY}, frozenset({REVIEWER}), EventKind.EMERGENCY,
                                    guard=_district_after_deadline),
    "pay": Transition({S.PUBLISHED: S.PAYING, S.EMERGENCY: S.PAYING, S.PAYING: STAY}, APPLICANT | {REVIEWER},
                      EventKind.PAID),
    "settle": Transition({S.PAYING: S.SETTLED}, APPLICANT, EventKind.SETTLED),
    "audit": Transition({S.SETTLED: S.AUDITED}, frozenset({REVIEWER}), EventKind.AUDITED),
    "withdraw": Transition({S.DRAFTED: S.WITHDRAWN, S.PRICE_REVIEWED: S.WITHDRAWN}, APPLICANT,
                           EventKind.WITHDRAWN),
}


def capacities(user, app, today=None) -> frozenset[str]:
    from .scopes import engaged_estates

    found = set()
    for g in grants(user):
        if g.kind == OrgKind.BOOKKEEPER and g.organisation_id and engaged_estates(g.organisation_id).filter(
                estate_id=app.estate_id).exists():
            found.add(BOOKKEEPER)
        elif g.kind == OrgKind.OWNERS_COMMITTEE and OwnersCommittee.objects.filter(pk=g.committee_id,
                                                                               area_id=app.area_id).exists():
            found.add(COMMITTEE)
        elif g.kind == OrgKind.BUREAU or (g.kind == OrgKind.TOWN_OFFICE and g.town_id == app.estate.town_id):
            found.add(REVIEWER)
    return frozenset(found)


MACHINE = Machine(
    TABLE, capacities, forbidden=_("You may not do this to this application."),
    conflict=_("Not possible while the application is “%(state)s”."),
)
