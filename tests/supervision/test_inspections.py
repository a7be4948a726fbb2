"""Inspections: the checklist in force (versioned — an inspection keeps the version it used),
results, photos, findings with deadlines, the company's answer, the inspector's acceptance, a
failed item becoming a breach; and the exhaustive workflow tests (inspections, breaches)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.supervision import services
from fangguan.supervision.machine import BREACH, INSPECTION
from fangguan.supervision.models import Breach, Finding, Inspection, Template
from tests.kit.machines import SAME, check_every_transition

from .conftest import at, png_upload

DAY = dt.date(2025, 3, 5)


def draft(w, day=DAY, kind="town_monthly", by=None):
    return services.inspection_create(actor=by or w.officer, estate=w.north, kind=kind, inspected_on=day)


def fill(w, i, fail=("T05",)):
    results = {r.code: {"result": "fail" if r.code in fail else "pass", "note": ""} for r in i.results.all()}
    findings = [{"code": c, "description": f"{c} 需整改"} for c in fail]
    return services.inspection_act(w.officer, i, "check", results=results, findings=findings, now=at(2025, 3, 5, 11))


def test_draft_copies_the_checklist_in_force_and_names_the_serving_company(world):
    i = draft(world)
    template = Template.objects.get(kind="town_monthly", version=1)
    assert i.template == template and i.company == world.north_co and i.status == "draft"
    assert [(r.code, r.group, r.text) for r in i.results.all()] == [(x["code"], x["group"], x["text"])
                                                                   for x in template.items]


def test_an_inspection_keeps_its_template_version(world):
    old = draft(world)
    v2 = services.template_new_version(actor=world.bureau, kind="town_monthly", title="月度检查表（2025版）",
                                       items=[{"code": "N1", "group": "公示信息", "text": "新条目"}],
                                       effective_from=dt.date(2025, 4, 1))
    assert v2.version == 2
    new = draft(world, dt.date(2025, 4, 2))
    assert new.template == v2 and [r.code for r in new.results.all()] == ["N1"]
    old.refresh_from_db()
    assert old.template.version == 1 and old.results.count() == 12
    assert draft(world, dt.date(2025, 3, 31)).template.version == 1  # before v2 took effect
    with pytest.raises(PermissionDenied):
        services.template_new_version(actor=world.officer, kind="town_monthly", title="x",
                                      items=[{"code": "a", "group": "b", "text": "c"}], effective_from=DAY)


def test_the_whole_round(world):
    i = draft(world)
    services.inspection_photos(actor=world.officer, inspection=i, code="T05", files=[png_upload()])
    with pytest.raises(ValidationError):  # not every item answered
        services.inspection_act(world.officer, i, "submit")
    i = fill(world, i)
    finding = i.findings.get()
    assert finding.due_on == DAY + dt.timedelta(days=15)  # the standard's default
    i = services.inspection_act(world.officer, i, "submit", now=at(2025, 3, 5, 12))
    assert (i.status, i.passed, i.failed) == ("open", 11, 1)
    with pytest.raises(ActionForbidden):  # another company
        services.inspection_act(world.south_manager, i, "answer", answer="已整改")
    with pytest.raises(ActionForbidden):  # a technician does not answer for the company
        services.inspection_act(world.north_tech, i, "answer", answer="已整改")
    with pytest.raises(ActionConflict):  # nothing answered yet
        services.inspection_act(world.officer, i, "close")
    i = services.inspection_act(world.north_manager, i, "answer", answer="楼道破损已修复", now=at(2025, 3, 10))
    finding.refresh_from_db()
    assert (finding.status, finding.answer) == ("answered", "楼道破损已修复")
    i = services.inspection_act(world.officer, i, "return", note="照片不清楚", finding=finding.pk)
    i = services.inspection_act(world.north_manager, i, "answer", answer="补充照片")
    i = services.inspection_act(world.officer, i, "accept")
    i = services.inspection_act(world.officer, i, "close")
    assert i.status == "closed"
    assert list(i.events.order_by("pk").values_list("kind", flat=True)) == [
        "created", "created", "submitted", "answered", "returned", "answered", "accepted", "closed"]


def test_failed_item_needs_a_finding(world):
    i = draft(world)
    results = {r.code: {"result": "fail" if r.code == "T01" else "pass"} for r in i.results.all()}
    i = services.inspection_act(world.officer, i, "check", results=results)
    with pytest.raises(ValidationError):
        services.inspection_act(world.officer, i, "submit")
    assert Inspection.objects.get(pk=i.pk).status == "draft"


def test_a_failed_item_becomes_a_breach(world):
    i = services.inspection_act(world.officer, fill(world, draft(world)), "submit")
    result = i.results.get(code="T05")
    b = services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="沪房规范〔2023〕3号",
                               occurred_on=DAY, result=result)
    assert (b.inspection, b.estate, b.points) == (i, world.north, 3)
    with pytest.raises(ValidationError):  # a passed item is no breach
        services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                               occurred_on=DAY, result=i.results.get(code="T01"))
    with pytest.raises(ValidationError):  # nor against another company
        services.breach_record(actor=world.bureau, company=world.south_co, severity="minor", rule="r",
                               occurred_on=DAY, result=result)
    assert Breach.objects.count() == 1


def test_only_the_town_of_the_estate_inspects_monthly_and_the_bureau_spot_checks(world):
    for who, kind in (("other_town", "town_monthly"), ("north_manager", "town_monthly"), ("hood", "town_monthly"),
                      ("officer", "district_spot"), ("resident", "town_monthly")):
        with pytest.raises(PermissionDenied):
            draft(world, kind=kind, by=world.users[who])
    assert not Inspection.objects.filter(estate=world.north).exists()
    assert draft(world, kind="district_spot", by=world.bureau).template.kind == "district_spot"


# --- The exhaustive tests of the tables -----------------------------------------------------

INSPECTION_EXPECTED = {
    "check": ({"inspector"}, {"draft": SAME}),
    "submit": ({"inspector"}, {"draft": "open"}),
    "answer": ({"company"}, {"open": SAME}),
    "accept": ({"inspector"}, {"open": SAME}),
    "return": ({"inspector"}, {"open": SAME}),
    "close": ({"inspector"}, {"open": "closed"}),
    "cancel": ({"inspector"}, {"draft": "cancelled"}),
}


def test_every_inspection_transition(world):
    actors = {"inspector": world.officer, "company": world.north_manager, "outsider": world.south_manager,
              "technician": world.north_tech, "bureau": world.bureau, "resident": world.resident}

    def record_in(state):
        i = draft(world)
        Inspection.objects.filter(pk=i.pk).update(status=state)
        i.refresh_from_db()
        return i

    def prepare(i, action):  # what each action needs to find
        i.results.update(result="pass")
        if action == "submit":
            return
        f = Finding.objects.create(inspection=i, description="x", due_on=DAY + dt.timedelta(days=5))
        if action in ("accept", "return"):
            Finding.objects.filter(pk=f.pk).update(status="answered")
        if action == "close":
            Finding.objects.filter(pk=f.pk).update(status="accepted")

    def perform(user, i, action):
        return services.inspection_act(user, i, action, answer="已整改", note="核查")

    out = check_every_transition(
        machine=INSPECTION, expected=INSPECTION_EXPECTED, states=["draft", "open", "closed", "cancelled"],
        capacities=list(actors), record_in=record_in, actor=actors.__getitem__, perform=perform,
        snapshot=lambda i: (Inspection.objects.filter(pk=i.pk).values_list("status", "passed", "failed").get(),
                            tuple(i.findings.values_list("status", "answer"))),
        events=lambda i: i.events.count(), prepare=prepare)
    assert out.ok == 7


BREACH_EXPECTED = {
    "dispute": ({"company"}, {"recorded": "disputed"}),
    "uphold": ({"bureau"}, {"disputed": "recorded"}),
    "annul": ({"bureau"}, {"disputed": "annulled"}),
    "correct": ({"bureau"}, {"recorded": "corrected"}),
}


def test_every_breach_transition(world):
    actors = {"company": world.north_manager, "bureau": world.bureau, "outsider": world.south_manager,
              "town": world.officer, "auditor": world.auditor}

    def record_in(state):
        b = services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                                   occurred_on=dt.date(2024, 1, 1))
        Breach.objects.filter(pk=b.pk).update(status=state)
        b.refresh_from_db()
        return b

    check_every_transition(
        machine=BREACH, expected=BREACH_EXPECTED, states=["recorded", "disputed", "annulled", "corrected"],
        capacities=list(actors), record_in=record_in, actor=actors.__getitem__,
        perform=lambda u, b, a: services.breach_act(u, b, a, reason="理由", note="复核"),
        snapshot=lambda b: Breach.objects.filter(pk=b.pk).values_list("status", "disputed_at", "corrected_on").get(),
        events=lambda b: b.events.count())
