"""Organisation kinds and roles (REQUIREMENTS, role table)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    BUREAU = "bureau", _("district housing bureau")
    TOWN_OFFICE = "town_office", _("town housing office")
    NEIGHBOURHOOD = "neighbourhood", _("neighbourhood committee")
    COMPANY = "company", _("property company")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    AUDIT = "audit", _("audit office")
    BOOKKEEPER = "bookkeeper", _("bookkeeping firm")  # 代理记账机构: the books of the estates that engage it
    IT = "it", _("IT administration")


class Role(models.TextChoices):
    BUREAU_OFFICER = "bureau_officer", _("bureau officer")
    TOWN_OFFICER = "town_officer", _("town housing officer")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    COMPANY_MANAGER = "company_manager", _("company manager")
    DISPATCHER = "dispatcher", _("dispatcher")
    TECHNICIAN = "technician", _("technician")
    COMMITTEE_CHAIR = "committee_chair", _("committee chair")
    COMMITTEE_MEMBER = "committee_member", _("committee member")
    AUDITOR = "auditor", _("auditor")
    BOOKKEEPER = "bookkeeper", _("bookkeeper")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")


# Which roles an organisation of each kind can give. One table, checked by Membership.clean().
ROLES_BY_KIND: dict[str, set[str]] = {
    OrgKind.BUREAU: {Role.BUREAU_OFFICER},
    OrgKind.TOWN_OFFICE: {Role.TOWN_OFFICER},
    OrgKind.NEIGHBOURHOOD: {Role.COMMUNITY_WORKER},
    OrgKind.COMPANY: {Role.COMPANY_MANAGER, Role.DISPATCHER, Role.TECHNICIAN},
    OrgKind.OWNERS_COMMITTEE: {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER},
    OrgKind.AUDIT: {Role.AUDITOR},
    OrgKind.BOOKKEEPER: {Role.BOOKKEEPER},
    OrgKind.IT: {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN},
}

# The 三员 (separation of duties): none of them sees business data.
ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
