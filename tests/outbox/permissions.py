"""The outbox's subscriber pages: the bureau manages the platform's subscribers; auditors know
they exist (403); everyone else finds none (404). World: one subscriber."""

from __future__ import annotations

from fangguan.core.actors import system_actor
from fangguan.outbox import services
from fangguan.outbox.models import Subscriber
from tests.kit.permissions import Case, expect
from tests.kit.permissions import world as built


def world() -> dict:
    sub, _secret = services.subscriber_create(system_actor(), name="区平台", url="http://127.0.0.1:9/hook",
                                              topics=["repairs.*"])
    return {"sub": sub}


def _subs():
    return tuple(Subscriber.objects.order_by("pk").values_list("pk", "active", "name"))


SPEC = [
    Case("GET", "outbox/subscribers/", "/outbox/subscribers/", expect(403, admin=200)),
    Case("POST", "outbox/subscribers/", "/outbox/subscribers/", expect(403, admin=302),
         data={"name": "新订阅", "url": "http://127.0.0.1:9/new", "topics": "repairs.*"}, snapshot=_subs),
    Case("POST", "outbox/subscribers/<int:pk>/toggle/", lambda: f"/outbox/subscribers/{built()['sub'].pk}/toggle/", expect(404, admin=302, auditor=403),
         snapshot=_subs),
    Case("POST", "outbox/subscribers/<int:pk>/retry/", lambda: f"/outbox/subscribers/{built()['sub'].pk}/retry/", expect(404, admin=302, auditor=403),
         snapshot=_subs),
]
