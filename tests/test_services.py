"""Services: validation at the boundaries, the change log of every write, personal data kept out
of the history, and the scope re-check after a write."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from fangguan.core.identity import (
    check_credit_code,
    check_id_number,
    check_phone,
    mask_id_number,
    mask_phone,
)
from fangguan.core.models import ChangeLog, SecurityEvent
from fangguan.registry import models as m
from fangguan.registry import services

VALID_ID = "11010519491231002X"  # GB 11643 example number


def last_log(obj):
    return ChangeLog.objects.filter(object_type=obj.audit_name, object_id=obj.pk).order_by("-id").first()


# --- Identity numbers --------------------------------------------------------------------


def test_resident_id_check_character():
    assert check_id_number("resident_id", VALID_ID.lower()).value == VALID_ID
    assert check_id_number("resident_id", "１１０１０５１９４９１２３１００２Ｘ").value == VALID_ID  # full-width
    with pytest.raises(ValidationError) as exc:
        check_id_number("resident_id", "110105194912310021")
    assert exc.value.code == "checksum"
    with pytest.raises(ValidationError):
        check_id_number("resident_id", "11010519491231002")  # 17 characters
    with pytest.raises(ValidationError):
        check_id_number("resident_id", "110105194913310028")  # month 13


def test_credit_code_failing_check_is_flagged_not_refused():
    from stdnum.cn import uscc

    body = "91310116MA1FL0000"
    good = body + uscc.calc_check_digit(body + "0")
    assert check_credit_code(good).flagged is False
    bad = body + ("1" if good[-1] != "1" else "2")
    assert check_credit_code(bad).flagged is True
    with pytest.raises(ValidationError):
        check_credit_code("91310116")


def test_phone_and_masks():
    assert check_phone("138 1234 5678") == "13812345678"
    assert check_phone("021-57921234") == "02157921234"
    with pytest.raises(ValidationError):
        check_phone("12345")
    assert mask_id_number(VALID_ID) == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"


# --- The change log ----------------------------------------------------------------------


def test_every_write_is_logged_with_before_and_after(users):
    admin = users["admin"]
    town = m.Town.objects.get(name="朱泾镇")
    estate = services.registry_create(actor=admin, model=m.Estate, data={
        "code": "T0001", "name": "测试小区", "town": town, "estate_type": "commercial",
        "floor_area_m2": Decimal("1000.00"), "delivered_on": dt.date(2024, 1, 1),
    })
    log = last_log(estate)
    assert (log.action, log.actor_name, log.before) == ("create", "admin", None)
    assert log.after["name"] == "测试小区"

    services.registry_update(actor=admin, instance=estate, changes={"name": "测试小区二期"})
    log = last_log(estate)
    assert log.action == "update"
    assert log.before == {"name": "测试小区"} and log.after == {"name": "测试小区二期"}

    count = ChangeLog.objects.count()
    services.registry_update(actor=admin, instance=estate, changes={"name": "测试小区二期"})
    assert ChangeLog.objects.count() == count  # nothing changed, nothing logged

    services.registry_delete(actor=admin, instance=estate)
    log = last_log(estate)
    assert log.action == "delete" and log.before["code"] == "T0001"
    assert not m.Estate.objects.filter(pk=estate.pk).exists()


def test_personal_data_never_in_clear_in_the_history(users):
    admin = users["admin"]
    person = services.person_create(actor=admin, data={"name": "李四", "id_number": VALID_ID, "phone": "13812345678"})
    services.registry_update(actor=admin, instance=person, changes={"phone": "13987654321", "id_number": "11010519491231002x"})
    entries = ChangeLog.objects.filter(object_type="person", object_id=person.pk)
    text = json.dumps([[e.before, e.after] for e in entries], ensure_ascii=False)
    assert entries.count() == 2
    for clear in (VALID_ID, "13812345678", "13987654321", person.id_number_cipher):
        assert clear not in text
    assert "138****5678" in text and "139****4321" in text
    person.refresh_from_db()
    assert person.id_number_clear() == VALID_ID and person.phone_clear() == "13987654321"
    assert VALID_ID not in person.id_number_cipher


def test_bad_identity_number_is_refused_and_nothing_written(users):
    count = m.Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=users["admin"], data={"name": "王五", "id_number": "110105194912310021"})
    assert "id_number" in exc.value.message_dict
    assert m.Person.objects.count() == count


def test_same_identity_number_twice_is_refused(users):
    services.person_create(actor=users["admin"], data={"name": "甲", "id_number": VALID_ID})
    with pytest.raises(ValidationError):
        services.person_create(actor=users["admin"], data={"name": "乙", "id_number": VALID_ID.lower()})


# --- Rules in the models -----------------------------------------------------------------


def test_formal_contracts_may_not_overlap_but_may_abut(users):
    admin = users["admin"]
    area = m.ManagementArea.objects.filter(contracts__kind="formal").first()
    company = m.Company.objects.first()
    last = m.Contract.objects.filter(area=area, kind="formal").order_by("-start_on").first()
    after = last.end_on + dt.timedelta(days=1)

    def formal(start, end):
        return services.registry_create(actor=admin, model=m.Contract, data={
            "area": area, "company": company, "kind": "formal", "start_on": start, "end_on": end})

    count = m.Contract.objects.count()
    with pytest.raises(ValidationError):  # starts on the other's last day: one day of overlap
        formal(last.end_on, after + dt.timedelta(days=900))
    assert m.Contract.objects.count() == count
    assert formal(after, after + dt.timedelta(days=900)).pk  # starts the day after: allowed
    open_ended = formal(after + dt.timedelta(days=901), None)
    with pytest.raises(ValidationError):  # an open-ended contract overlaps everything after its start
        formal(after + dt.timedelta(days=5000), after + dt.timedelta(days=5100))
    services.registry_update(actor=admin, instance=open_ended, changes={"terminated_on": after + dt.timedelta(days=4000)})
    assert formal(after + dt.timedelta(days=4000), None).pk  # the day it was terminated is free
    # A preliminary contract may overlap a formal one (it is being replaced).
    assert services.registry_create(actor=admin, model=m.Contract, data={
        "area": area, "company": company, "kind": "preliminary", "start_on": after, "end_on": None}).pk


def test_owner_shares_of_a_home_cannot_exceed_100_percent(users):
    admin = users["admin"]
    building = m.Building.objects.first()
    home = services.registry_create(actor=admin, model=m.Home, data={
        "building": building, "room_number": "T901", "floor": 9, "area_m2": Decimal("88.50")})
    a, b, c = (services.person_create(actor=admin, data={"name": n}) for n in ("甲", "乙", "丙"))

    def share(person, pct, since=dt.date(2024, 1, 1), until=None):
        return services.registry_create(actor=admin, model=m.HomeShare, data={
            "home": home, "person": person, "share_percent": Decimal(pct), "since": since, "until": until})

    share(a, "60.00")
    first_b = share(b, "40.00")  # exactly 100%
    with pytest.raises(ValidationError):
        share(c, "0.01")
    services.registry_update(actor=admin, instance=first_b, changes={"until": dt.date(2025, 1, 1)})
    assert share(c, "40.00", since=dt.date(2025, 1, 1)).pk  # b's share ended: room again


def test_area_must_be_positive_and_places_consistent(users):
    admin = users["admin"]
    shihua, zhujing = m.Town.objects.get(name="石化街道"), m.Town.objects.get(name="朱泾镇")
    base = {"code": "T0002", "name": "面积测试", "town": zhujing, "estate_type": "commercial"}
    for bad in (Decimal("0"), Decimal("-1")):
        with pytest.raises(ValidationError):
            services.registry_create(actor=admin, model=m.Estate, data={**base, "floor_area_m2": bad})
    with pytest.raises(ValidationError):  # a neighbourhood committee of another town
        services.registry_create(actor=admin, model=m.Estate, data={
            **base, "floor_area_m2": Decimal("0.01"), "neighbourhood": m.Neighbourhood.objects.filter(town=shihua).first()})
    assert services.registry_create(actor=admin, model=m.Estate, data={**base, "floor_area_m2": Decimal("0.01")}).pk
    building = m.Building.objects.first()
    other_area = m.ManagementArea.objects.exclude(estate=building.estate).first()
    with pytest.raises(ValidationError):
        services.registry_update(actor=admin, instance=building, changes={"area": other_area})


def test_company_with_pilot_credit_code_is_created_flagged(users):
    from stdnum.cn import uscc

    body = "91310116MA1FL0000"
    good = body + uscc.calc_check_digit(body)
    bad = body + next(ch for ch in "0123456789" if ch != good[-1])
    flagged = services.registry_create(actor=users["admin"], model=m.Company, data={"name": "试点物业", "credit_code": bad})
    clean = services.registry_create(actor=users["admin"], model=m.Company, data={"name": "规范物业", "credit_code": good.lower()})
    assert (flagged.credit_code_flagged, clean.credit_code_flagged) == (True, False)
    assert clean.credit_code == good


# --- Scope on writes ---------------------------------------------------------------------


def test_town_office_cannot_move_an_estate_out_of_its_town(users):
    zhujing = users["zhujing"]
    estate = m.Estate.objects.filter(town__name="朱泾镇").first()
    elsewhere = m.Town.objects.get(name="石化街道")
    with pytest.raises(PermissionDenied):
        services.registry_update(actor=zhujing, instance=estate, changes={"town": elsewhere, "neighbourhood": None})
    estate.refresh_from_db()
    assert estate.town.name == "朱泾镇"


def test_town_office_cannot_create_in_another_town(users):
    count = m.Estate.objects.count()
    with pytest.raises(PermissionDenied):
        services.registry_create(actor=users["zhujing"], model=m.Estate, data={
            "code": "T0003", "name": "越界小区", "town": m.Town.objects.get(name="石化街道"),
            "estate_type": "commercial", "floor_area_m2": Decimal("100")})
    assert m.Estate.objects.count() == count
    assert not ChangeLog.objects.filter(object_type="estate", after__code="T0003").exists()


def test_town_office_registers_an_owner_through_a_home_in_its_town(users):
    zhujing = users["zhujing"]
    building = m.Building.objects.filter(estate__town__name="朱泾镇").first()
    home = services.registry_create(actor=zhujing, model=m.Home, data={
        "building": building, "room_number": "T902", "floor": 9, "area_m2": Decimal("90")})
    person = services.person_create(actor=zhujing, data={"name": "新业主", "id_number": VALID_ID},
                                    share={"home": home, "share_percent": Decimal("100"), "since": dt.date(2026, 1, 1)})
    assert m.Person.objects.visible_to(zhujing).filter(pk=person.pk).exists()
    count = m.Person.objects.count()
    with pytest.raises(PermissionDenied):  # no home: the person would be outside its scope
        services.person_create(actor=zhujing, data={"name": "无房者"})
    assert m.Person.objects.count() == count


# --- Reveal ------------------------------------------------------------------------------


def test_reveal_needs_permission_and_reason_and_is_logged(users):
    person = m.Person.objects.filter(id_number_cipher__gt="").first()
    with pytest.raises(ValidationError):
        services.person_reveal(actor=users["admin"], person=person, field="id_number", reason="")
    value = services.person_reveal(actor=users["admin"], person=person, field="id_number", reason="核对产权人身份")
    assert value == person.id_number_clear() and "*" not in value
    event = SecurityEvent.objects.filter(action="reveal", object_id=person.pk).latest("id")
    assert (event.actor_name, event.outcome, event.detail["field"]) == ("admin", "success", "id_number")
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=users["auditor"], person=person, field="phone", reason="检查")
    assert SecurityEvent.objects.filter(action="reveal", outcome="denied", actor_name="auditor").exists()


# --- Append-only audit tables ------------------------------------------------------------


def test_audit_tables_refuse_update_and_delete(db):
    entry = ChangeLog.objects.first()
    for statement in (
        lambda: ChangeLog.objects.filter(pk=entry.pk).update(actor_name="tampered"),
        lambda: ChangeLog.objects.filter(pk=entry.pk).delete(),
        lambda: SecurityEvent.objects.create(action="login", outcome="success").delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    entry.refresh_from_db()
    assert entry.actor_name != "tampered"
