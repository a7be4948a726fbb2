"""The kinds and states of supervision records: inspections and their findings, breaches on a
credit file, complaints, the district pool and handover inspections."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TemplateKind(models.TextChoices):
    TOWN_MONTHLY = "town_monthly", _("town office monthly inspection")
    DISTRICT_SPOT = "district_spot", _("district spot check")
    HANDOVER = "handover", _("handover inspection (承接查验)")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("inspection status", "draft")
    OPEN = "open", pgettext_lazy("inspection status", "findings open")
    CLOSED = "closed", pgettext_lazy("inspection status", "closed")
    CANCELLED = "cancelled", pgettext_lazy("inspection status", "cancelled")


class Result(models.TextChoices):
    PASS = "pass", pgettext_lazy("checklist", "pass")
    FAIL = "fail", pgettext_lazy("checklist", "fail")
    NA = "na", pgettext_lazy("checklist", "not applicable")


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding", "waiting for the company")
    ANSWERED = "answered", pgettext_lazy("finding", "answered")
    ACCEPTED = "accepted", pgettext_lazy("finding", "corrected")


class Severity(models.TextChoices):
    """沪房规范〔2023〕3号: breaches score 18, 6 or 3 points."""

    ESPECIALLY_SERIOUS = "especially_serious", _("especially serious")
    MORE_SERIOUS = "more_serious", _("more serious")
    MINOR = "minor", pgettext_lazy("breach", "minor")


class BreachStatus(models.TextChoices):
    RECORDED = "recorded", pgettext_lazy("breach", "recorded")
    DISPUTED = "disputed", pgettext_lazy("breach", "disputed")
    ANNULLED = "annulled", pgettext_lazy("breach", "annulled after re-check")
    CORRECTED = "corrected", pgettext_lazy("breach", "corrected")


# A breach counts in the score while recorded or under dispute (not yet annulled or corrected).
COUNTING = (BreachStatus.RECORDED, BreachStatus.DISPUTED)


class AchievementKind(models.TextChoices):
    AWARD = "award", pgettext_lazy("achievement", "award")
    GOOD_INSPECTION = "good_inspection", _("good inspection")
    OTHER = "other", pgettext_lazy("achievement", "other")


class ComplaintChannel(models.TextChoices):
    WEB = "web", pgettext_lazy("complaint channel", "resident on the web")
    HOTLINE = "hotline", pgettext_lazy("complaint channel", "12345 hotline")
    COMMITTEE = "committee", pgettext_lazy("complaint channel", "committee")


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("complaint", "submitted")
    HANDLING = "handling", pgettext_lazy("complaint", "being handled")
    REPLIED = "replied", pgettext_lazy("complaint", "company replied")
    UPHELD = "upheld", pgettext_lazy("complaint", "upheld")
    DISMISSED = "dismissed", pgettext_lazy("complaint", "not upheld")
    WITHDRAWN = "withdrawn", pgettext_lazy("complaint", "withdrawn")


# With the company: its clock runs (response, then its reply).
COMPLAINT_WORKING = (ComplaintStatus.SUBMITTED, ComplaintStatus.HANDLING)
COMPLAINT_OPEN = (ComplaintStatus.SUBMITTED, ComplaintStatus.HANDLING, ComplaintStatus.REPLIED)
# Decided or withdrawn: nothing more happens to it.
COMPLAINT_FINAL = (ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED, ComplaintStatus.WITHDRAWN)


class PoolStatus(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("pool", "applied")
    ADMITTED = "admitted", pgettext_lazy("pool", "admitted")
    REFUSED = "refused", pgettext_lazy("pool", "refused")
    REMOVED = "removed", pgettext_lazy("pool", "removed")
    EXPIRED = "expired", pgettext_lazy("pool", "term ended")


class HandoverStatus(models.TextChoices):
    INSPECTING = "inspecting", pgettext_lazy("handover", "inspecting")
    SIGNED = "signed", pgettext_lazy("handover", "signed by both")
    FILED = "filed", pgettext_lazy("handover", "filed with the bureau")


class DefectStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("defect", "to fix")
    FIXED = "fixed", pgettext_lazy("defect", "fixed")


class HandoverGroup(models.TextChoices):
    PARTS = "共用部位", "共用部位"
    EQUIPMENT = "共用设备", "共用设备"
    FACILITIES = "共用设施", "共用设施"


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("supervision event", "created")
    SUBMITTED = "submitted", pgettext_lazy("supervision event", "submitted")
    ANSWERED = "answered", pgettext_lazy("supervision event", "answered")
    ACCEPTED = "accepted", pgettext_lazy("supervision event", "correction accepted")
    RETURNED = "returned", pgettext_lazy("supervision event", "answer returned")
    CLOSED = "closed", pgettext_lazy("supervision event", "closed")
    CANCELLED = "cancelled", pgettext_lazy("supervision event", "cancelled")
    DISPUTED = "disputed", pgettext_lazy("supervision event", "disputed")
    UPHELD = "upheld", pgettext_lazy("supervision event", "upheld")
    ANNULLED = "annulled", pgettext_lazy("supervision event", "annulled")
    CORRECTED = "corrected", pgettext_lazy("supervision event", "corrected")
    ACCEPTED_COMPLAINT = "taken", pgettext_lazy("supervision event", "taken on")
    REPLIED = "replied", pgettext_lazy("supervision event", "replied")
    DISMISSED = "dismissed", pgettext_lazy("supervision event", "not upheld")
    WITHDRAWN = "withdrawn", pgettext_lazy("supervision event", "withdrawn")
    ESCALATED = "escalated", pgettext_lazy("supervision event", "escalated")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("supervision event", "acknowledged")
    REMINDED = "reminded", pgettext_lazy("supervision event", "bureau reminded")
    SIGNED = "signed", pgettext_lazy("supervision event", "signed")
    FILED = "filed", pgettext_lazy("supervision event", "filed")
    DEFECT = "defect", pgettext_lazy("supervision event", "defect recorded")
    FIXED = "fixed", pgettext_lazy("supervision event", "defect fixed")
