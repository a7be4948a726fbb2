"""The synthetic city-scale registry (issue #4): refusal, the disk check, determinism, records
the models themselves accept, personal data stored as the registry stores it, and the API
answering on it."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import ric

from fangguan.core import crypto
from fangguan.core.identity import check_id_number, check_phone, mask_id_number, mask_phone
from fangguan.registry import models as m
from fangguan.registry import synth
from fangguan.registry.selectors import FIGURES, registry_stats
from tests.api.test_stats import independent

pytestmark = pytest.mark.django_db


def test_refuses_a_database_with_real_records():
    """The session's database holds the Jinshan demo: synth must not touch it."""
    estates = m.Estate.objects.count()
    assert synth.real_records()
    with pytest.raises(synth.SynthRefused, match="not synthetic"):
        synth.generate(3, seed=1)
    with pytest.raises(CommandError, match="--force"):
        call_command("synth", estates=3, stdout=io.StringIO())
    assert m.Estate.objects.count() == estates
    assert not m.Estate.objects.filter(code__startswith=synth.PREFIX).exists()


def test_stops_before_generating_when_the_disk_is_too_small(monkeypatch, tmp_path):
    monkeypatch.setattr(synth, "database_directory", lambda: tmp_path)
    monkeypatch.setattr(synth, "free_bytes", lambda path: 10**9)
    estates = m.Estate.objects.count()
    with pytest.raises(synth.SynthRefused, match=r"13,000 estates need about .* GB .* only 1\.0 GB free"):
        synth.generate(13_000, seed=1, force=True)
    assert m.Estate.objects.count() == estates  # refused before wiping anything
    assert synth.estimate_bytes(13_000) > 13_000 * 615 * 1000


def _content() -> dict:
    """Every synthetic row without timestamps, with ids counted from each table's first (on
    PostgreSQL ids continue the sequences) and personal data decrypted (ciphertexts carry a
    random nonce, so they differ between runs by design)."""
    base = {model: (model.objects.order_by("pk").values_list("pk", flat=True).first() or 1) - 1
            for model in synth.MODELS}

    def relative(field, value):
        if value is None:
            return None
        if field.primary_key:
            return value - base[field.model]
        if field.is_relation and field.related_model in base:
            return value - base[field.related_model]
        return value

    content = {}
    for model in synth.MODELS:
        fields = [f for f in model._meta.concrete_fields if f.name not in {"created_at", "updated_at"}]
        rows = [tuple(relative(f, v) for f, v in zip(fields, row, strict=True))
                for row in model.objects.order_by("pk").values_list(*[f.attname for f in fields])]
        if model is m.Person:
            rows = [(p.pk - base[m.Person], p.name, p.id_number_clear(), p.phone_clear(), p.id_number_index,
                     p.phone_index) for p in m.Person.objects.order_by("pk")]
        content[model.__name__] = rows
    return content


def test_same_seed_same_registry_other_seed_other_registry():
    synth.generate(4, seed=11, force=True)
    first = _content()
    synth.generate(4, seed=11, force=True)
    assert _content() == first
    synth.generate(4, seed=12, force=True)
    assert _content()["Estate"] != first["Estate"]


@pytest.fixture
def small():
    report = synth.generate(8, seed=5, force=True)
    return report


def test_counts_are_consistent(small):
    rows = small.rows
    assert rows["registry_estate"] == m.Estate.objects.count() == 8
    assert rows["registry_home"] == m.Home.objects.count()
    assert synth.real_records() == [] and synth.synthetic_estates() == 8
    # proportions: 100–1,500 homes per estate, one share per person, every home owned 100 %
    per_estate = Counter(m.Home.objects.values_list("building__estate_id", flat=True))
    assert len(per_estate) == 8 and all(90 <= n <= 1500 for n in per_estate.values())
    assert m.HomeShare.objects.count() == m.Person.objects.count() == rows["registry_person"]
    owned = defaultdict(Decimal)
    for home, pct in m.HomeShare.objects.values_list("home_id", "share_percent"):
        owned[home] += pct
    assert set(owned) == set(m.Home.objects.values_list("pk", flat=True))
    assert set(owned.values()) == {Decimal("100")}
    assert m.ManagementArea.objects.count() >= 8
    assert m.Contract.objects.filter(area__isnull=True).count() == 0
    assert m.OwnersCommittee.objects.count() <= m.ManagementArea.objects.count()
    # the run is in the change log, one bulk entry per table
    from fangguan.core.models import ChangeLog

    assert ChangeLog.objects.filter(cause="synth", object_type="home").exists()


