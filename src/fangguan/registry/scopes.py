"""Who sees and who may change each registry record — the one place these rules live.

Reading (issue #2): the bureau and auditors see the whole district; a town office its town; a
neighbourhood committee its estates; a property company the estates it serves under a contract
in force today (and, inside them, only the management areas it serves); an owners' committee
member its management area; an owner their own homes and estate. IT administrators (三员) see
no business data. Towns, neighbourhood committees and the company register are public to every
business user.

Writing: the bureau everything; a town office its town's registry; a company the facilities of
the estates it serves and the contact details of those estates and of itself; an owners'
committee its own members and documents; an owner their own contact details.

Each rule turns the user's grants (``accounts.roles``) into one SQL filter of ``IN (subquery)``
terms, so a scoped list is still one query however many roles a user holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, READ_ALL, Grant, business_grants
from fangguan.core.scopes import (
    ADD,
    DELETE,
    EVERYTHING,
    NOTHING,
    FieldGrant,
    Rule,
    register_scope,
    rule_for,
)

from . import models as m


@dataclass(frozen=True)
class Reach:
    """The rows one grant reaches, as subqueries: estates, and optionally narrower areas/homes."""

    estates: models.QuerySet | None
    areas: models.QuerySet | None = None
    homes: models.QuerySet | None = None


def reach_of(grant: Grant, today: dt.date | None = None) -> Reach:
    today = today or timezone.localdate()
    if grant.kind == OrgKind.TOWN_OFFICE:
        return Reach(estates=m.Estate.objects.filter(town_id=grant.town_id).values("pk"))
    if grant.kind == OrgKind.NEIGHBOURHOOD:
        return Reach(estates=m.Estate.objects.filter(neighbourhood_id=grant.neighbourhood_id).values("pk"))
    if grant.kind == OrgKind.COMPANY:
        areas = m.Contract.objects.as_of(today).filter(company_id=grant.company_id).values("area_id")
        return Reach(estates=m.ManagementArea.objects.filter(pk__in=areas).values("estate_id"), areas=areas)
    if grant.kind == OrgKind.OWNERS_COMMITTEE:
        areas = m.OwnersCommittee.objects.filter(pk=grant.committee_id).values("area_id")
        return Reach(estates=m.ManagementArea.objects.filter(pk__in=areas).values("estate_id"), areas=areas)
    if grant.kind == OWNER:
        homes = m.HomeShare.objects.as_of(today).filter(person_id=grant.person_id).values("home_id")
        mine = m.Home.objects.filter(pk__in=homes)
        return Reach(
            estates=mine.values("building__estate_id"), areas=mine.values("building__area_id"), homes=homes
        )
    return Reach(estates=None)


def serving_company_ids(estate_id: int, day: dt.date | None = None) -> models.QuerySet:
    """The companies serving ``estate_id`` on ``day`` (a contract in force for one of its
    management areas), as a subquery of ids: the one definition of "the serving company"."""
    day = day or timezone.localdate()
    return m.Contract.objects.as_of(day).filter(area__estate_id=estate_id).values("company_id")


def serving_staff(estate_id: int, day: dt.date | None = None, *, roles=None) -> models.QuerySet:
    """Active users working for a company that serves ``estate_id`` on ``day`` (optionally only in
    ``roles``): who may be assigned its work and who is told about it."""
    from fangguan.accounts.models import User

    members = dict(memberships__active=True, memberships__organisation__active=True,
                   memberships__organisation__kind=OrgKind.COMPANY,
                   memberships__organisation__company_id__in=serving_company_ids(estate_id, day))
    if roles is not None:
        members["memberships__role__in"] = list(roles)
    return User.objects.filter(is_active=True, **members).distinct()


@dataclass(frozen=True)
class Paths:
    """How a model's rows hang from estate, management area, building and home."""

    estate: str
    area: str | None = None
    building: str | None = None
    home: str | None = None

    def q(self, reach: Reach) -> Q:
        if reach.estates is None:
            return Q(pk__in=[])
        q = Q(**{f"{self.estate}__in": reach.estates})
        if reach.areas is not None and self.area:
            q &= Q(**{f"{self.area}__in": reach.areas})
        if reach.homes is not None:
            if self.home:
                q &= Q(**{f"{self.home}__in": reach.homes})
            elif self.building:
                q &= Q(**{f"{self.building}__in": m.Home.objects.filter(pk__in=reach.homes).values("building_id")})
        return q


_business = business_grants


# Models a town office manages (adds, changes, deletes) in its town.
TOWN_WRITES = {
    m.Estate, m.ManagementArea, m.Building, m.Home, m.HomeShare, m.Person, m.Contract,
    m.OwnersCommittee, m.CommitteeMember, m.CommitteeDocument, m.Facility, m.Assessment,
}


