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
    organisation_id: int | None = None  # which organisation (a bookkeeping firm's engagements hang from it)
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
            organisation_id=m.organisation_id,
            may_reveal=m.may_reveal,
        )
        for m in user.memberships.filter(active=True, organisation__active=True).select_related("organisation")
    ]
    person_id = _person_id(user)
    if person_id is not None:
        result.append(Grant(kind=OWNER, role=OWNER, person_id=person_id))
    user._fangguan_grants = tuple(result)
    return user._fangguan_grants


# The model of the people owners are (the registry's ``Person``, with a ``user`` link): the
# registry sits above accounts, so it registers its model here from ``RegistryConfig.ready``.
_person_model = None


def register_person_model(model) -> None:
    global _person_model
    _person_model = model


def person_of(user):
    """The person record linked to ``user``, or None."""
    if _person_model is None or user is None or not getattr(user, "pk", None):
        return None
    return _person_model.objects.filter(user=user).first()


def person_link(user_ref: str):
    """The person linked to the user at ``user_ref``, as a subquery (the token lookup annotates
    its user with it, so an API call does not ask again)."""
    from django.db.models import OuterRef, Subquery, Value

    if _person_model is None:
        return Value(None)
    return Subquery(_person_model.objects.filter(user=OuterRef(user_ref)).values("pk")[:1])


def _person_id(user) -> int | None:
    if hasattr(user, "_fangguan_person_id"):
        return user._fangguan_person_id
    if _person_model is None:
        return None
    return _person_model.objects.filter(user=user).values_list("pk", flat=True).first()


# Who works with business data: every organisation kind but IT administration (三员 see none), and
# owners (their own homes).
BUSINESS = frozenset({OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY,
                      OrgKind.OWNERS_COMMITTEE, OWNER})
# Who reads every business record in the district.
READ_ALL = frozenset({OrgKind.BUREAU, OrgKind.AUDIT})


def business_grants(user) -> list[Grant]:
    """The user's grants that reach business data (not an IT administrator's)."""
    return [g for g in grants(user) if g.kind in BUSINESS]


def is_business(user, *, owners: bool = True) -> bool:
    """Whether the user works with business data (not an IT administrator); ``owners=False``
    leaves out a resident's own homes (pages for staff only)."""
    return any(owners or g.kind != OWNER for g in business_grants(user))


def kinds(user) -> set[str]:
    return {g.kind for g in grants(user)}


def has_role(user, *roles: str) -> bool:
    return any(g.role in roles for g in grants(user))


def reads_everything(user) -> bool:
    """The bureau and auditors read every business record in the district."""
    return bool(kinds(user) & READ_ALL)


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
