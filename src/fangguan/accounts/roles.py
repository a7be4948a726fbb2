"""What a user is, as the scope rules need it: a list of grants, one per active role.

A grant says in which capacity the user acts (bureau officer, town officer for 朱泾镇, dispatcher
of company X, owner Y …). The scope rules of each app turn grants into rows; nothing else
looks at memberships directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import ADMIN_ROLES, OrgKind, Role

OWNER = "owner"  # the capacity of a user linked to a registry person


@dataclass(frozen=True)
class Grant:
    kind: str
    role: str
    town_id: int | None = None
    neighbourhood_id: int | None = None
    company_id: int | None = None
    committee_id: int | None = None
    person_id: int | None = None
    may_reveal: bool = False


def grants(user) -> tuple[Grant, ...]:
    """The user's grants, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_fangguan_grants", None)
    if cached is not None:
        return cached
    result = [
        Grant(
            kind=m.organisation.kind,
            role=m.role,
            town_id=m.organisation.town_id,
            neighbourhood_id=m.organisation.neighbourhood_id,
            company_id=m.organisation.company_id,
            committee_id=m.organisation.owners_committee_id,
            may_reveal=m.may_reveal,
        )
        for m in user.memberships.filter(active=True, organisation__active=True).select_related("organisation")
    ]
    person_id = _person_id(user)
    if person_id is not None:
        result.append(Grant(kind=OWNER, role=OWNER, person_id=person_id))
    user._fangguan_grants = tuple(result)
    return user._fangguan_grants


def person_link(user_ref: str):
    """The registry person linked to the user at ``user_ref``, as a subquery (the token lookup
    annotates its user with it, so an API call does not ask again)."""
    from django.db.models import OuterRef, Subquery

    from fangguan.registry.models import Person

    return Subquery(Person.objects.filter(user=OuterRef(user_ref)).values("pk")[:1])


def _person_id(user) -> int | None:
    from fangguan.registry.models import Person

    if hasattr(user, "_fangguan_person_id"):
        return user._fangguan_person_id
    return Person.objects.filter(user=user).values_list("pk", flat=True).first()


def kinds(user) -> set[str]:
    return {g.kind for g in grants(user)}


def has_role(user, *roles: str) -> bool:
    return any(g.role in roles for g in grants(user))


def reads_everything(user) -> bool:
    """The bureau and auditors read every business record in the district."""
    return bool(kinds(user) & {OrgKind.BUREAU, OrgKind.AUDIT})


def is_bureau(user) -> bool:
    return OrgKind.BUREAU in kinds(user)


def town_ids(user) -> set[int]:
    """The towns whose town office the user works for (a town office reads and writes its town's)."""
    return {g.town_id for g in grants(user) if g.kind == OrgKind.TOWN_OFFICE and g.town_id}


def may_reveal(user) -> bool:
    return any(g.may_reveal for g in grants(user))


def reads_security_log(user) -> bool:
    return has_role(user, Role.AUDITOR, Role.AUDIT_ADMIN)


def is_it_admin(user) -> bool:
    return has_role(user, *ADMIN_ROLES)
