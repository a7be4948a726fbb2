"""The outbox: an event row written in the same transaction as the change it reports, and one
delivery row per interested subscriber, so an event exists if and only if its change committed
and a subscriber that is down loses nothing (its deliveries wait, with back-off, until it answers).

Subscribers' secrets are encrypted at rest (``core.crypto``); the clear secret is needed only to
sign a delivery.
"""

from __future__ import annotations

import fnmatch
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core import crypto
from fangguan.core.scopes import ScopedQuerySet

SECRET_PURPOSE = "outbox.subscriber.secret"


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(_("topic"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    aggregate_type = models.CharField(_("record type"), max_length=50, blank=True)
    aggregate_id = models.CharField(_("record id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"], name="outbox_event_aggregate")]

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"


def _topic_list(value) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t.strip() for t in value):
        raise ValidationError(_("Give at least one topic pattern, e.g. repairs.* or *."))


class Subscriber(models.Model):
    """A system that receives events: a URL, a shared secret (HMAC key) and topic patterns
    (``fnmatch``: ``repairs.*``, ``hotline.outcome``, ``*``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret_cipher = models.TextField(editable=False)
    topics = models.JSONField(_("topics"), default=list, validators=[_topic_list])
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    audit_exclude = frozenset({"secret_cipher"})

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_secret(self, secret: str) -> None:
        self.secret_cipher = crypto.encrypt(secret, purpose=SECRET_PURPOSE)

    def secret(self) -> str:
        return crypto.decrypt(self.secret_cipher, purpose=SECRET_PURPOSE)

    def wants(self, topic: str) -> bool:
        return any(fnmatch.fnmatchcase(topic, pattern.strip()) for pattern in self.topics)

    def clean(self) -> None:
        if not self.secret_cipher:
            raise ValidationError(_("A subscriber needs a secret to sign its deliveries."))


crypto.register_encrypted(crypto.EncryptedField(Subscriber, "secret_cipher", SECRET_PURPOSE))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", pgettext_lazy("delivery", "cancelled")


class Delivery(models.Model):
    """One event for one subscriber: retried with exponential back-off until a 2xx answer.
    ``claimed_until`` is a worker's lease: a row claimed by one worker is skipped by the others."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscriber_id}"


class DeliveryAttempt(models.Model):
    """The delivery log: every attempt with its answer or its error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}"
