"""Audit records shared by every app: the change log of records and the security log.

Both are append-only: a database trigger (installed by this app's migrations, on SQLite and
PostgreSQL) refuses UPDATE and DELETE, so history cannot be edited through the application.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .scopes import ScopedQuerySet


class ScopedRecord(models.Model):
    """The base of a module's business records: created/updated times, and reads through
    ``objects.visible_to(user)`` (the rule its app registers in ``scopes.py``)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ChangeAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("change action", "created")
    UPDATE = "update", pgettext_lazy("change action", "updated")
    DELETE = "delete", pgettext_lazy("change action", "deleted")
    BULK_CREATE = "bulk_create", pgettext_lazy("change action", "created in bulk")


class ChangeLog(models.Model):
    """One write to one registry record (or one bulk batch): who, when, why, before and after.

    Personal data never appears here in clear: snapshots take each model's masked fields only
    (see ``core.audit.snapshot``).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    cause = models.CharField(_("cause"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="changelog_object")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"


class SecurityAction(models.TextChoices):
    LOGIN = "login", _("login")
    LOGOUT = "logout", _("logout")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKOUT = "lockout", _("account locked")
    ADDRESS_THROTTLED = "address_throttled", _("address throttled")
    PASSWORD_CHANGED = "password_changed", _("password change")
    OTP_ENROLLED = "otp_enrolled", _("second factor enrolled")
    OTP_FAILED = "otp_failed", _("second factor failed")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    PERMISSION_CHANGE = "permission_change", _("permission change")
    ACCOUNT_CHANGE = "account_change", _("account change")
    EXPORT = "export", _("export")
    REVEAL = "reveal", _("reveal of personal data")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")


class SecurityEvent(models.Model):
    """A security-relevant event (等保: time, user, type, outcome), for auditors only."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    source_ip = models.CharField(_("source address"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=SecurityAction.choices)
    object_type = models.CharField(_("object type"), max_length=32, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="securityevent_object"),
            # what login security asks: this account's / this address's recent failures
            models.Index(fields=["action", "actor_name", "-at"], name="securityevent_account"),
            models.Index(fields=["action", "source_ip", "-at"], name="securityevent_address"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.outcome}"


class SecurityEventSubject(models.Model):
    """A record a security event concerns, when it concerns many (an export with personal data in
    clear names every person it revealed): each one's history shows the event. Append-only."""

    event = models.ForeignKey(SecurityEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="subjects")
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="securitysubject_object")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}"


class AuditSeal(models.Model):
    """A batch of audit rows sealed into the hash chain (see core/sealing.py)."""

    table = models.CharField(max_length=32)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    count = models.PositiveIntegerField()
    entries = models.JSONField(help_text="[[row id, row digest], …] in id order")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["table", "-id"], name="auditseal_table")]

    def __str__(self) -> str:
        return f"{self.table} {self.first_id}–{self.last_id}"


class AuditArchive(models.Model):
    """Audit rows exported to a file and removed after the retention period (the seal chain
    keeps verifying from the first seal after ``last_seal_id``)."""

    table = models.CharField(max_length=32)
    last_seal_id = models.BigIntegerField()
    rows = models.PositiveIntegerField()
    file = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.table} up to seal {self.last_seal_id} → {self.file}"


class DataChange(models.Model):
    """One write to a watched set of tables (see core/dataversion.py), recorded by a database
    trigger so that no write path — services, imports, COPY, SQL by hand — can skip it.

    Cached figures are keyed by the set's version, so they are recomputed after any write."""

    name = models.CharField(max_length=32)
    token = models.CharField(max_length=36)

    class Meta:
        indexes = [models.Index(fields=["name", "-id"], name="datachange_name")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
