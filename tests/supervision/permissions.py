"""The supervision permission spec (issue 17): every API operation and page of the module, as
every demo account and anonymous, on a world built per test from the services.

The world: ``yezhu``'s estate (E, 石化街道, ``juweihui``'s neighbourhood, ``yeweihui``'s
committee) served by ``wuye``'s company (W); an estate of 朱泾镇 (Z, ``zhujing``'s town) served by
another company (O). On each: inspections, complaints, breaches, project managers, surveys, pool
entries and handovers — so that every list shows who sees another company's records.

The rules, restated by hand from the issue (not read from ``supervision/scopes.py``):

- the bureau (``admin``) and the auditors read everything; the IT administrators nothing;
- a town office its town's inspections (drafts included — it is the inspecting body), complaints,
  surveys and handovers; a neighbourhood committee its estates' (inspections once submitted);
  an owners' committee its estate's submitted inspections and complaints;
- a company its own inspections (once submitted), complaints, credit file, managers, surveys,
  pool entries and handovers — never another company's;
- a resident only the complaints they filed;
- credit files (breaches not annulled), project managers and the pool: every business user
  other than a company reads all; a company its own (its annulled breaches included);
- writes: the bureau records breaches, spot-checks, admits / refuses / removes pool entries,
  decides complaints; the town office of the estate does the monthly inspection; the company
  answers findings, disputes breaches, takes on and replies to complaints, registers and assigns
  its managers, records its surveys, applies to the pool and runs its handovers; the complainant
  withdraws and escalates; the neighbourhood committee escalates.

Every oracle below is its own ORM query over the world's tables.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.core.services import record_create
from fangguan.registry import models as rm
from fangguan.supervision import services
from fangguan.supervision.defaults import HANDOVER_DOCUMENTS
from fangguan.supervision.models import (
    Breach,
    Complaint,
    Handover,
    Inspection,
    PoolEntry,
    ProjectManager,
    Survey,
    Template,
)
from tests.kit.permissions import Case, api_page, demo_users, expect, link_ids, page_of, state
from tests.kit.permissions import world as built
from tests.supervision.conftest import png_upload

IT = ("sysadmin", "secadmin", "auditadmin")
READ_ALL = {"admin", "auditor"}
NOT_SEEN = {r: 404 for r in IT}


def _in_force(qs, day, prefix=""):
    """Contracts in force on ``day``: started, not ended, not terminated (restated)."""
    from django.db.models import Q

    return qs.filter(Q(**{f"{prefix}start_on__lte": day}),
                     Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": day}),
                     Q(**{f"{prefix}terminated_on__isnull": True}) | Q(**{f"{prefix}terminated_on__gt": day}))


def _serving(estate_id, day) -> set[int]:
    return set(_in_force(rm.Contract.objects.filter(area__estate_id=estate_id), day)
               .values_list("company_id", flat=True))


def _company_user(company) -> User:
    """A manager of ``company`` (another company than wuye's), to act for it in the world."""
    org = Organisation.objects.filter(kind=OrgKind.COMPANY, company=company).first() or Organisation.objects.create(
        name=company.name, kind=OrgKind.COMPANY, company=company)
    user = User.objects.create_user(username=f"kit-co-{company.pk}", password="x-kit-unused-9", display_name="kit")
    Membership.objects.create(user=user, organisation=org, role=Role.COMPANY_MANAGER)
    return user


def world() -> dict:
    users = demo_users()
    admin, zhujing, wuye, yezhu = users["admin"], users["zhujing"], users["wuye"], users["yezhu"]
    today = timezone.localdate()
    now = timezone.now()
    w_id = wuye.memberships.get().organisation.company_id
    e = rm.HomeShare.objects.as_of(today).filter(person__user=yezhu).first().home.building.estate
    town_z = zhujing.memberships.get().organisation.town_id
    z = next(x for x in rm.Estate.objects.filter(town_id=town_z).order_by("pk")
             if _serving(x.pk, today) and w_id not in _serving(x.pk, today))
    company_w = rm.Company.objects.get(pk=w_id)
    company_o = rm.Company.objects.get(pk=min(_serving(z.pk, today)))
    other = _company_user(company_o)

    def codes(kind):
        return [i["code"] for i in Template.objects.in_force(kind, today).items]

    # A spot check of E by the bureau (submitted: one failed item with its open finding, a photo).
    i_e = services.inspection_create(actor=admin, estate=e, kind="district_spot", inspected_on=today)
    spot = codes("district_spot")
    photo = services.inspection_photos(actor=admin, inspection=i_e, code=spot[0], files=[png_upload()])[0]
    services.inspection_act(admin, i_e, "check", results={c: {"result": "fail" if c == spot[0] else "pass"}
                                                          for c in spot},
                            findings=[{"code": spot[0], "description": "消防通道堵塞"}])
    i_e = services.inspection_act(admin, i_e, "submit")
    # Z's monthly inspections by zhujing: one submitted, one still a draft.
    monthly = codes("town_monthly")
    i_z = services.inspection_create(actor=zhujing, estate=z, kind="town_monthly", inspected_on=today)
    services.inspection_act(zhujing, i_z, "check", results={c: {"result": "pass"} for c in monthly})
    i_z = services.inspection_act(zhujing, i_z, "submit")
    draft = services.inspection_create(actor=zhujing, estate=z, kind="town_monthly", inspected_on=today)

    old = today - dt.timedelta(days=150)
    b_w = services.breach_record(actor=admin, company=company_w, severity="minor", rule="报修响应超时",
                                 occurred_on=old, estate=e)
    b_annulled = services.breach_record(actor=admin, company=company_w, severity="minor", rule="未公示信息",
                                        occurred_on=old, estate=e)
    services.breach_act(wuye, b_annulled, "dispute", reason="已公示")
    b_annulled = services.breach_act(admin, b_annulled, "annul", note="核实已公示")
    b_o = services.breach_record(actor=admin, company=company_o, severity="more_serious", rule="消防通道堵塞",
                                 occurred_on=old, estate=z)

    pm_w = services.manager_create(actor=admin, company=company_w, name="王经理", certificate_no="KIT-PM-W")
    pm_o = services.manager_create(actor=admin, company=company_o, name="李经理", certificate_no="KIT-PM-O")

    c_e = services.complaint_create(actor=yezhu, estate=e, description="保洁不到位", company=company_w)
    c_z = services.complaint_create(actor=zhujing, estate=z, description="绿化无人养护", company=company_o,
                                    channel="committee")

    year = today.year - 1
    s_w = record_create(actor=admin, instance=Survey(estate=e, company=company_w, year=year, households=100,
                                                     responded=60, satisfied=50))
    s_o = record_create(actor=admin, instance=Survey(estate=z, company=company_o, year=year, households=100,
                                                     responded=60, satisfied=40))

    third = rm.Company.objects.exclude(pk__in=[w_id, company_o.pk]).order_by("pk").first()
    pe_o = PoolEntry.objects.create(company=company_o, status="admitted", applied_on=old, admitted_on=old,
                                    term_until=today + dt.timedelta(days=300), grade="B")
    pe_third = PoolEntry.objects.create(company=third, status="applied", applied_on=today)

    new_estate = rm.Estate.objects.filter(developer__isnull=False).order_by("pk").first()
    h_w = services.handover_create(actor=wuye, estate=new_estate, company=company_w, inspected_on=today,
                                   delivery_on=today + dt.timedelta(days=60), now=now)
    h_o = services.handover_create(actor=other, estate=new_estate, company=company_o, inspected_on=today,
                                   delivery_on=today + dt.timedelta(days=60), now=now)
    return {"users": users, "e": e, "z": z, "w": company_w, "o": company_o, "third": third, "i_e": i_e,
            "i_z": i_z, "draft": draft, "photo": photo, "b_w": b_w, "b_annulled": b_annulled, "b_o": b_o,
            "pm_w": pm_w, "pm_o": pm_o, "c_e": c_e, "c_z": c_z, "s_w": s_w, "s_o": s_o, "pe_o": pe_o,
            "pe_third": pe_third, "h_w": h_w, "h_o": h_o, "new_estate": new_estate, "year": year,
            "spot": spot, "monthly": monthly}


# --- Oracles: each its own query -------------------------------------------------------------


def _org(user):
    m = user.memberships.select_related("organisation").first() if user is not None else None
    return m.organisation if m is not None else None


def _committee_estate(org) -> int:
    return rm.OwnersCommittee.objects.get(pk=org.owners_committee_id).area.estate_id


def _ids(qs) -> set:
    return set(qs.values_list("pk", flat=True))


def inspections_seen(role, user) -> set:
    qs = Inspection.objects.all()
    if role in READ_ALL:
        return _ids(qs)
    org = _org(user)
    if org is None or org.kind == OrgKind.IT:
        return set()
    submitted = qs.exclude(status="draft")
    if org.kind == OrgKind.TOWN_OFFICE:
        return _ids(qs.filter(estate__town_id=org.town_id))
    if org.kind == OrgKind.NEIGHBOURHOOD:
        return _ids(submitted.filter(estate__neighbourhood_id=org.neighbourhood_id))
    if org.kind == OrgKind.COMPANY:
        return _ids(submitted.filter(company_id=org.company_id))
    if org.kind == OrgKind.OWNERS_COMMITTEE:
        return _ids(submitted.filter(estate_id=_committee_estate(org)))
    return set()


def complaints_seen(role, user) -> set:
    qs = Complaint.objects.all()
    if role in READ_ALL:
        return _ids(qs)
    mine = _ids(qs.filter(reporter=user))
    org = _org(user)
    if org is None or org.kind == OrgKind.IT:
        return mine
    if org.kind == OrgKind.TOWN_OFFICE:
        return mine | _ids(qs.filter(estate__town_id=org.town_id))
    if org.kind == OrgKind.NEIGHBOURHOOD:
        return mine | _ids(qs.filter(estate__neighbourhood_id=org.neighbourhood_id))
    if org.kind == OrgKind.COMPANY:
        return mine | _ids(qs.filter(company_id=org.company_id))
    if org.kind == OrgKind.OWNERS_COMMITTEE:
        return mine | _ids(qs.filter(estate_id=_committee_estate(org)))
    return mine


def _company_file(model, role, user, **extra_for_others) -> set:
    """Credit files, managers, the pool: readers of everything all; a company its own; the other
    business staff all (``extra_for_others`` narrows what they see); residents and IT nothing."""
    qs = model.objects.all()
    if role in READ_ALL:
        return _ids(qs)
    org = _org(user)
    if org is None or org.kind == OrgKind.IT:
        return set()
    if org.kind == OrgKind.COMPANY:
        return _ids(qs.filter(company_id=org.company_id))
    return _ids(qs.exclude(**extra_for_others) if extra_for_others else qs)


def breaches_seen(role, user) -> set:
    return _company_file(Breach, role, user, status="annulled")


def managers_seen(role, user) -> set:
    return _company_file(ProjectManager, role, user)


def pool_seen(role, user) -> set:
    return _company_file(PoolEntry, role, user) & _ids(PoolEntry.objects.filter(status="admitted"))


def surveys_seen(role, user) -> set:
    qs = Survey.objects.all()
    if role in READ_ALL:
        return _ids(qs)
    org = _org(user)
    if org is None:
        return set()
    if org.kind == OrgKind.TOWN_OFFICE:
        return _ids(qs.filter(estate__town_id=org.town_id))
    if org.kind == OrgKind.NEIGHBOURHOOD:
        return _ids(qs.filter(estate__neighbourhood_id=org.neighbourhood_id))
    if org.kind == OrgKind.COMPANY:
        return _ids(qs.filter(company_id=org.company_id))
    return set()


def handovers_seen(role, user) -> set:
    qs = Handover.objects.all()
    if role in READ_ALL:
        return _ids(qs)
    org = _org(user)
    person = rm.Person.objects.filter(user=user).values_list("pk", flat=True).first() if user else None
    mine = _ids(qs.filter(developer_id=person)) if person else set()
    if org is None:
        return mine
    if org.kind == OrgKind.TOWN_OFFICE:
        return mine | _ids(qs.filter(estate__town_id=org.town_id))
    if org.kind == OrgKind.NEIGHBOURHOOD:
        return mine | _ids(qs.filter(estate__neighbourhood_id=org.neighbourhood_id))
    if org.kind == OrgKind.COMPANY:
        return mine | _ids(qs.filter(company_id=org.company_id))
    return mine


def evaluated(role, user) -> set:
    """The companies serving estates on the last day of last year; a company its own line."""
    day = dt.date(timezone.localdate().year - 1, 12, 31)
    everyone = set(_in_force(rm.Contract.objects.all(), day).values_list("company_id", flat=True))
    org = _org(user)
    if org is not None and org.kind == OrgKind.COMPANY:
        return everyone & {org.company_id}
    return everyone


def credit_breaches(key):
    """The breaches listed in a company's credit file: those the reader may see of that company."""
    def rows(role, user) -> set:
        return breaches_seen(role, user) & _ids(Breach.objects.filter(company=built()[key]))

    return rows


def _evaluation_ids(response) -> set:
    return {item["company"]["id"] for item in response.json()["items"]}


def _credit_ids(response) -> set:
    return {b["id"] for b in response.json()["breaches"]}


# --- Expectations --------------------------------------------------------------------------


def seen_by(roles, status=200, **others) -> dict:
    """``status`` for the roles that see the record, 404 for the rest, ``others`` as given."""
    return expect(404, **{r: status for r in roles}, **others)


def acting(seers, actors, ok=200, refused=403) -> dict:
    """A write on a record: ``ok`` for its actors, ``refused`` for the others who see it, 404 for the rest."""
    return expect(404, **{r: (ok if r in actors else refused) for r in seers})


# Who sees each record of the world (restated; the row oracles check the lists independently).
SEES_I_E = {"admin", "juweihui", "wuye", "yeweihui", "auditor"}  # E's submitted spot check
SEES_DRAFT = {"admin", "zhujing", "auditor"}  # Z's draft: its inspecting town office and the readers
SEES_C_E = {"admin", "juweihui", "wuye", "yeweihui", "yezhu", "auditor"}  # yezhu's complaint about W
SEES_B_W = {"admin", "zhujing", "juweihui", "wuye", "yeweihui", "auditor"}  # W's breach
SEES_O_FILE = {"admin", "zhujing", "juweihui", "yeweihui", "auditor"}  # O's file: not wuye
SEES_PE_THIRD = SEES_O_FILE
# W's credit file: business staff; a resident as such reads no company's file, IT none.
STAFF = {"admin", "zhujing", "juweihui", "wuye", "yeweihui", "auditor"}
# W's handover of the new estate (in 朱泾镇): its town office, the company, the readers.
SEES_H_W = {"admin", "zhujing", "wuye", "auditor"}


def _snap(key, *related):
    def snap():
        obj = built()[key]
        return (state(obj), *(getattr(type(obj).objects.get(pk=obj.pk), r).count() for r in related))

    return snap


def _path(fmt, key):
    return lambda: fmt.format(built()[key].pk)


def _png_b64() -> str:
    return base64.b64encode(png_upload().read()).decode()


def _today() -> str:
    return timezone.localdate().isoformat()


SPEC = [
    # --- inspections (API)
    Case("GET", "api/v1/supervision/inspections", "/api/v1/supervision/inspections", expect(200),
         query={"limit": 500}, rows=inspections_seen, got=api_page, label="rows"),
    Case("GET", "api/v1/supervision/inspections/<int:inspection_id>", _path("/api/v1/supervision/inspections/{}", "i_e"),
         seen_by(SEES_I_E), label="E's spot check"),
    Case("GET", "api/v1/supervision/inspections/<int:inspection_id>",
         _path("/api/v1/supervision/inspections/{}", "draft"), seen_by(SEES_DRAFT), label="Z's draft"),
    # a spot check is the bureau's; those who see E but are not the bureau are refused
    Case("POST", "api/v1/supervision/inspections", "/api/v1/supervision/inspections",
         expect(422, admin=201, juweihui=403, wuye=403, yeweihui=403, yezhu=403, auditor=403),
         data=lambda: {"estate": built()["e"].pk, "kind": "district_spot", "inspected_on": _today()},
         label="spot check of E"),
    # a monthly inspection is the town office's of the estate's town: not even the bureau's
    Case("POST", "api/v1/supervision/inspections", "/api/v1/supervision/inspections",
         expect(422, admin=403, zhujing=201, auditor=403),
         data=lambda: {"estate": built()["z"].pk, "kind": "town_monthly", "inspected_on": _today()},
         label="monthly inspection of Z"),
    Case("POST", "api/v1/supervision/inspections/<int:inspection_id>/actions",
         _path("/api/v1/supervision/inspections/{}/actions", "i_e"), acting(SEES_I_E, {"wuye"}),
         data={"action": "answer", "answer": "已清理消防通道"}, snapshot=_snap("i_e", "findings", "events"),
         label="answer"),
    # closing with a finding still open: the inspector is answered 409, nothing changes
    Case("POST", "api/v1/supervision/inspections/<int:inspection_id>/actions",
         _path("/api/v1/supervision/inspections/{}/actions", "i_e"), acting(SEES_I_E, {"admin"}, ok=409),
         data={"action": "close"}, snapshot=_snap("i_e", "findings", "events"), label="close"),
    Case("POST", "api/v1/supervision/inspections/<int:inspection_id>/actions",
         _path("/api/v1/supervision/inspections/{}/actions", "draft"), acting(SEES_DRAFT, {"zhujing"}),
         data=lambda: {"action": "check", "results": {c: {"result": "pass"} for c in built()["monthly"]}},
         snapshot=_snap("draft", "results", "events"), label="check"),
    Case("POST", "api/v1/supervision/inspections/<int:inspection_id>/actions",
         _path("/api/v1/supervision/inspections/{}/actions", "draft"), acting(SEES_DRAFT, {"zhujing"}),
         data={"action": "cancel", "reason": "重复录入"}, snapshot=_snap("draft", "events"), label="cancel"),
    Case("POST", "api/v1/supervision/inspections/<int:inspection_id>/photos",
         _path("/api/v1/supervision/inspections/{}/photos", "draft"), acting(SEES_DRAFT, {"zhujing"}, ok=201),
         data=lambda: {"code": built()["monthly"][0], "photos": [_png_b64()]}, snapshot=_snap("draft", "events")),
    # --- breaches and credit files
    Case("GET", "api/v1/supervision/breaches", "/api/v1/supervision/breaches", expect(200),
         query={"limit": 500}, rows=breaches_seen, got=api_page, label="rows"),
    Case("POST", "api/v1/supervision/breaches", "/api/v1/supervision/breaches",
         expect(403, admin=201, sysadmin=422, secadmin=422, auditadmin=422),
         data=lambda: {"company": built()["w"].pk, "severity": "minor", "rule": "未按规定公示", "occurred_on": _today()},
         label="on W"),
    Case("POST", "api/v1/supervision/breaches/<int:breach_id>/actions",
         _path("/api/v1/supervision/breaches/{}/actions", "b_w"), acting(SEES_B_W, {"wuye"}),
         data={"action": "dispute", "reason": "已按时响应"}, snapshot=_snap("b_w", "events"), label="dispute"),
    Case("POST", "api/v1/supervision/breaches/<int:breach_id>/actions",
         _path("/api/v1/supervision/breaches/{}/actions", "b_w"), acting(SEES_B_W, {"admin"}),
         data={"action": "correct", "note": "已整改"}, snapshot=_snap("b_w", "events"), label="correct"),
    Case("POST", "api/v1/supervision/breaches/<int:breach_id>/actions",
         _path("/api/v1/supervision/breaches/{}/actions", "b_o"), acting(SEES_O_FILE, set()),
         data={"action": "dispute", "reason": "不服"}, snapshot=_snap("b_o", "events"), label="another company's"),
    Case("GET", "api/v1/companies/<int:company_id>/credit", _path("/api/v1/companies/{}/credit", "w"),
         seen_by(STAFF), rows=credit_breaches("w"), got=_credit_ids, label="W"),
    Case("GET", "api/v1/companies/<int:company_id>/credit", _path("/api/v1/companies/{}/credit", "o"),
         seen_by(SEES_O_FILE), rows=credit_breaches("o"), got=_credit_ids, label="another company"),
    Case("GET", "api/v1/managers/<int:manager_id>/credit", _path("/api/v1/managers/{}/credit", "pm_w"),
         seen_by(STAFF), label="W's manager"),
    Case("GET", "api/v1/managers/<int:manager_id>/credit", _path("/api/v1/managers/{}/credit", "pm_o"),
         seen_by(SEES_O_FILE), label="another company's manager"),
    # --- project managers
    Case("GET", "api/v1/supervision/managers", "/api/v1/supervision/managers", expect(200),
         query={"limit": 500}, rows=managers_seen, got=api_page, label="rows"),
    Case("POST", "api/v1/supervision/managers", "/api/v1/supervision/managers",
         expect(403, admin=201, wuye=201, sysadmin=422, secadmin=422, auditadmin=422),
         data=lambda: {"company": built()["w"].pk, "name": "赵经理", "certificate_no": "KIT-PM-NEW"}, label="for W"),
    Case("POST", "api/v1/supervision/managers", "/api/v1/supervision/managers",
         expect(403, admin=201, sysadmin=422, secadmin=422, auditadmin=422),
         data=lambda: {"company": built()["o"].pk, "name": "钱经理", "certificate_no": "KIT-PM-NEW2"},
         label="for another company"),
    Case("POST", "api/v1/supervision/managers/<int:manager_id>/assignments",
         _path("/api/v1/supervision/managers/{}/assignments", "pm_w"),
         expect(403, admin=201, zhujing=422, wuye=201, yezhu=404, sysadmin=404, secadmin=404, auditadmin=404),
         data=lambda: {"estate": built()["e"].pk, "start_on": _today()}, snapshot=_snap("pm_w", "assignments")),
    # --- complaints
    Case("GET", "api/v1/supervision/complaints", "/api/v1/supervision/complaints", expect(200),
         query={"limit": 500}, rows=complaints_seen, got=api_page, label="rows"),
    Case("GET", "api/v1/supervision/complaints/<int:complaint_id>", _path("/api/v1/supervision/complaints/{}", "c_e"),
         seen_by(SEES_C_E), label="yezhu's"),
    Case("GET", "api/v1/supervision/complaints/<int:complaint_id>", _path("/api/v1/supervision/complaints/{}", "c_z"),
         seen_by({"admin", "zhujing", "auditor"}), label="in Z"),
    Case("POST", "api/v1/supervision/complaints", "/api/v1/supervision/complaints",
         expect(422, admin=201, juweihui=201, wuye=403, yeweihui=201, yezhu=201, auditor=403),
         data=lambda: {"estate": built()["e"].pk, "description": "电梯长期停运"}, label="about E"),
    *[Case("POST", "api/v1/supervision/complaints/<int:complaint_id>/actions",
           _path("/api/v1/supervision/complaints/{}/actions", "c_e"), acting(SEES_C_E, actors),
           data=body, snapshot=_snap("c_e", "events", "escalations"), label=body["action"])
      for body, actors in (({"action": "take", "note": "已受理"}, {"wuye"}),
                           ({"action": "reply", "reply": "已增派保洁"}, {"wuye"}),
                           ({"action": "uphold", "decision": "投诉属实"}, {"admin"}),
                           ({"action": "withdraw", "reason": "已解决"}, {"yezhu"}),
                           ({"action": "escalate", "note": "无人处理"}, {"yezhu", "juweihui"}))],
    # --- surveys, evaluations
    Case("GET", "api/v1/supervision/surveys", "/api/v1/supervision/surveys", expect(200),
         query={"limit": 500}, rows=surveys_seen, got=api_page, label="rows"),
    Case("POST", "api/v1/supervision/surveys", "/api/v1/supervision/surveys",
         expect(403, admin=201, zhujing=422, wuye=201, sysadmin=422, secadmin=422, auditadmin=422),
         data=lambda: {"estate": built()["e"].pk, "company": built()["w"].pk, "year": built()["year"] - 1,
                       "households": 200, "responded": 120, "satisfied": 100}, label="W in E"),
    Case("GET", "api/v1/supervision/evaluations", "/api/v1/supervision/evaluations",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403),
         query=lambda: {"year": built()["year"]}, rows=evaluated, got=_evaluation_ids, label="rows"),
    # --- the pool
    Case("GET", "api/v1/supervision/pool", "/api/v1/supervision/pool", expect(200), rows=pool_seen, got=api_page,
         label="rows"),
    Case("POST", "api/v1/supervision/pool/applications", "/api/v1/supervision/pool/applications",
         expect(403, wuye=201, sysadmin=422, secadmin=422, auditadmin=422),
         data=lambda: {"company": built()["w"].pk}, label="W applies"),
    Case("POST", "api/v1/supervision/pool/<int:entry_id>/actions", _path("/api/v1/supervision/pool/{}/actions", "pe_third"),
         acting(SEES_PE_THIRD, {"admin"}), data={"action": "refuse", "reason": "评价等级不足"},
         snapshot=_snap("pe_third"), label="refuse"),
    Case("POST", "api/v1/supervision/pool/<int:entry_id>/actions", _path("/api/v1/supervision/pool/{}/actions", "pe_o"),
         acting(SEES_O_FILE, {"admin"}), data={"action": "remove", "reason": "发生特别严重失信行为"},
         snapshot=_snap("pe_o"), label="remove"),
    # --- handovers
    Case("GET", "api/v1/handovers", "/api/v1/handovers", expect(200), query={"limit": 500}, rows=handovers_seen,
         got=api_page, label="rows"),
    Case("GET", "api/v1/handovers/<int:handover_id>", _path("/api/v1/handovers/{}", "h_w"),
         seen_by(SEES_H_W), label="W's"),
    Case("POST", "api/v1/handovers", "/api/v1/handovers",
         expect(422, admin=403, zhujing=403, wuye=201, auditor=403),
         data=lambda: {"estate": built()["new_estate"].pk, "company": built()["w"].pk, "inspected_on": _today(),
                       "delivery_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat()},
         label="W at the new estate"),
    Case("POST", "api/v1/handovers/<int:handover_id>/defects", _path("/api/v1/handovers/{}/defects", "h_w"),
         acting(SEES_H_W, {"wuye"}, ok=201), data={"description": "地下车库渗水"},
         snapshot=_snap("h_w", "defects", "events")),
    Case("POST", "api/v1/handovers/<int:handover_id>/actions", _path("/api/v1/handovers/{}/actions", "h_w"),
         acting(SEES_H_W, {"wuye"}),
         data={"action": "record", "received": [HANDOVER_DOCUMENTS[0]]}, snapshot=_snap("h_w", "events"), label="record"),
    Case("POST", "api/v1/handovers/<int:handover_id>/actions", _path("/api/v1/handovers/{}/actions", "h_o"),
         acting(SEES_H_W - {"wuye"}, set()), data={"action": "sign", "developer_signatory": "甲",
                                                    "company_signatory": "乙"},
         snapshot=_snap("h_o", "events"), label="another company's"),
    # --- pages
    Case("GET", "supervision/", "/supervision/", expect(302)),
    Case("GET", "supervision/inspections/", "/supervision/inspections/",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403), rows=inspections_seen,
         got=link_ids(r'href="/supervision/inspections/(\d+)/"')),
    Case("POST", "supervision/inspections/new/", "/supervision/inspections/new/",
         expect(404, admin=302, zhujing=302, auditor=302), may_change={"zhujing"},
         data=lambda: {"estate": built()["z"].pk, "kind": "town_monthly", "inspected_on": _today()}),
    Case("GET", "supervision/inspections/<int:pk>/", _path("/supervision/inspections/{}/", "i_e"), seen_by(SEES_I_E)),
    Case("POST", "supervision/inspections/<int:pk>/act/", _path("/supervision/inspections/{}/act/", "i_e"),
         seen_by(SEES_I_E, 302), may_change={"wuye"}, data={"action": "answer", "answer": "已清理"},
         snapshot=_snap("i_e", "findings", "events")),
    Case("GET", "supervision/photos/<int:pk>/", _path("/supervision/photos/{}/", "photo"), seen_by(SEES_I_E)),
    Case("GET", "supervision/complaints/", "/supervision/complaints/", expect(200), rows=complaints_seen,
         got=link_ids(r'href="/supervision/complaints/(\d+)/"')),
    # the complaint form: those who may complain about some estate (residents, committees, town
    # offices, the bureau); a company is the one complained about, auditors only read
    Case("GET", "supervision/complaints/new/", "/supervision/complaints/new/",
         expect(403, admin=200, zhujing=200, juweihui=200, yeweihui=200, yezhu=200)),
    # about E: zhujing (another town) is shown the form again with the refusal, nothing filed
    Case("POST", "supervision/complaints/new/", "/supervision/complaints/new/",
         expect(403, admin=302, zhujing=200, juweihui=302, yeweihui=302, yezhu=302),
         may_change={"admin", "juweihui", "yeweihui", "yezhu"},
         data=lambda: {"estate": built()["e"].pk, "description": "电梯长期停运"}, label="about E"),
    Case("GET", "supervision/complaints/<int:pk>/", _path("/supervision/complaints/{}/", "c_e"), seen_by(SEES_C_E)),
    Case("POST", "supervision/complaints/<int:pk>/act/", _path("/supervision/complaints/{}/act/", "c_e"),
         seen_by(SEES_C_E, 302), may_change={"wuye"}, data={"action": "take"},
         snapshot=_snap("c_e", "events", "escalations")),
    Case("GET", "supervision/companies/<int:pk>/credit/", _path("/supervision/companies/{}/credit/", "w"),
         seen_by(STAFF), label="W"),
    Case("GET", "supervision/companies/<int:pk>/credit/", _path("/supervision/companies/{}/credit/", "o"),
         seen_by(SEES_O_FILE), label="another company"),
    # the bureau's list of breaches: staff read it (what the API answers them); residents and IT 403
    Case("GET", "supervision/breaches/", "/supervision/breaches/",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403), rows=breaches_seen,
         got=page_of(link_ids(r'data-breach="(\d+)"'), 100)),
    Case("GET", "supervision/breaches/", "/supervision/breaches/",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403),
         query=lambda: {"company": built()["w"].pk},
         rows=lambda role, user: breaches_seen(role, user) & {b.pk for b in Breach.objects.filter(company=built()["w"])},
         got=page_of(link_ids(r'data-breach="(\d+)"'), 100), label="company W"),
    Case("GET", "supervision/evaluations/", "/supervision/evaluations/",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403),
         query=lambda: {"year": built()["year"]}),
    Case("GET", "supervision/pool/", "/supervision/pool/",
         expect(200, yezhu=403, sysadmin=403, secadmin=403, auditadmin=403)),
    Case("GET", "supervision/handovers/", "/supervision/handovers/",
         expect(200, sysadmin=403, secadmin=403, auditadmin=403), rows=handovers_seen,
         got=link_ids(r'href="/supervision/handovers/(\d+)/"')),
    Case("GET", "supervision/handovers/<int:pk>/", _path("/supervision/handovers/{}/", "h_w"),
         seen_by(SEES_H_W)),
]
