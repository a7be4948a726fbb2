"""An application to use the fund, through the services: the ordinary path with a real owners'
vote (its decision taken from ``votes.selectors.decided``, never recounted), payments charged to
the paying homes by floor area, settlement re-apportioning the final cost, the emergency path at
its 7-day boundary, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.funds import selectors, services
from fangguan.funds.models import Application, ApplicationEvent, Posting
from fangguan.outbox.models import OutboxEvent

from .test_ledger import assert_balances_are_sums

pytestmark = pytest.mark.django_db


def charged_by_sql(app_id) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.home_id, SUM(e.amount_fen) FROM funds_entry e JOIN funds_posting p ON p.id = e.posting_id "
                       "JOIN funds_account a ON a.id = e.account_id WHERE p.application_id = %s AND a.kind = 'home' "
                       "GROUP BY a.home_id", [app_id])
        return {h: int(s) for h, s in cursor.fetchall()}


def test_the_ordinary_path_to_an_audited_repair(world):
    c, b = world.users["committee"], world.users["bureau"]
    app = world.application()
    assert app.homes == sorted(h.pk for h in world.homes.values())
    app = services.act(world.users["town"], app, "review_price", reviewed_fen=440000)
    vote = world.vote(app.homes, close=False)
    app = services.act(c, app, "put_to_vote", vote=vote.pk)
    with pytest.raises(ActionConflict):  # the vote is still open: no decision yet
        services.act(c, app, "approve")
    from fangguan.votes import services as votes

    votes.act(system_actor(), vote, "close", now=vote.closes_at)
    with pytest.raises(ActionConflict):  # the owners approved: it cannot be recorded as refused
        services.act(c, app, "refuse")
    assert services.decide_due() == 1  # the clock takes the decision
    app.refresh_from_db()
    assert app.status == "approved"
    app = services.act(b, app, "review_procedure")
    app = services.act(c, app, "publish", notice="经业主表决通过，动用维修资金更换水泵。")
    app = services.act(world.users["bookkeeper"], app, "pay", amount_fen=300000)
    app = services.act(c, app, "pay", amount_fen=140000)
    with pytest.raises(ValidationError):  # beyond the reviewed price
        services.act(c, app, "pay", amount_fen=1)
    # 440 000 fen over 440.00 ㎡: 1000 fen per ㎡, exactly
    assert charged_by_sql(app.pk) == {world.homes[r].pk: int(world.homes[r].area_m2 * 1000) for r in world.homes}
    app = services.act(c, app, "settle", final_fen=430001)
    charged = charged_by_sql(app.pk)
    assert sum(charged.values()) == 430001
    assert all(abs(charged[world.homes[r].pk] - world.homes[r].area_m2 * 430001 / 440) < 1 for r in world.homes)
    app = services.act(world.users["town"], app, "audit")
    assert app.status == "audited"
    kinds = list(ApplicationEvent.objects.filter(application=app).values_list("kind", flat=True))
    assert kinds == ["created", "price_reviewed", "put_to_vote", "approved", "procedure_reviewed", "published", "paid",
                     "paid", "settled", "audited"]
    assert OutboxEvent.objects.filter(aggregate_type="funds.application", aggregate_id=str(app.pk)).count() == len(kinds)
    assert_balances_are_sums()


def test_a_refused_use_and_a_vote_of_other_homes(world):
    c = world.users["committee"]
    app = world.application(scope_kind="buildings", scope={"buildings": [world.b2.pk]})
    app = services.act(world.users["bureau"], app, "review_price", reviewed_fen=10000)
    wrong = world.vote([world.homes["101"].pk], yes=("ann",))
    with pytest.raises(ValidationError):  # not a vote of the paying homes
        services.act(c, app, "put_to_vote", vote=wrong.pk)
    vote = world.vote(app.homes, yes=(), no=("fay", "gus"))
    app = services.act(c, app, "put_to_vote", vote=vote.pk)
    with pytest.raises(ActionConflict):
        services.act(c, app, "approve")
    app = services.act(c, app, "refuse")
    assert app.status == "refused" and not Posting.objects.filter(application=app).exists()


def test_shares_add_up_and_show_the_shortfall(world):
    app = world.application(scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}},
                            estimate_fen=100000)
    shares = selectors.shares(app)
    assert [s.label for s in shares] == ["1号 101", "1号 102", "1号 103"]
    assert sum(s.amount_fen for s in shares) == 100000
    assert [s.amount_fen for s in shares] == [25000, 35000, 40000]  # 50 : 70 : 80
    assert all(s.shortfall_fen == 0 for s in shares)
    big = world.application(scope_kind="homes", scope={"homes": [world.homes["101"].pk]}, estimate_fen=600000)
    (share,) = selectors.shares(big)
    assert share.shortfall_fen == 600000 - 560000  # the owner pays what the sub-account does not hold


def test_a_payment_a_home_cannot_cover_is_refused_and_changes_nothing(world):
    c = world.users["committee"]
    app = world.application(scope_kind="homes", scope={"homes": [world.homes["101"].pk]}, estimate_fen=600000,
                            emergency="pump")
    app = services.act(c, app, "authorise_emergency")
    before = (Posting.objects.count(), world.account("101").balance_fen, Application.objects.get(pk=app.pk).paid_fen)
    with pytest.raises(ValidationError):
        services.act(c, app, "pay", amount_fen=600000)
    assert (Posting.objects.count(), world.account("101").balance_fen,
            Application.objects.get(pk=app.pk).paid_fen) == before
    assert Application.objects.get(pk=app.pk).status == "emergency"


def at(when: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=when.replace(tzinfo=dt.UTC))


def test_emergency_the_committee_within_seven_days_then_the_district(world):
    filed = dt.date(2025, 7, 1)
    app = world.application(emergency="lift", filed_on=filed)
    c, b = world.users["committee"], world.users["bureau"]
    with at(dt.datetime(2025, 7, 8, 4)):  # day 7 (noon in Shanghai): still the committee's
        with pytest.raises(ActionConflict):
            services.act(b, app, "arrange_emergency")
        assert "authorise_emergency" in services.MACHINE.allowed(c, app)
    with at(dt.datetime(2025, 7, 9, 4)):  # day 8: the district may arrange it
        with pytest.raises(ActionConflict):
            services.act(c, app, "authorise_emergency")
        app = services.act(b, app, "arrange_emergency")
    assert app.status == "emergency"
    not_urgent = world.application()
    with pytest.raises(ActionConflict):
        services.act(c, not_urgent, "authorise_emergency")


def test_refusals_change_nothing(world):
    app = world.application()
    before = (Application.objects.filter(pk=app.pk).values().get(), ApplicationEvent.objects.count())
    for role in ("ann", "company", "neighbourhood", "other_town", "other_bookkeeper", "it", "auditor"):
        with pytest.raises((ActionForbidden, PermissionDenied)):
            services.act(world.users[role], app, "review_price", reviewed_fen=1)
    with pytest.raises(ActionForbidden):
        services.act(world.users["committee"], app, "review_price", reviewed_fen=1)
    with pytest.raises(ActionConflict):
        services.act(world.users["committee"], app, "publish", notice="x")
    with pytest.raises(ValidationError):
        services.act(world.users["bureau"], app, "review_price", reviewed_fen=0)
    assert (Application.objects.filter(pk=app.pk).values().get(), ApplicationEvent.objects.count()) == before
    for role in ("ann", "town", "bureau", "company", "other_bookkeeper"):
        with pytest.raises(PermissionDenied):
            services.application_create(actor=world.users[role], area=world.area, title="x", parts="x",
                                        scope_kind="area", scope={}, estimate_fen=1)
    assert Application.objects.count() == 1
    assert timezone.now()