class GrantRule(Rule):
    """Visible rows: everything for the bureau and auditors, else the union of each grant's rows."""

    def grant_q(self, g: Grant) -> Q:
        raise NotImplementedError

    def visible(self, qs, user):
        gs = _business(user)
        if any(g.kind in READ_ALL for g in gs):  # reads_everything, from the grants in hand
            return qs
        q = Q(pk__in=[])
        for g in gs:
            q |= self.grant_q(g)
        return qs.filter(q)


@dataclass
class EstateRule(GrantRule):
    """Rows that belong to estates. Who *manages* a row — adds, changes and deletes it — is the
    bureau, a town office (models in ``TOWN_WRITES``, in its town), a serving company where
    ``company_manages`` (facilities), an owners' committee for its own rows where
    ``committee_own`` (members, documents). A serving company may also change the fields in
    ``company_fields`` of rows it does not manage (an estate's contacts)."""

    model: type[models.Model]
    paths: Paths
    company_fields: FieldGrant = NOTHING
    company_manages: bool = False
    committee_own: bool = False

    def grant_q(self, g: Grant) -> Q:
        q = self.paths.q(reach_of(g))
        if g.kind == OrgKind.COMPANY and self.model is m.Contract:
            q |= Q(company_id=g.company_id)  # a company also sees its own past contracts
        return q

    def _manager_kind(self, g: Grant) -> bool:
        """Whether this grant's kind manages rows of this model somewhere (reach decides where)."""
        return (g.kind == OrgKind.BUREAU
                or (g.kind == OrgKind.TOWN_OFFICE and self.model in TOWN_WRITES)
                or (g.kind == OrgKind.COMPANY and self.company_manages)
                or (g.kind == OrgKind.OWNERS_COMMITTEE and self.committee_own))

    def _managed(self, user, records) -> set[int]:
        """The records the user manages, with one query per grant (not per record)."""
        pks = {obj.pk for obj in records}
        managed: set[int] = set()
        for g in _business(user):
            if not self._manager_kind(g):
                continue
            if g.kind == OrgKind.BUREAU:
                return pks
            if g.kind == OrgKind.OWNERS_COMMITTEE:  # its own members and documents, not its predecessors'
                managed |= {obj.pk for obj in records if obj.committee_id == g.committee_id}
                continue
            reached = self.model._default_manager.filter(pk__in=list(pks - managed)).filter(self.grant_q(g))
            managed |= set(reached.values_list("pk", flat=True))
        return managed

    def _company_reached(self, user, records) -> set[int]:
        reached: set[int] = set()
        for g in _business(user):
            if g.kind == OrgKind.COMPANY and self.company_fields:
                qs = self.model._default_manager.filter(pk__in=[obj.pk for obj in records]).filter(self.grant_q(g))
                reached |= set(qs.values_list("pk", flat=True))
        return reached

    def fields(self, user, record):
        return self.fields_many(user, [record])[record.pk]

    def fields_many(self, user, records):
        managed = self._managed(user, records)
        partial = self._company_reached(user, [obj for obj in records if obj.pk not in managed])
        return {obj.pk: EVERYTHING if obj.pk in managed else self.company_fields if obj.pk in partial else NOTHING
                for obj in records}

    def allows(self, user, action, record):
        if action not in (ADD, DELETE):
            return False
        if record is None:
            return action == ADD and any(self._manager_kind(g) for g in _business(user))
        return record.pk in self._managed(user, [record])

    def parents_managed(self, user, parents: models.QuerySet, via: str) -> models.QuerySet:
        """The rows of ``parents`` — the model this one hangs from by its foreign key ``via`` —
        under which ``user`` manages rows of this model, i.e. may add one there: the question a
        form asks before anything is written (``allows`` answers it for a saved row). The same
        grants as ``_managed``; this model's paths with the ``via__`` prefix taken off."""
        prefix = f"{via}__"
        fields = {name: getattr(self.paths, name) for name in ("estate", "area", "building", "home")}
        if any(path and not path.startswith(prefix) for path in fields.values()):
            raise ValueError(f"{self.model.__name__} does not hang from its {via}")
        paths = Paths(**{name: path.removeprefix(prefix) if path else None for name, path in fields.items()})
        q = Q(pk__in=[])
        for g in _business(user):
            if not self._manager_kind(g):
                continue
            if g.kind == OrgKind.BUREAU:
                return parents
            if g.kind == OrgKind.OWNERS_COMMITTEE:  # its own rows only
                if via == "committee":
                    q |= Q(pk=g.committee_id)
                continue
            q |= paths.q(reach_of(g))
        return parents.filter(q)


