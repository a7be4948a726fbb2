"""Fixtures for the integration tests: the demo's resident (yezhu), the manager of the company
serving yezhu's estate (wuye), the bureau (admin); a subscriber on a real local HTTP server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from fangguan.accounts.models import User
from fangguan.registry import models as rm
from fangguan.repairs import services
from tests.outbox.conftest import receiver  # noqa: F401  (the local HTTP server fixture)


@dataclass
class World:
    resident: User
    manager: User
    bureau: User
    estate: rm.Estate
    home: rm.Home

    def file(self, **kw):
        kw.setdefault("description", "卫生间水管漏水，业主电话13812345678")
        kw.setdefault("home", self.home)
        kw.setdefault("category", "water-supply")
        return services.create_request(self.resident, estate=self.estate, **kw)


@pytest.fixture
def world(users) -> World:
    owner = rm.Person.objects.get(user=users["yezhu"])
    home = rm.HomeShare.objects.as_of(timezone.localdate()).filter(person=owner).select_related(
        "home__building__estate").first().home
    return World(resident=users["yezhu"], manager=users["wuye"], bureau=users["admin"],
                 estate=home.building.estate, home=home)
