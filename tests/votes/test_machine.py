"""Every state × every step × every capacity of a vote, through the service, with the table
restated by hand (the kit's exhaustive workflow test)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.votes import services
from fangguan.votes.machine import MACHINE
from fangguan.votes.models import Ballot, Vote, VoteEvent

from ..kit.machines import SAME, check_every_transition

pytestmark = pytest.mark.django_db

STATES = ["draft", "open", "closed", "cancelled"]
# step: (who may, {from: to}) — issue 15 restated
EXPECTED = {
    "open": ({"organiser"}, {"draft": "open"}),
    "cast": ({"elector"}, {"open": SAME}),
    "record_paper": ({"staff", "organiser"}, {"open": SAME}),
    "close": ({"organiser", "system"}, {"open": "closed"}),
    "cancel": ({"organiser"}, {"draft": "cancelled", "open": "cancelled"}),
}
CAPACITIES = ["organiser", "staff", "elector", "bureau", "system", "outsider", "auditor", "anonymous"]


def png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")


def test_every_state_step_and_capacity(world, users):
    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User

    org = Organisation.objects.create(name="测试居委会", kind=OrgKind.NEIGHBOURHOOD,
                                      neighbourhood=world.estate.neighbourhood)
    staff = User.objects.create_user(username="vt-staff", password="x")  # enters paper ballots, organises nothing
    Membership.objects.create(user=staff, organisation=org, role=Role.COMMUNITY_WORKER)
    now = timezone.now()
    past = now + dt.timedelta(days=30)  # when closing is tried: after every window

    def record_in(state):
        vote = world.vote(open_it=state != "draft", opens=now - dt.timedelta(hours=1),
                          closes=now + dt.timedelta(days=10))
        if state in ("closed", "cancelled"):
            Vote.objects.filter(pk=vote.pk).update(status=state)
            vote.refresh_from_db()
        return vote

    actors = {"organiser": world.member, "elector": world.owners["Ann"], "bureau": users["admin"],
              "system": system_actor(), "outsider": world.outsider, "auditor": users["auditor"], "anonymous": None,
              "staff": staff}

    def perform(actor, vote, action):
        at = past if action == "close" else now
        params = {"cast": {"choice": "yes"}, "record_paper": {"choice": "no", "home": world.homes["104"].pk,
                                                              "scan": png()},
                  "cancel": {"reason": "议题撤回"}}.get(action, {})
        return services.act(actor, vote, action, now=at, **params)

    check_every_transition(
        machine=MACHINE, expected=EXPECTED, states=STATES, capacities=CAPACITIES, record_in=record_in,
        actor=lambda c: actors[c], perform=perform,
        snapshot=lambda v: (tuple(Vote.objects.filter(pk=v.pk).values_list("status", "rule_id", "elector_owners")),
                            Ballot.objects.filter(vote=v).count(), VoteEvent.objects.filter(vote=v).count()),
        events=lambda v: VoteEvent.objects.filter(vote=v).count() + Ballot.objects.filter(vote=v).count(),
        holds=lambda capacity, state: not (capacity == "elector" and state == "draft"))  # frozen at opening
