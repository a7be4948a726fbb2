"""The application workflow, every state × every action × every capacity (``tests/kit``), against
this table written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.funds import services
from fangguan.funds.machine import MACHINE
from fangguan.funds.models import Application, ApplicationEvent, Posting
from tests.kit.machines import SAME, check_every_transition

pytestmark = pytest.mark.django_db

D, PR, V, AP, RF, PRC, EM, PB, PY, ST, AU, W = (
    "drafted", "price_reviewed", "voting", "approved", "refused", "procedure_reviewed", "emergency", "published",
    "paying", "settled", "audited", "withdrawn")
APPLICANTS = {"committee", "bookkeeper"}

EXPECTED = {
    "review_price": ({"reviewer"}, {D: PR}),
    "put_to_vote": (APPLICANTS, {PR: V}),
    "approve": (APPLICANTS | {"reviewer", "system"}, {V: AP}),
    "refuse": (APPLICANTS | {"reviewer", "system"}, {V: RF}),
    "review_procedure": ({"reviewer"}, {AP: PRC}),
    "publish": (APPLICANTS, {PRC: PB}),
    "authorise_emergency": ({"committee"}, {D: EM}),
    "arrange_emergency": ({"reviewer"}, {D: EM}),
    "pay": (APPLICANTS | {"reviewer"}, {PB: PY, EM: PY, PY: SAME}),
    "settle": (APPLICANTS, {PY: ST}),
    "audit": ({"reviewer"}, {ST: AU}),
    "withdraw": (APPLICANTS, {D: W, PR: W}),
}


def test_every_transition(world):
    homes = sorted(h.pk for h in world.homes.values())
    passed = world.vote(homes)
    refused = world.vote(homes, yes=(), no=("ann", "bo", "dee"))
    users = {"committee": world.users["committee"], "bookkeeper": world.users["bookkeeper"],
             "reviewer": world.users["bureau"], "system": system_actor(), "outsider": world.users["ann"],
             "other_town": world.users["other_town"]}
    params = {"review_price": {"reviewed_fen": 1000}, "put_to_vote": {"vote": passed.pk}, "pay": {"amount_fen": 100},
              "settle": {"final_fen": 100}, "publish": {"notice": "公告"}}

    def record_in(state):
        app = world.application(estimate_fen=1000)
        Application.objects.filter(pk=app.pk).update(status=state, reviewed_fen=1000,
                                                     paid_fen=100 if state == PY else 0)
        return app

    def prepare(app, action):
        today = timezone.localdate()
        changes = {}
        if action in ("approve", "refuse"):
            changes["vote"] = passed if action == "approve" else refused
        if action == "authorise_emergency":
            changes.update(emergency="pump", filed_on=today)
        if action == "arrange_emergency":
            changes.update(emergency="pump", filed_on=today - dt.timedelta(days=30))
        if changes:
            Application.objects.filter(pk=app.pk).update(**changes)

    def perform(user, app, action):
        return services.act(user, Application.objects.get(pk=app.pk), action, **params.get(action, {}))

    def snapshot(app):
        row = Application.objects.filter(pk=app.pk).values().get()
        row.pop("updated_at")
        return repr(sorted(row.items())), Posting.objects.count()

    outcomes = check_every_transition(
        machine=MACHINE, expected=EXPECTED, states=[D, PR, V, AP, RF, PRC, EM, PB, PY, ST, AU, W],
        capacities=list(users), record_in=record_in, actor=users.__getitem__, perform=perform, snapshot=snapshot,
        events=lambda app: ApplicationEvent.objects.filter(application_id=app.pk).count(), prepare=prepare)
    assert outcomes.ok == sum(len(moves) * len(who) for who, moves in EXPECTED.values())
    assert outcomes.total == 12 * len(EXPECTED) * len(users)
