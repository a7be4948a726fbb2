"""Opening, ballots on the phone and on paper, changes of mind, the close with its sealed result,
and every refusal changing nothing. Figures are recounted here from the hand-built estate."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.core.models import ChangeLog
from fangguan.votes import services
from fangguan.votes.models import Ballot, VoteResult

pytestmark = pytest.mark.django_db


def png(name="ballot.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def cast(world, name, choice, **kw):
    return services.act(world.owners[name], world.vote_obj, "cast", choice=choice, **kw)


def state(vote):
    return (list(Ballot.objects.filter(vote=vote).values_list("pk", flat=True)),
            ChangeLog.objects.count(), vote.__class__.objects.get(pk=vote.pk).status)


def close(world, vote):
    return services.act(system_actor(), vote, "close", now=vote.closes_at)


def test_a_ballot_per_owner_changes_kept_and_the_latest_counts(world):
    vote = world.vote_obj = world.vote()
    cast(world, "Ann", "no")
    cast(world, "Ann", "yes")  # a change of mind: a new row, the old one kept
    assert list(Ballot.objects.filter(vote=vote, voter__key=f"o:{world.people['Ann'].pk}")
                .order_by("seq").values_list("seq", "choice")) == [(1, "no"), (2, "yes")]
    cast(world, "Bo", "yes")
    cast(world, "Cy", "no")  # the co-owner casts the same home's ballot: it replaces Bo's
    joint = Ballot.objects.filter(vote=vote, voter__kind="joint").order_by("seq")
    assert [(b.seq, b.choice, b.person_id) for b in joint] == [(1, "yes", world.people["Bo"].pk),
                                                               (2, "no", world.people["Cy"].pk)]
    cast(world, "Dee", "yes")
    services.act(world.member, vote, "record_paper", home=world.homes["203"].pk, choice="yes", scan=png())  # East Co.
    services.act(world.member, vote, "record_paper", home=world.homes["201"].pk, choice="abstain", scan=png())
    cast(world, "Fay", "yes")
    vote = close(world, vote)
    r = VoteResult.objects.get(vote=vote)
    # yes: Ann 120 + Dee 100 + East Co. 120 + Fay 75.50 = 415.50 (4 owners); no: Bo+Cy 80 (1);
    # abstain: the developer 150 (1); participating 645.50 of 710.00 (6 of 7 owners)
    assert (r.yes_area_m2, r.yes_owners, r.no_area_m2, r.no_owners) == (Decimal("415.50"), 4, Decimal("80.00"), 1)
    assert (r.abstain_area_m2, r.abstain_owners) == (Decimal("150.00"), 1)
    assert (r.participating_area_m2, r.participating_owners) == (Decimal("645.50"), 6)
    # 645.50/710 ≥ 2/3 and 6/7 ≥ 2/3; yes 415.50/645.50 > 1/2 and 4/6 > 1/2: an ordinary matter passes
    assert r.quorum_met and r.passed


def test_quorum_at_exactly_two_thirds_of_the_owners(world):
    vote = world.vote_obj = world.vote(scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}},
                                       matter="elevator")  # 3 owners, 300.00 ㎡: Ann 120, Bo+Cy 80, Dee 100
    cast(world, "Ann", "yes")
    cast(world, "Dee", "yes")  # 2 of 3 owners, 220 of 300 ㎡: both at least two thirds
    r = close(world, vote).result
    assert r.quorum_met and r.passed  # all of the participants approve: ≥ 3/4


def test_not_enough_owners_take_part(world):
    vote = world.vote_obj = world.vote(scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}},
                                       matter="elevator")
    cast(world, "Ann", "yes")
    cast(world, "Bo", "yes")  # 2 of 3 owners but 200 of 300 ㎡ — exactly two thirds: met
    assert close(world, vote).result.quorum_met
    vote = world.vote_obj = world.vote(scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}},
                                       matter="elevator")
    cast(world, "Bo", "yes")
    cast(world, "Dee", "yes")  # 180 of 300 ㎡: below two thirds of the area
    r = close(world, vote).result
    assert not r.quorum_met and not r.passed


def test_refusals_change_nothing(world):
    vote = world.vote_obj = world.vote()
    before = state(vote)
    with pytest.raises(ActionForbidden):  # not an owner concerned
        services.act(world.outsider, vote, "cast", choice="yes")
    with pytest.raises(ActionForbidden):  # an owner does not enter paper ballots
        services.act(world.owners["Ann"], vote, "record_paper", home=world.homes["104"].pk, choice="yes", scan=png())
    with pytest.raises(ActionForbidden):  # nor closes the vote
        services.act(world.owners["Ann"], vote, "close")
    with pytest.raises(ActionConflict):  # the organiser cannot close before the window ends
        services.act(world.member, vote, "close")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.act(world.owners["Ann"], vote, "cast", choice="maybe")
    with pytest.raises(ValidationError):  # a paper ballot needs its scan
        services.act(world.member, vote, "record_paper", home=world.homes["104"].pk, choice="yes")
    with pytest.raises(ValidationError):  # a home outside the vote
        services.act(world.member, vote, "record_paper", home=world.homes["101"].pk + 999999, choice="yes", scan=png())
    assert state(vote) == before


def test_no_ballot_before_the_window_or_after_the_close(world):
    now = timezone.now()
    early = world.vote_obj = world.vote(opens=now + dt.timedelta(hours=1), closes=now + dt.timedelta(days=2))
    before = state(early)
    with pytest.raises(ActionConflict):
        cast(world, "Ann", "yes")
    assert state(early) == before
    draft = world.vote_obj = world.vote(open_it=False)
    with pytest.raises(ActionForbidden):  # nobody is an elector of a draft
        cast(world, "Ann", "yes")
    vote = world.vote_obj = world.vote()
    close_at = vote.closes_at
    with pytest.raises(ActionConflict):  # the window has ended, the clock has not closed it yet
        services.act(world.owners["Ann"], vote, "cast", choice="yes", now=close_at)
    vote = close(world, vote)
    before = state(vote)
    with pytest.raises(ActionConflict):
        cast(world, "Ann", "yes")
    assert state(vote) == before
    assert draft.status == "draft"


def test_the_result_is_sealed_into_the_audit_chain_and_verified(world, capsys):
    vote = world.vote_obj = world.vote()
    cast(world, "Ann", "yes")
    cast(world, "Dee", "no")
    vote = close(world, vote)
    result = vote.result
    log = ChangeLog.objects.get(object_type="voteresult", object_id=result.pk)
    assert log.after["digest"] == result.digest and log.actor.is_system
    call_command("vote_verify", str(vote.pk))
    assert "OK" in capsys.readouterr().out


def test_vote_verify_detects_a_changed_ballot(world):
    from django.core.management.base import CommandError

    from fangguan.core.triggers import create_append_only, drop_append_only

    vote = world.vote_obj = world.vote()
    cast(world, "Ann", "yes")
    vote = close(world, vote)
    ballot = Ballot.objects.get(vote=vote)
    # the database refuses the change …
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE votes_ballot SET choice = 'no' WHERE id = %s", [ballot.pk])
    drop_append_only(connection, "votes_ballot")  # … unless someone with the database's keys lifts it
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE votes_ballot SET choice = 'no' WHERE id = %s", [ballot.pk])
        with pytest.raises(CommandError) as failed:
            call_command("vote_verify", str(vote.pk))
        assert failed.value.returncode == 1
    finally:
        create_append_only(connection, "votes_ballot")


def test_the_clock_closes_votes_whose_window_ended(world):
    vote = world.vote()
    assert services.close_due(vote.closes_at - dt.timedelta(seconds=1)) == 0
    assert services.close_due(vote.closes_at) == 1
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.result.computed_at == vote.closes_at
    assert services.close_due(vote.closes_at + dt.timedelta(minutes=1)) == 0


def test_other_modules_ask_decided_and_get_the_sealed_answer(world):
    from fangguan.votes.selectors import decided

    vote = world.vote_obj = world.vote(scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}},
                                       matter="elevator")
    assert decided(vote) is None  # open: nothing decided yet
    cast(world, "Ann", "yes")
    cast(world, "Dee", "yes")
    vote = close(world, vote)
    decision = decided(vote.pk)
    assert decision.passed and decision.quorum_met and decision.digest == vote.result.digest
    assert decision.homes == {world.homes[r].pk for r in ("101", "102", "103", "104")}


@pytest.mark.parametrize(("language", "sheet"), [("zh-hans", "业主表决结果公告"), ("en", "Result of the owners' vote")])
def test_the_notice_workbook_names_its_sheet_in_the_users_language(world, language, sheet):
    """Issue 18: the sheet was the file's slug ("vote-12-notice"); now the notice's own title."""
    import openpyxl
    from django.conf import settings

    from .conftest import login

    vote = world.vote_obj = world.vote()
    cast(world, "Ann", "yes")
    close(world, vote)
    client = login(world.member)
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/votes/{vote.pk}/notice.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert openpyxl.load_workbook(io.BytesIO(content), read_only=True).sheetnames == [sheet]
