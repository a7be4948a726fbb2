"""The repairs permission spec: the API (list, detail, create, photos, every workflow action,
categories, figures) and the pages, on a small world built per test: requests reported by
``yezhu`` in their estate (served by ``wuye``'s company, in ``juweihui``'s neighbourhood), one
in each state an action starts from.

Who sees a request, restated (issue #10): the bureau and auditors every request; a town office
its town's; a neighbourhood committee its estates'; the serving company the estates it serves; a
resident what they reported. Who may take each action: ``ACTORS`` below (by demo account, for
this estate), the capacities of ``repairs/machine.py`` restated by hand.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangguan.registry import models as rm
from fangguan.repairs import services
from fangguan.repairs.models import Category, RepairRequest
from tests.kit.permissions import ROLES, Case, api_page, demo_users, expect
from tests.kit.permissions import world as built
from tests.repairs.conftest import png_upload

# Demo accounts on yezhu's request: who sees it, and who may take each action there.
SEES = {"admin", "juweihui", "wuye", "yezhu", "auditor"}
ACTORS = {
    "accept": {"wuye"}, "assign": {"wuye"}, "start": {"wuye"}, "complete": {"wuye"}, "defer": {"wuye"},
    "reject": {"wuye"}, "change_urgency": {"wuye"}, "answer": {"wuye"},
    "escalate": {"yezhu", "juweihui"}, "acknowledge": {"juweihui"}, "supervise": {"juweihui", "admin"},
    "confirm": {"yezhu"}, "reopen": {"yezhu"}, "cancel": {"yezhu"}, "merge": {"wuye", "juweihui", "admin"},
}
# Where each action is tried: the request's state in the world, and a body that makes sense.
TRY = {
    "accept": ("submitted", {}),
    "assign": ("submitted", {"assignee": "wuye"}),
    "start": ("accepted", {}),
    "complete": ("in_progress", {"note": "已修复"}),
    "defer": ("accepted", {"reason": "等待配件", "until": "+7"}),
    "reject": ("submitted", {"reason": "不属于物业维修范围"}),
    "change_urgency": ("accepted", {"urgent": True, "reason": "漏水加重"}),
    "escalate": ("accepted", {"note": "迟迟未修"}),
    "acknowledge": ("escalated", {"note": "已收到"}),
    "supervise": ("accepted", {"note": "请尽快处理", "answer_due": "+3"}),
    "answer": ("supervised", {"answer": "明日上门"}),
    "confirm": ("completed", {"rating": 5, "comment": "满意"}),
    "reopen": ("completed", {"reason": "又漏了"}),
    "cancel": ("submitted", {"reason": "已自行修好"}),
    "merge": ("accepted", {"into": "submitted"}),
}


def world() -> dict:
    users = demo_users()
    yezhu, wuye, admin = users["yezhu"], users["wuye"], users["admin"]
    today = timezone.localdate()
    home = rm.HomeShare.objects.as_of(today).filter(person__user=yezhu).select_related("home__building__estate").first().home
    category = Category.objects.get(code="roof-leak")

    def file(**kw):
        return services.create_request(yezhu, estate=home.building.estate, category=category, home=home,
                                       description="卫生间水管漏水", **kw)

    w = {"users": users, "home": home, "category": category}
    w["submitted"] = file()
    w["accepted"] = services.act(wuye, file(), "accept")
    w["in_progress"] = services.act(wuye, services.act(wuye, file(), "accept"), "start")
    r = services.act(wuye, services.act(wuye, file(), "accept"), "start")
    w["completed"] = services.act(wuye, r, "complete", note="已修复")
    w["escalated"] = services.act(yezhu, services.act(wuye, file(), "accept"), "escalate", note="迟迟未修")
    now = timezone.now()
    w["photo"] = services.add_photos(yezhu, w["submitted"], [png_upload()])[0]
    w["supervised"] = services.act(admin, services.act(wuye, file(), "accept"), "supervise", note="请处理",
                                   answer_due=(now + dt.timedelta(days=3)).isoformat())
    return w


def _body(action: str) -> dict:
    state, body = TRY[action]
    w = built()
    out = {"action": action}
    for k, v in body.items():
        if isinstance(v, str) and v.startswith("+"):
            day = timezone.localdate() + dt.timedelta(days=int(v[1:]))
            v = day.isoformat() if k == "until" else dt.datetime.combine(day, dt.time(12)).astimezone().isoformat()
        elif k == "assignee":
            v = w["users"][v].pk
        elif k == "into":
            v = w[v].pk
        out[k] = v
    return out


def _action_expect(action):
    def compute():
        return {r: (200 if r in ACTORS[action] else 403) if r in SEES else 404 for r in ROLES}

    return _Lazy(compute)


class _Lazy(dict):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self):
        return self.fn()

    def __bool__(self):
        return True


def _state(key):
    def snap():
        r = RepairRequest.objects.get(pk=built()[key].pk)
        return (r.status, r.urgent, r.assignee_id, r.events.count(), r.escalations.count(), r.supervisions.count())

    return snap


def _visible_requests(role, user) -> set:
    """Independent of ``repairs.scopes``: the world's requests all sit in yezhu's estate."""
    everything = set(RepairRequest.objects.values_list("pk", flat=True))
    if role in {"admin", "auditor"}:
        return everything
    org = user.memberships.select_related("organisation").first()
    qs = RepairRequest.objects.all()
    if role == "yezhu":
        return set(qs.filter(reporter=user).values_list("pk", flat=True))
    if org is None:
        return set()
    o = org.organisation
    if o.kind == "town_office":
        return set(qs.filter(estate__town_id=o.town_id).values_list("pk", flat=True))
    if o.kind == "neighbourhood":
        return set(qs.filter(estate__neighbourhood_id=o.neighbourhood_id).values_list("pk", flat=True))
    if o.kind == "company":
        today = timezone.localdate()
        estates = {c.area.estate_id for c in rm.Contract.objects.filter(company_id=o.company_id).select_related("area")
                   if c.start_on <= today and (c.end_on is None or c.end_on >= today)
                   and (c.terminated_on is None or c.terminated_on > today)}
        return set(qs.filter(estate_id__in=estates).values_list("pk", flat=True))
    return set()


# The figures and the category catalogue's pages: staff and the committees, not residents nor IT.
STAFF_PAGES = expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403)


def _category():
    return tuple(Category.objects.filter(code="roof-leak").values_list("complete_workdays", "name", "active"))


def _req(key="accepted"):
    return lambda: built()[key]


SPEC = [
    Case("GET", "api/v1/repairs", "/api/v1/repairs", expect(200), query={"limit": 500},
         rows=_visible_requests, got=api_page, label="rows"),
    Case("GET", "api/v1/repairs/<int:request_id>", lambda: f"/api/v1/repairs/{built()['accepted'].pk}",
         expect(404, **{r: 200 for r in SEES})),
    Case("POST", "api/v1/repairs", "/api/v1/repairs",
         expect(422, admin=201, juweihui=403, wuye=201, yeweihui=403, yezhu=201, auditor=403),
         data=lambda: {"estate": built()["home"].building.estate_id, "home": built()["home"].pk,
                             "category": "roof-leak", "description": "阳台漏水"}, label="yezhu's home"),
    Case("POST", "api/v1/repairs/<int:request_id>/photos", lambda: f"/api/v1/repairs/{built()['submitted'].pk}/photos",
         expect(404, admin=403, juweihui=403, wuye=409, yezhu=200, auditor=403), snapshot=_state("submitted"),
         data=lambda: {"photos": [png_upload()]}, multipart=True),
    Case("GET", "api/v1/repairs/categories", "/api/v1/repairs/categories", expect(200)),
    Case("PATCH", "api/v1/repairs/categories/<code>", "/api/v1/repairs/categories/roof-leak", expect(403, admin=200),
         data={"complete_workdays": 9}, snapshot=_category),
    Case("GET", "api/v1/repairs/stats", "/api/v1/repairs/stats", expect(200)),
    *[Case("POST", "api/v1/repairs/<int:request_id>/actions", lambda a=a: f"/api/v1/repairs/{built()[TRY[a][0]].pk}/actions",
           _action_expect(a), data=lambda a=a: _body(a), label=a, snapshot=_state(TRY[a][0])) for a in ACTORS],
    # pages
    Case("GET", "repairs/", "/repairs/", expect(200)),
    Case("GET", "repairs/new/", "/repairs/new/", expect(403, wuye=200, yeweihui=200, yezhu=200)),
    Case("POST", "repairs/new/", "/repairs/new/", expect(403, wuye=302, yeweihui=302, yezhu=302), data=lambda: {
        "estate": built()["home"].building.estate_id, "home": built()["home"].pk, "category": "roof-leak",
        "description": "阳台漏水"}),
    Case("GET", "repairs/mine/", "/repairs/mine/", expect(200)),
    Case("GET", "repairs/overdue/", "/repairs/overdue/", expect(200)),
    Case("GET", "repairs/stats/", "/repairs/stats/", STAFF_PAGES),
    Case("GET", "repairs/stats/export/", "/repairs/stats/export/", STAFF_PAGES),
    Case("GET", "repairs/categories/", "/repairs/categories/", STAFF_PAGES),
    Case("GET", "repairs/categories/<slug:code>/", "/repairs/categories/roof-leak/", expect(403, admin=200)),
    Case("POST", "repairs/categories/<slug:code>/", "/repairs/categories/roof-leak/", expect(403, admin=200),
         data={"complete_workdays": "x"}, may_change=set(), snapshot=_category),
    Case("GET", "repairs/<int:pk>/", lambda: f"/repairs/{built()['accepted'].pk}/", expect(404, **{r: 200 for r in SEES})),
    *[Case("POST", "repairs/<int:pk>/act/", lambda a=a: f"/repairs/{built()[TRY[a][0]].pk}/act/",
           expect(404, **{r: 302 for r in SEES}), may_change=ACTORS[a],
           data=lambda a=a: {k: v for k, v in _body(a).items()}, label=a, snapshot=_state(TRY[a][0])) for a in ACTORS],
    Case("POST", "repairs/<int:pk>/contact/", lambda: f"/repairs/{built()['accepted'].pk}/contact/",
         expect(404, admin=200, juweihui=302, wuye=302, yezhu=302, auditor=302), may_change=set(),
         data={"reason": "上门联系"}, snapshot=_state("accepted")),
    Case("GET", "repairs/photos/<int:photo_id>/", lambda: f"/repairs/photos/{built()['photo'].pk}/", expect(404, **{r: 200 for r in SEES})),
]
