"""Owners' votes (issue 15): the API (/api/v1/votes…) and the pages, on a world built per test:
votes of yeweihui's committee in yezhu's management area — one still a draft, one open.

Restated by hand: the organiser is the area's owners' committee (yeweihui); electors are the
owners of homes in the area (yezhu) once the vote is open; the neighbourhood committee and the
town office of the estate see it and enter paper ballots; the bureau and auditors read every
vote; companies and the IT administrators see none.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangguan.votes import services
from fangguan.votes.models import Vote
from tests.kit.permissions import Case, demo_users, expect

# An open vote: every business user of the estate sees it (and the district's readers); zhujing
# (another town), the IT administrators do not. A draft: the organiser, the neighbourhood
# committee, the district's readers.
OPEN_SEEN = expect(200, zhujing=404, sysadmin=404, secadmin=404, auditadmin=404)
DRAFT_SEEN = expect(404, admin=200, juweihui=200, yeweihui=200, auditor=200)
DRAFT_SEEN_302 = expect(404, admin=302, juweihui=302, yeweihui=302, auditor=302)


def world() -> dict:
    users = demo_users()
    committee = users["yeweihui"].memberships.get().organisation.owners_committee
    now = timezone.now()

    def draft(title):
        return services.vote_create(actor=users["yeweihui"], area=committee.area, matter="manager", title=title,
                                    scope_kind="area", scope={}, opens_at=now - dt.timedelta(hours=1),
                                    closes_at=now + dt.timedelta(days=7))

    w = {"users": users, "draft": draft("续聘物业（草稿）")}
    w["document"] = services.document_add(actor=users["yeweihui"], vote=w["draft"], title="表决公告",
                                          upload=_pdf())
    w["open"] = services.act(users["yeweihui"], draft("续聘物业"), "open")
    return w


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%kit\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def _vote(key):
    return lambda: _w()[key]


def _w():
    from tests.kit.permissions import world as kit_world

    return kit_world()


def _snap(key):
    def snap():
        v = Vote.objects.get(pk=_w()[key].pk)
        return (v.status, v.ballots.count(), v.documents.count())

    return snap


def p(fmt, key="open"):
    return lambda: fmt.format(pk=_w()[key].pk, doc=_w()["document"].pk)


def d(fmt):
    return p(fmt, "draft")


SPEC = [
    Case("GET", "api/v1/votes", "/api/v1/votes", expect(200)),
    Case("POST", "api/v1/votes", "/api/v1/votes", expect(403, zhujing=422, yeweihui=201, sysadmin=422, secadmin=422, auditadmin=422), data=lambda: {
        "matter": "manager", "title": "选聘物业", "scope": {"area": _w()["open"].area_id},
        "opens_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
        "closes_at": (timezone.now() + dt.timedelta(days=9)).isoformat()}),
    Case("GET", "api/v1/votes/<int:vote_id>", p("/api/v1/votes/{pk}"), OPEN_SEEN),
    Case("GET", "api/v1/votes/<int:vote_id>", p("/api/v1/votes/{pk}", "draft"), DRAFT_SEEN, label="draft"),
    Case("POST", "api/v1/votes/<int:vote_id>/actions", p("/api/v1/votes/{pk}/actions", "draft"), expect(404, admin=403, juweihui=403, yeweihui=200, auditor=403),
         data={"action": "open"}, label="open", snapshot=_snap("draft")),
    Case("POST", "api/v1/votes/<int:vote_id>/actions", p("/api/v1/votes/{pk}/actions"), expect(403, zhujing=404, yeweihui=200, sysadmin=404, secadmin=404, auditadmin=404),
         data={"action": "cancel", "reason": "重新组织"}, label="cancel", snapshot=_snap("open")),
    Case("POST", "api/v1/votes/<int:vote_id>/ballots", p("/api/v1/votes/{pk}/ballots"), expect(403, zhujing=404, yeweihui=201, yezhu=201, sysadmin=404, secadmin=404, auditadmin=404),
         data={"choice": "yes"}, label="cast", snapshot=_snap("open")),
    Case("GET", "api/v1/votes/<int:vote_id>/result", p("/api/v1/votes/{pk}/result"), OPEN_SEEN),
    Case("GET", "api/v1/votes/<int:vote_id>/mine", p("/api/v1/votes/{pk}/mine"), OPEN_SEEN),
    Case("GET", "votes/", "/votes/", expect(200)),
    Case("GET", "votes/new/", "/votes/new/", expect(403, zhujing=200, juweihui=200, yeweihui=200)),
    Case("POST", "votes/new/", "/votes/new/", expect(403, zhujing=422, juweihui=422, yeweihui=422), data={}),
    Case("GET", "votes/<int:pk>/", p("/votes/{pk}/"), OPEN_SEEN),
    Case("POST", "votes/<int:pk>/act/", p("/votes/{pk}/act/", "draft"), expect(404, admin=302, juweihui=302, yeweihui=302, auditor=302),
         data={"action": "open"}, may_change={"yeweihui"},
         snapshot=_snap("draft")),
    Case("POST", "votes/<int:pk>/ballot/", p("/votes/{pk}/ballot/"), expect(302, zhujing=404, sysadmin=404, secadmin=404, auditadmin=404),
         data={"choice": "yes"}, snapshot=_snap("open"), may_change={"yeweihui", "yezhu"}),
    Case("GET", "votes/<int:pk>/paper/", p("/votes/{pk}/paper/"), expect(405)),
    Case("POST", "votes/<int:pk>/paper/", p("/votes/{pk}/paper/"), expect(302, zhujing=404, sysadmin=404, secadmin=404, auditadmin=404),
         data={}, snapshot=_snap("open"), may_change=set()),
    Case("POST", "votes/<int:pk>/documents/", d("/votes/{pk}/documents/"), DRAFT_SEEN_302, may_change={"yeweihui"},
         data=lambda: {"title": "x", "file": _pdf()},
         snapshot=_snap("open")),
    Case("GET", "votes/<int:pk>/documents/<int:doc>/", d("/votes/{pk}/documents/{doc}/"), DRAFT_SEEN),
    Case("GET", "votes/<int:pk>/notice/", p("/votes/{pk}/notice/"), expect(404)),
    Case("GET", "votes/<int:pk>/notice.xlsx", p("/votes/{pk}/notice.xlsx"), expect(404)),
    Case("GET", "votes/<int:pk>/verify/", p("/votes/{pk}/verify/"), expect(404)),
]
