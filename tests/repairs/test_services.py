"""Filing requests and the actions' side rules: urgency, duplicates, the daily limit,
idempotent external ids, photos, deferral and reopening moving deadlines; each event's side
effects (outbox, change log) written with it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fangguan.core.actors import system_actor
from fangguan.core.models import ChangeLog
from fangguan.outbox.models import OutboxEvent
from fangguan.repairs import deadlines, services
from fangguan.repairs.choices import EventKind
from fangguan.repairs.models import Photo, RepairEvent, RepairRequest
from fangguan.repairs.selectors import people_concerned

from .conftest import png_upload

pytestmark = pytest.mark.django_db


def published(request):
    """(topic, event id) of every outbox event about ``request``, oldest first."""
    return [(e.topic, e.payload["event"]["id"]) for e in
            OutboxEvent.objects.filter(aggregate_type="repairs.request", aggregate_id=str(request.pk)).order_by("pk")]


def test_a_resident_files_for_their_home_and_the_first_event_is_creation(world):
    now = timezone.now()
    r = world.file(at=now)
    assert r.status == "submitted" and r.reporter == world.resident and r.company == world.company
    assert r.channel == "app" and r.place == "home" and r.building == world.home.building
    response, complete = deadlines.due_dates(start=now, category=world.category, urgent=False,
                                             onsite_office=world.estate.has_onsite_office)
    assert (r.response_due_at, r.complete_due_at) == (response.at, complete.at)
    (event,) = r.events.all()
    assert event.kind == "created" and event.actor == world.resident and event.to_status == "submitted"
    assert published(r) == [("repairs.created", event.pk)]
    (log,) = ChangeLog.objects.filter(object_type="repairrequest", object_id=r.pk)
    assert (log.action, log.actor_id, log.after["status"]) == ("create", world.resident.pk, "submitted")


def test_urgent_by_category_counts_hours_and_the_on_site_office_shortens_it(world):
    now = timezone.now()
    r = world.file(at=now, category=world.urgent_category)
    minutes = 30 if world.estate.has_onsite_office else 120
    assert r.urgent and r.response_due_at == now + dt.timedelta(minutes=minutes)
    assert r.complete_due_at == now + dt.timedelta(hours=24)


def test_the_residents_urgent_is_a_request_and_the_dispatcher_decides(world):
    now = timezone.now()
    r = world.file(at=now, urgent=True)
    assert not r.urgent and r.urgent_requested
    before = r.complete_due_at
    with pytest.raises(ValidationError):
        services.act(world.dispatcher, r, "change_urgency", urgent=True)  # a reason is required
    r = services.act(world.dispatcher, r, "change_urgency", urgent=True, reason="水漫到楼下", now=now)
    assert r.urgent and r.complete_due_at == r.created_at + dt.timedelta(hours=24) != before
    event = r.events.get(kind=EventKind.URGENCY_CHANGED)
    assert event.note == "水漫到楼下" and parse_datetime(event.data["complete_due_at"][0]) == before


def test_a_phone_order_by_the_dispatcher_sets_urgency_and_channel(world):
    r = services.create_request(world.dispatcher, estate=world.estate, category=world.category, place="lift",
                                description="电梯异响", urgent=True, channel="phone", contact_phone="13812345678")
    assert r.urgent and r.channel == "phone" and r.reporter is None and r.created_by == world.dispatcher


def test_hotline_orders_are_idempotent_and_carry_their_own_limits(world):
    due = timezone.now() + dt.timedelta(days=5)
    kw = dict(estate=world.estate.pk, category="other", description="12345 工单", channel="hotline",
              external_id="GD-2026-1", agreed_complete=deadlines.Due(due))
    first = services.create_request(system_actor(), **kw)
    again = services.create_request(system_actor(), **kw)
    assert first.pk == again.pk and first.complete_due_at == due and first.agreed_complete_at == due
    assert first.created_by == system_actor() and first.reporter is None
    assert RepairEvent.objects.filter(request=first).count() == 1


def test_the_same_place_and_category_within_a_day_is_a_possible_duplicate(world):
    now = timezone.now()
    first = world.file(at=now - dt.timedelta(hours=30))
    second = world.file(at=now - dt.timedelta(hours=2))
    third = world.file(at=now)
    assert first.possible_duplicate_of is None
    assert second.possible_duplicate_of is None  # 28 h later
    assert third.possible_duplicate_of == second
    other_category = world.file(at=now, category=world.urgent_category)
    assert other_category.possible_duplicate_of is None
    r = services.act(world.dispatcher, third, "merge", into=second.pk)
    assert r.status == "closed" and r.merged_into == second


@override_settings(REPAIRS_DAILY_LIMIT=3)
def test_at_most_n_requests_per_reporter_per_day(world):
    for i in range(3):
        world.file(description=f"问题 {i}", place="grounds", home=None)
    with pytest.raises(services.TooManyRequests):
        world.file(description="第四个")
    assert RepairRequest.objects.filter(reporter=world.resident).count() == 3


def test_a_resident_cannot_file_for_someone_elses_estate(world):
    with pytest.raises(services.ActionForbidden):
        services.create_request(world.resident, estate=world.other_estate, home=world.other_home,
                                category=world.category, description="x")
    with pytest.raises(services.ActionForbidden):
        services.create_request(world.other_dispatcher, estate=world.estate, category=world.category,
                                description="x", channel="phone")


def test_photos_must_be_real_images_and_at_most_nine(world):
    r = world.file(photos=[png_upload("a.png"), png_upload("b.png")])
    assert [p.content_type for p in r.photos.all()] == ["image/png", "image/png"]
    assert r.photos.first().width == 8
    fake = SimpleUploadedFile("leak.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        world.file(description="另一个", photos=[fake])
    with pytest.raises(ValidationError):
        world.file(description="太多", photos=[png_upload(f"{i}.png") for i in range(10)])
    assert Photo.objects.count() == 2


def test_defer_moves_the_completion_deadline_and_needs_a_reason(world):
    r = world.file()
    until = timezone.localdate() + dt.timedelta(days=20)
    with pytest.raises(ValidationError):
        services.act(world.dispatcher, r, "defer", until=until)
    r.refresh_from_db()
    assert r.status == "submitted"
    r = services.act(world.dispatcher, r, "defer", until=until, reason="需业主大会表决")
    assert r.status == "deferred" and r.deferred_until == until
    assert r.complete_due_at == deadlines.end_of_day(until) and r.responded_at is not None


def test_a_technician_works_only_on_their_own_and_starting_unassigned_takes_it(world):
    r = world.file()
    services.act(world.dispatcher, r, "accept")
    r = services.act(world.technician, r, "start")
    assert r.assignee == world.technician
    r2 = world.file(description="别的", category=world.urgent_category)
    services.act(world.dispatcher, r2, "assign", assignee=world.dispatcher.pk)
    services.act(world.dispatcher, r2, "start")
    with pytest.raises(services.ActionForbidden):
        services.act(world.technician, r2, "complete")
    with pytest.raises(ValidationError):  # the assignee must work for the serving company
        services.act(world.dispatcher, r, "assign", assignee=world.other_dispatcher.pk)


def test_completion_with_photos_then_reopen_moves_deadlines_then_confirm(world):
    r = world.file()
    services.act(world.dispatcher, r, "accept")
    services.act(world.dispatcher, r, "start")
    r = services.act(world.dispatcher, r, "complete", photos=[png_upload("done.png")], note="已更换水管")
    assert r.status == "completed" and r.photos.filter(stage="completion").count() == 1
    later = timezone.now() + dt.timedelta(days=2)
    r = services.act(world.resident, r, "reopen", comment="还在滴水", now=later)
    assert r.status == "reopened" and r.reopen_count == 1 and r.completed_at is None
    assert r.complete_due_at == deadlines.add_workdays(later, world.category.complete_workdays).at
    for action in ("accept", "start", "complete"):
        services.act(world.dispatcher, r, action, now=later)
    with pytest.raises(ValidationError):
        services.act(world.resident, r, "confirm", rating=6)
    r = services.act(world.resident, r, "confirm", rating=4, comment="好了", now=later)
    assert (r.status, r.rating, r.closed_at) == ("closed", 4, later)


def test_supervision_is_answered_by_the_company(world):
    r = world.file()
    due = timezone.now() + dt.timedelta(days=1)
    services.act(world.town, r, "supervise", note="居民多次反映", answer_due=due)
    with pytest.raises(services.ActionConflict):
        services.act(world.dispatcher, r, "answer", answer="x", supervision=999999)
    r = services.act(world.dispatcher, r, "answer", answer="明天上午维修")
    sup = r.supervisions.get()
    assert sup.answer == "明天上午维修" and sup.answered_by == world.dispatcher
    event = r.events.get(kind="answered")
    assert world.town in people_concerned(r, event)


def test_people_concerned(world):
    r = world.file()
    created = r.events.get()
    told = people_concerned(r, created)
    assert world.dispatcher in told and world.resident not in told  # the actor is not told
    assert world.other_dispatcher not in told and world.committee not in told
    r = services.act(world.dispatcher, r, "assign", assignee=world.technician.pk)
    told = people_concerned(r, r.events.get(kind="assigned"))
    assert world.resident in told and world.technician in told
    services.act(world.resident, r, "escalate", note="没人来")
    told = people_concerned(r, r.events.get(kind="escalated"))
    assert world.committee in told and world.town not in told