def test_every_record_passes_its_models_validation(small):
    for model in synth.MODELS:
        objs = list(model.objects.order_by("?")[:40])
        assert objs, model
        for obj in objs:
            obj.full_clean(validate_unique=True, validate_constraints=True)


def test_personal_data_is_stored_as_the_registry_stores_it(small):
    people = list(m.Person.objects.order_by("pk")[:300])
    phones = 0
    for p in people:
        number = p.id_number_clear()
        checked = check_id_number(p.id_type, number)
        assert checked.value == number and not checked.flagged
        assert p.id_number_index == m.id_number_index(number)
        assert p.id_number_masked == mask_id_number(number)
        assert p.id_number_cipher.startswith(f"{crypto.ALGORITHM}$")
        if p.phone_cipher:
            phones += 1
            phone = p.phone_clear()
            assert check_phone(phone) == phone
            assert p.phone_index == m.phone_index(phone) and p.phone_masked == mask_phone(phone)
    assert phones > 200
    # the inlined check character is stdnum's, and the places and birth days are valid
    for seq in range(1, 200_000, 997):
        assert ric.validate(synth.id_number_for(seq))
    assert len({synth.id_number_for(s) for s in range(1, 50_000)}) == 49_999


def test_the_figures_match_an_independent_count(small):
    admin = __import__("fangguan.accounts.models", fromlist=["User"]).User.objects.get(username="admin")
    day = dt.date(2024, 6, 30)
    figures = registry_stats(admin, day)
    expected = independent(day)
    for figure in FIGURES:
        if figure in expected:
            assert figures[figure] == expected[figure], figure
    assert figures["estates"] > 0


def test_the_api_answers_on_synthetic_data(small, api):
    client = api("admin")
    estate = m.Estate.objects.order_by("pk").first()
    r = client.get("/api/v1/estates", town=estate.town_id, delivered_to="2030-01-01", limit=5)
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert all(item["code"].startswith(synth.PREFIX) for item in r.json()["items"])
    r = client.get(f"/api/v1/estates/{estate.pk}")
    assert r.status_code == 200
    homes = m.Home.objects.filter(building__estate=estate).count()
    assert r.json()["homes_count"] == homes
    r = client.get("/api/v1/homes", estate=estate.pk, limit=20)
    assert r.status_code == 200 and r.json()["count"] == homes
    person = m.Person.objects.order_by("pk").first()
    r = client.post("/api/v1/people/search", {"id_number": person.id_number_clear()})
    assert r.status_code == 200 and [p["id"] for p in r.json()["items"]] == [person.pk]
    r = client.get("/api/v1/stats/registry", as_of="2024-06-30")
    assert r.status_code == 200 and r.json()["estates"] == m.Estate.objects.as_of(dt.date(2024, 6, 30)).count()


def test_ping_is_the_authenticated_empty_endpoint(api):
    assert api(None).get("/api/v1/ping").status_code == 401
    r = api("admin").get("/api/v1/ping")
    assert r.status_code == 200 and r.json() == {"ok": True}


def test_command_reports_rows_per_second_and_skips_a_database_of_that_size():
    out = io.StringIO()
    call_command("synth", estates=2, seed=3, force=True, stdout=out)
    text = out.getvalue()
    assert "registry_home" in text and "rows/s" in text
    out = io.StringIO()
    call_command("synth", estates=2, seed=3, if_size=True, stdout=out)
    assert "nothing to do" in out.getvalue()



@pytest.mark.django_db
def test_wiping_the_registry_keeps_the_ledgers_append_only():
    """synth's wipe lifts the append-only triggers to take the ledgers with the registry, then
    puts them back: the database still holds every trigger it held before."""
    from django.db import connection

    from fangguan.registry.synth import wipe

    def triggers() -> set[str]:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            else:
                cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            return {name for (name,) in cursor.fetchall()}

    before = triggers()
    assert any(name.startswith("funds_entry") for name in before)
    wipe()
    assert triggers() == before
