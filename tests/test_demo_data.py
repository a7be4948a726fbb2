"""The demo's personal data passes the registry's own checks, so a demo record can be edited
and saved like a real one."""

import pytest

from fangguan.core import crypto
from fangguan.core.identity import IdType, check_id_number
from fangguan.registry.demo import BIRTH_REGIONS, region_in_force
from fangguan.registry.models import Person


@pytest.mark.django_db
def test_every_demo_identity_number_passes_the_registry_check():
    people = Person.objects.filter(id_type=IdType.RESIDENT_ID)
    assert people.count() > 1000
    for cipher in people.values_list("id_number_cipher", flat=True):
        number = crypto.decrypt(cipher, purpose="person.id_number")
        check_id_number(IdType.RESIDENT_ID, number)  # raises ValidationError if invalid


@pytest.mark.parametrize(("region", "year", "expected"), [
    ("310116", 1996, "310228"),  # 金山区 did not exist yet: 金山县
    ("310116", 1998, "310116"),
    ("310228", 1998, "310116"),  # 金山县 no longer existed
    ("310104", 1940, "310104"),
])
def test_a_place_of_birth_is_used_only_in_years_it_existed(region, year, expected):
    assert region_in_force(region, year) == expected
    assert expected in BIRTH_REGIONS
