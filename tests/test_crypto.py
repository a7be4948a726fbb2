"""Personal data at rest (issue #6): ciphertexts name key and algorithm, keys rotate without
losing a value, blind indexes keep exact search working."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.core.management import call_command

from fangguan.core import crypto
from fangguan.registry import models as m


def test_ciphertext_names_algorithm_and_key_and_binds_its_purpose():
    token = crypto.encrypt("110105194912310021", purpose="person.id_number")
    algorithm, key_id, _body = token.split("$")
    assert (algorithm, key_id) == ("A256GCM", crypto.keyring().active)
    assert crypto.decrypt(token, purpose="person.id_number") == "110105194912310021"
    with pytest.raises(Exception):  # noqa: B017 - any failure: the AAD does not match
        crypto.decrypt(token, purpose="person.phone")
    assert crypto.encrypt("x", purpose="p") != crypto.encrypt("x", purpose="p")  # random nonce


@pytest.fixture
def new_active_key(settings):
    ring = crypto.keyring()
    spec = {"active": "k2", "keys": {kid: base64.b64encode(k).decode() for kid, k in ring.keys.items()},
            "index_key": base64.b64encode(ring.index_key).decode()}
    spec["keys"]["k2"] = base64.b64encode(os.urandom(32)).decode()
    settings.DATA_KEYS_JSON = json.dumps(spec)
    crypto.keyring.cache_clear()
    yield spec
    crypto.keyring.cache_clear()


def test_rotate_keys_re_encrypts_everything_and_loses_nothing(db, new_active_key):
    people = list(m.Person.objects.exclude(id_number_cipher="").order_by("pk")[:50])
    before = {p.pk: (p.id_number_clear(), p.phone_clear()) for p in people}
    assert all(crypto.key_id_of(p.id_number_cipher) != "k2" for p in people)
    call_command("rotate_keys")
    assert not m.Person.objects.exclude(id_number_cipher="").exclude(id_number_cipher__startswith="A256GCM$k2$").exists()
    assert not m.Person.objects.exclude(phone_cipher="").exclude(phone_cipher__startswith="A256GCM$k2$").exists()
    for p in m.Person.objects.filter(pk__in=before):
        assert (p.id_number_clear(), p.phone_clear()) == before[p.pk]
    # the blind index still finds people (same index key)
    first = people[0]
    assert m.Person.objects.filter(id_number_index=m.id_number_index(before[first.pk][0])).get().pk == first.pk


def test_reindex_after_a_new_index_key(db, settings):
    ring = crypto.keyring()
    spec = {"active": ring.active, "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()},
            "index_key": base64.b64encode(os.urandom(32)).decode()}
    settings.DATA_KEYS_JSON = json.dumps(spec)
    crypto.keyring.cache_clear()
    try:
        person = m.Person.objects.exclude(id_number_cipher="").first()
        number = person.id_number_clear()
        assert not m.Person.objects.filter(id_number_index=m.id_number_index(number)).exists()
        call_command("rotate_keys", "--reindex")
        assert m.Person.objects.filter(id_number_index=m.id_number_index(number)).get().pk == person.pk
    finally:
        crypto.keyring.cache_clear()
