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
from fangguan.accounts.roles import OWNER, Grant, grants
from fangguan.core.scopes import EVERYTHING, NOTHING, FieldGrant, register_scope

from . import models as m

READ_ALL = {OrgKind.BUREAU, OrgKind.AUDIT}
BUSINESS = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY,
            OrgKind.OWNERS_COMMITTEE, OWNER}


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


def _business(user) -> list[Grant]:
    return [g for g in grants(user) if g.kind in BUSINESS]


# Who may write what, per grant kind: model -> fields (EVERYTHING or a FieldGrant of names).
TOWN_WRITES = {
    m.Estate, m.ManagementArea, m.Building, m.Home, m.HomeShare, m.Person, m.Contract,
    m.OwnersCommittee, m.CommitteeMember, m.CommitteeDocument, m.Facility, m.Assessment,
}


class GrantRule:
    """Visible rows: everything for the bureau and auditors, else the union of each grant's rows."""

    def grant_q(self, g: Grant) -> Q:
        raise NotImplementedError

    def visible(self, qs, user):
        gs = _business(user)
        if any(g.kind in READ_ALL for g in gs):
            return qs
        q = Q(pk__in=[])
        for g in gs:
            q |= self.grant_q(g)
        return qs.filter(q)


@dataclass
class EstateRule(GrantRule):
    """Rows that belong to estates: visible and writable through the grant's reach."""

    model: type[models.Model]
    paths: Paths
    company_writes: FieldGrant = NOTHING
    committee_writes: bool = False

    def grant_q(self, g: Grant) -> Q:
        q = self.paths.q(reach_of(g))
        if g.kind == OrgKind.COMPANY and self.model is m.Contract:
            q |= Q(company_id=g.company_id)  # a company also sees its own past contracts
        return q

    def writable(self, user, instance):
        return self.writable_many(user, [instance])[instance.pk]

    def writable_many(self, user, instances):
        """The fields of each record the user may change, with one query per grant (not per record)."""
        result = {obj.pk: NOTHING for obj in instances}
        for g in _business(user):
            if g.kind == OrgKind.BUREAU:
                return {pk: EVERYTHING for pk in result}
            if g.kind == OrgKind.OWNERS_COMMITTEE and self.committee_writes:
                # its own members and documents only, not its predecessors'
                for obj in instances:
                    if obj.committee_id == g.committee_id:
                        result[obj.pk] |= EVERYTHING
                continue
            fields = self._fields_for(g)
            if fields:
                reached = self.model._default_manager.filter(pk__in=list(result)).filter(self.grant_q(g))
                for pk in reached.values_list("pk", flat=True):
                    result[pk] |= fields
        return result

    def creatable(self, user) -> bool:
        for g in _business(user):
            if g.kind == OrgKind.BUREAU or self._fields_for(g).all:
                return True
            if g.kind == OrgKind.OWNERS_COMMITTEE and self.committee_writes:
                return True
        return False

    def _fields_for(self, g: Grant) -> FieldGrant:
        if g.kind == OrgKind.TOWN_OFFICE and self.model in TOWN_WRITES:
            return EVERYTHING
        if g.kind == OrgKind.COMPANY:
            return self.company_writes
        return NOTHING


@dataclass
class PublicRule:
    """Registers every business user may read: towns, neighbourhood committees, companies."""

    model: type[models.Model]

    def visible(self, qs, user):
        return qs if _business(user) else qs.none()

    def writable(self, user, instance):
        result = NOTHING
        for g in _business(user):
            if g.kind == OrgKind.BUREAU:
                return EVERYTHING
            if g.kind == OrgKind.TOWN_OFFICE and self.model is m.Neighbourhood and instance.town_id == g.town_id:
                result |= EVERYTHING
            if g.kind == OrgKind.COMPANY and self.model is m.Company and instance.pk == g.company_id:
                result |= FieldGrant(fields=m.Company.COMPANY_EDITABLE)
        return result


    def creatable(self, user) -> bool:
        return any(g.kind == OrgKind.BUREAU or (g.kind == OrgKind.TOWN_OFFICE and self.model is m.Neighbourhood)
                   for g in _business(user))


class PersonRule(GrantRule):
    """People are reached through their rights in homes; an owner sees only themselves."""

    share_paths = Paths(estate="home__building__estate_id", area="home__building__area_id", home="home_id")

    def grant_q(self, g: Grant) -> Q:
        if g.kind == OWNER:
            return Q(pk=g.person_id)
        q = Q(pk__in=m.HomeShare.objects.filter(self.share_paths.q(reach_of(g))).values("person_id"))
        if g.kind == OrgKind.OWNERS_COMMITTEE:
            q |= Q(pk__in=m.CommitteeMember.objects.filter(committee_id=g.committee_id).values("person_id"))
        return q

    def creatable(self, user) -> bool:
        """The bureau; a town office through a home in its town (checked on save)."""
        return any(g.kind in (OrgKind.BUREAU, OrgKind.TOWN_OFFICE) for g in _business(user))

    def writable(self, user, instance):
        result = NOTHING
        for g in _business(user):
            if g.kind == OrgKind.BUREAU:
                return EVERYTHING
            if g.kind == OWNER and instance.pk == g.person_id:
                result |= FieldGrant(fields=m.Person.SELF_EDITABLE)
            if g.kind == OrgKind.TOWN_OFFICE and m.Person.objects.filter(pk=instance.pk).filter(self.grant_q(g)).exists():
                result |= EVERYTHING
        return result


def register_all() -> None:
    committee_paths = Paths(estate="committee__area__estate_id", area="committee__area_id")
    for rule in (
        EstateRule(m.Estate, Paths(estate="pk"), company_writes=FieldGrant(fields=m.Estate.COMPANY_EDITABLE)),
        EstateRule(m.ManagementArea, Paths(estate="estate_id", area="pk")),
        EstateRule(m.Building, Paths(estate="estate_id", area="area_id", building="pk")),
        EstateRule(m.Home, Paths(estate="building__estate_id", area="building__area_id", home="pk")),
        EstateRule(m.HomeShare, PersonRule.share_paths),
        EstateRule(m.Contract, Paths(estate="area__estate_id", area="area_id")),
        EstateRule(m.OwnersCommittee, Paths(estate="area__estate_id", area="area_id")),
        EstateRule(m.CommitteeMember, committee_paths, committee_writes=True),
        EstateRule(m.CommitteeDocument, committee_paths, committee_writes=True),
        EstateRule(m.Facility, Paths(estate="estate_id"), company_writes=EVERYTHING),
        EstateRule(m.Assessment, Paths(estate="estate_id")),
    ):
        register_scope(rule.model, rule)
    for model in (m.Town, m.Neighbourhood, m.Company):
        register_scope(model, PublicRule(model))
    register_scope(m.Person, PersonRule())
