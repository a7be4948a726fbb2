"""Users, the organisations they work for, and their roles there."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ROLES_BY_KIND, OrgKind, Role


class User(AbstractUser):
    """A person who logs in. Staff act through memberships; an owner through ``person``."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    is_system = models.BooleanField(
        _("system actor"), default=False, editable=False,
        help_text=_("The platform itself (clock, commands, bridges): cannot log in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["is_system"], condition=Q(is_system=True), name="one_system_actor"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so the last few cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class Organisation(models.Model):
    """A body whose staff use the platform; kinds that stand for a registry body link to it."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices)
    town = models.ForeignKey(
        "registry.Town", verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT
    )
    neighbourhood = models.ForeignKey(
        "registry.Neighbourhood", verbose_name=_("neighbourhood committee"), null=True, blank=True,
        on_delete=models.PROTECT,
    )
    company = models.ForeignKey(
        "registry.Company", verbose_name=_("property company"), null=True, blank=True, on_delete=models.PROTECT
    )
    owners_committee = models.ForeignKey(
        "registry.OwnersCommittee", verbose_name=_("owners' committee"), null=True, blank=True,
        on_delete=models.PROTECT,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_link_matches_kind",
                condition=(
                    (Q(kind=OrgKind.TOWN_OFFICE) & Q(town__isnull=False))
                    | (Q(kind=OrgKind.NEIGHBOURHOOD) & Q(neighbourhood__isnull=False))
                    | (Q(kind=OrgKind.COMPANY) & Q(company__isnull=False))
                    | (Q(kind=OrgKind.OWNERS_COMMITTEE) & Q(owners_committee__isnull=False))
                    | Q(kind__in=[OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.BOOKKEEPER, OrgKind.IT])
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    may_reveal = models.BooleanField(
        _("may reveal personal data"), default=False,
        help_text=_("May see an unmasked identity number or phone, giving a reason each time."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError({"role": _("This role does not exist in this kind of organisation.")})


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class TokenScope(models.TextChoices):
    """What a token opens. A person's token opens the whole API for some hours; a client system's
    Open311 key (a hotline platform, a city dashboard) is long-lived and so may only read Open311:
    it travels in the ``api_key`` query parameter, into proxies' logs, and must open nothing else."""

    API = "api", _("the whole API")
    OPEN311_READ = "open311-read", _("Open311, read only")


class ApiToken(models.Model):
    """A bearer token for the API, or a client system's Open311 key. Only its SHA-256 is stored;
    the owner sees it once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField(_("scope"), max_length=16, choices=TokenScope.choices, default=TokenScope.API)
    client = models.CharField(_("client system"), max_length=100, blank=True,
                              help_text=_("For a client system's key: the system that holds it."))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "fg_" + secrets.token_urlsafe(32)