@dataclass
class PublicRule(Rule):
    """Registers every business user may read: towns, neighbourhood committees, companies. The
    bureau manages them; a town office its town's neighbourhood committees; a company changes
    its own contact fields."""

    model: type[models.Model]

    def visible(self, qs, user):
        return qs if _business(user) else qs.none()

    def _manages(self, g: Grant, record) -> bool:
        if g.kind == OrgKind.BUREAU:
            return True
        return (g.kind == OrgKind.TOWN_OFFICE and self.model is m.Neighbourhood
                and (record is None or record.town_id == g.town_id))

    def fields(self, user, record):
        result = NOTHING
        for g in _business(user):
            if self._manages(g, record):
                return EVERYTHING
            if g.kind == OrgKind.COMPANY and self.model is m.Company and record.pk == g.company_id:
                result |= FieldGrant(fields=m.Company.COMPANY_EDITABLE)
        return result

    def allows(self, user, action, record):
        return action in (ADD, DELETE) and any(self._manages(g, record) for g in _business(user))


class PersonRule(GrantRule):
    """People are reached through their rights in homes; an owner sees only themselves and
    changes their own contact details. The bureau manages everyone; a town office the people
    with a right in a home of its town (a new person is added with that right, and checked
    after both are written)."""

    share_paths = Paths(estate="home__building__estate_id", area="home__building__area_id", home="home_id")

    def grant_q(self, g: Grant) -> Q:
        if g.kind == OWNER:
            return Q(pk=g.person_id)
        q = Q(pk__in=m.HomeShare.objects.filter(self.share_paths.q(reach_of(g))).values("person_id"))
        if g.kind == OrgKind.OWNERS_COMMITTEE:
            q |= Q(pk__in=m.CommitteeMember.objects.filter(committee_id=g.committee_id).values("person_id"))
        return q

    def _manages(self, g: Grant, record) -> bool:
        if g.kind == OrgKind.BUREAU:
            return True
        if g.kind != OrgKind.TOWN_OFFICE:
            return False
        return record is None or m.Person.objects.filter(pk=record.pk).filter(self.grant_q(g)).exists()

    def fields(self, user, record):
        result = NOTHING
        for g in _business(user):
            if self._manages(g, record):
                return EVERYTHING
            if g.kind == OWNER and record.pk == g.person_id:
                result |= FieldGrant(fields=m.Person.SELF_EDITABLE)
        return result

    def fields_many(self, user, records):
        """``fields`` for a page of people with one query per town-office grant, not one per person
        (the people list asks it for its bulk edit's tick boxes)."""
        pks = [obj.pk for obj in records]
        out = {pk: NOTHING for pk in pks}
        managed: set[int] = set()
        for g in _business(user):
            if g.kind == OrgKind.BUREAU:
                return {pk: EVERYTHING for pk in pks}
            if g.kind == OrgKind.TOWN_OFFICE:
                managed |= set(m.Person.objects.filter(pk__in=pks).filter(self.grant_q(g)).values_list("pk", flat=True))
            elif g.kind == OWNER and g.person_id in out:
                out[g.person_id] |= FieldGrant(fields=m.Person.SELF_EDITABLE)
        return {pk: EVERYTHING if pk in managed else grant for pk, grant in out.items()}

    def allows(self, user, action, record):
        return action in (ADD, DELETE) and any(self._manages(g, record) for g in _business(user))


def committees_taking_members(user) -> models.QuerySet:
    """The owners' committees ``user`` may add a member to, by the committee members' own rule:
    the bureau every committee, a town office those of its town, an owners' committee itself
    (issue 18: the member picker asks this before it lists anyone). ``record_create`` asks the
    same rule again once the member is written."""
    return rule_for(m.CommitteeMember).parents_managed(user, m.OwnersCommittee.objects.all(), via="committee")


def register_all() -> None:
    committee_paths = Paths(estate="committee__area__estate_id", area="committee__area_id")
    for rule in (
        EstateRule(m.Estate, Paths(estate="pk"), company_fields=FieldGrant(fields=m.Estate.COMPANY_EDITABLE)),
        EstateRule(m.ManagementArea, Paths(estate="estate_id", area="pk")),
        EstateRule(m.Building, Paths(estate="estate_id", area="area_id", building="pk")),
        EstateRule(m.Home, Paths(estate="building__estate_id", area="building__area_id", home="pk")),
        EstateRule(m.HomeShare, PersonRule.share_paths),
        EstateRule(m.Contract, Paths(estate="area__estate_id", area="area_id")),
        EstateRule(m.OwnersCommittee, Paths(estate="area__estate_id", area="area_id")),
        EstateRule(m.CommitteeMember, committee_paths, committee_own=True),
        EstateRule(m.CommitteeDocument, committee_paths, committee_own=True),
        EstateRule(m.Facility, Paths(estate="estate_id"), company_manages=True),
        EstateRule(m.Assessment, Paths(estate="estate_id")),
    ):
        register_scope(rule.model, rule)
    for model in (m.Town, m.Neighbourhood, m.Company):
        register_scope(model, PublicRule(model))
    register_scope(m.Person, PersonRule())
