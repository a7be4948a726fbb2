"""The clear exports (issue 14): ``POST /api/v1/{people,committees}/export/clear`` — the lists with
identity numbers and phones in clear. Only the roles with the reveal permission (the bureau's and
the town office's demo accounts) get the file; every other role is refused (403) and nothing is
written but the refusal's own security event. The rows oracle: the people the one security event
names must be exactly the people of that estate the role may see (the registry spec's oracle), so
a clear export that reached beyond the user's scope, or named fewer people than it revealed, fails."""

from __future__ import annotations

from fangguan.core.models import SecurityEvent, SecurityEventSubject
from fangguan.registry import models as m
from tests.kit.permissions import Case, expect, only

BODY = {"reason": "核对业主大会表决名单", "purpose": "表决票送达", "format": "csv"}
# The demo accounts that hold the reveal permission (registry/demo.py: the bureau and the town office).
REVEALERS = {"admin", "zhujing"}


def _estate() -> int:
    from tests.registry.permissions import targets

    return targets("people")["out of scope"].shares.order_by("pk").first().home.building.estate_id


def _revealed(response) -> set:
    b"".join(response.streaming_content) if response.streaming else response.content  # the file is written
    event = SecurityEvent.objects.filter(action="reveal", outcome="success").latest("id")
    return set(SecurityEventSubject.objects.filter(event=event, object_type="person").values_list("object_id", flat=True))


def _people_rows(role, user) -> set:
    from tests.registry.permissions import visible

    return set(m.Person.objects.filter(pk__in=visible(role, user, "people"), shares__home__building__estate_id=_estate())
               .values_list("pk", flat=True))


def _member_rows(role, user) -> set:
    from tests.registry.permissions import visible

    return set(m.CommitteeMember.objects.filter(pk__in=visible(role, user, "committee-members"), person__isnull=False,
                                                committee__area__estate_id=_estate())
               .values_list("person_id", flat=True))


def _subjects() -> int:
    return SecurityEventSubject.objects.count()


WEB_BODY = {"reason": "核对业主大会表决名单", "purpose": "表决票送达", "format": "csv"}


def _web_path(name):
    return lambda: f"/r/{name}/export/clear/?estate={_estate()}"


SPEC = [
    Case("POST", "api/v1/people/export/clear", "/api/v1/people/export/clear", only(200, REVEALERS),
         data=BODY, query=lambda: {"estate": _estate()}, rows=_people_rows, got=_revealed, snapshot=_subjects),
    Case("POST", "api/v1/committees/export/clear", "/api/v1/committees/export/clear", only(200, REVEALERS),
         data=BODY, query=lambda: {"estate": _estate()}, rows=_member_rows, got=_revealed, snapshot=_subjects),
    # the same on the web: the page (a form) and its POST (the file), for the two lists; others 404
    Case("GET", "r/<slug:resource>/export/clear/", _web_path("people"), only(200, REVEALERS), label="people"),
    Case("GET", "r/<slug:resource>/export/clear/", _web_path("committees"), only(200, REVEALERS), label="committees"),
    Case("GET", "r/<slug:resource>/export/clear/", "/r/estates/export/clear/", expect(404), label="a list without personal data"),
    Case("POST", "r/<slug:resource>/export/clear/", _web_path("people"), only(200, REVEALERS), data=WEB_BODY,
         rows=_people_rows, got=_revealed, snapshot=_subjects, label="people"),
    Case("POST", "r/<slug:resource>/export/clear/", _web_path("committees"), only(200, REVEALERS), data=WEB_BODY,
         rows=_member_rows, got=_revealed, snapshot=_subjects, label="committees"),
]
