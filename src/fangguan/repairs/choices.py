"""Choice classes of the repairs app (Chinese labels through gettext)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CLOSED = "closed", _("closed")
    DEFERRED = "deferred", _("deferred")
    REJECTED = "rejected", _("rejected")
    REOPENED = "reopened", _("reopened")
    CANCELLED = "cancelled", _("cancelled")


FINAL = (Status.CLOSED, Status.REJECTED, Status.CANCELLED)
OPEN = tuple(s for s in Status if s not in FINAL)
# Still waiting for the company: the clocks run and can escalate.
WORKING = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.DEFERRED, Status.REOPENED)


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("repair event", "created")
    ACCEPTED = "accepted", _("accepted")
    ASSIGNED = "assigned", _("assigned")
    STARTED = "started", pgettext_lazy("repair event", "started")
    COMPLETED = "completed", _("completed")
    DEFERRED = "deferred", _("deferred")
    REJECTED = "rejected", _("rejected")
    ESCALATED = "escalated", _("escalated")
    ACKNOWLEDGED = "acknowledged", _("escalation acknowledged")
    SUPERVISED = "supervised", _("supervised")
    ANSWERED = "answered", _("supervision answered")
    CONFIRMED = "confirmed", _("confirmed fixed")
    REOPENED = "reopened", _("reopened")
    CANCELLED = "cancelled", _("cancelled")
    CLOSED = "closed", _("closed")
    URGENCY_CHANGED = "urgency_changed", _("urgency changed")
    MERGED = "merged", _("merged")


class Channel(models.TextChoices):
    APP = "app", _("app")
    PHONE = "phone", _("phone")
    ONSITE = "onsite", _("on site")
    HOTLINE = "hotline", _("12345 hotline")
    OPEN311 = "open311", _("Open311")


class Place(models.TextChoices):
    HOME = "home", pgettext_lazy("repair place", "home")
    BUILDING = "building", _("building")
    STAIRWELL = "stairwell", _("stairwell")
    LIFT = "lift", _("lift")
    GARAGE = "garage", _("garage")
    GROUNDS = "grounds", _("grounds")
    OTHER = "other", _("other common part")


class Level(models.TextChoices):
    COMMITTEE = "committee", _("neighbourhood committee")
    TOWN = "town", _("town office")


class HandOff(models.TextChoices):
    SENT = "sent", _("sent")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")


class Deadline(models.TextChoices):
    RESPONSE = "response", _("response")
    COMPLETION = "completion", _("completion")
    MANUAL = "manual", _("escalated by hand")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("reported")
    COMPLETION = "completion", _("completed")
