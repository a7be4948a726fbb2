"""Supervising property companies (issue 17): the standards in force (versioned parameters),
inspection templates (versioned: an inspection keeps the version it used), inspections with their
checklist results, photos and findings; the credit files of companies and project managers
(breaches with points, achievements); complaints on the repairs clock; residents' satisfaction
surveys; the district pre-selection pool; handover inspections of new estates.

Statuses change only through ``services`` (the tables in ``machine.py``); every step writes one
event row (``InspectionEvent`` …), the record's history.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.models import ScopedRecord
from fangguan.core.scopes import ScopedQuerySet
from fangguan.repairs.choices import Deadline, HandOff, Level

from .choices import (
    AchievementKind,
    BreachStatus,
    ComplaintChannel,
    ComplaintStatus,
    DefectStatus,
    EventKind,
    FindingStatus,
    HandoverStatus,
    InspectionStatus,
    PoolStatus,
    Result,
    Severity,
    TemplateKind,
)

GRADES = ("A", "B", "C", "D")


def _pct(default):
    return {"default": default, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class StandardQuerySet(ScopedQuerySet):
    def in_force(self, day) -> Standard:
        """The standard in force on ``day``: the latest to take effect on or before it (the
        earliest if ``day`` is before them all, so old records are still judged)."""
        found = self.filter(effective_from__lte=day).order_by("-effective_from").first()
        return found or self.order_by("effective_from").first()


class Standard(ScopedRecord):
    """Every number of the supervision rules, in force from a date: the bureau adds a new version,
    records keep the one they were judged by (沪房规范〔2023〕2号 and 3号, 沪房物业〔2025〕78号,
    物业承接查验办法; the evaluation's weights and grades are the bureau's own)."""

    audit_name = "supervisionstandard"
    effective_from = models.DateField(_("in force from"), unique=True)
    points_especially_serious = models.PositiveSmallIntegerField(_("points: especially serious breach"), default=18)
    points_more_serious = models.PositiveSmallIntegerField(_("points: more serious breach"), default=6)
    points_minor = models.PositiveSmallIntegerField(_("points: minor breach"), default=3)
    dispute_workdays = models.PositiveSmallIntegerField(_("dispute re-checked within (working days)"), default=15)
    dispute_remind_workdays = models.PositiveSmallIntegerField(
        _("bureau reminded of a dispute's re-check (working days before it is due)"), default=3)
    correct_after_months_minor = models.PositiveSmallIntegerField(_("minor breach corrected after (months)"), default=1)
    correct_after_months_serious = models.PositiveSmallIntegerField(
        _("more serious breach corrected after (months)"), default=3)
    publish_months = models.PositiveSmallIntegerField(_("breaches published for (months)"), default=12)
    manager_max_projects = models.PositiveSmallIntegerField(_("projects one manager runs at most"), default=3)
    finding_days = models.PositiveSmallIntegerField(_("findings corrected within (days, by default)"), default=15)
    survey_coverage_percent = models.PositiveSmallIntegerField(_("survey must reach (% of households)"), **_pct(50))
    complaint_response_workdays = models.PositiveSmallIntegerField(
        _("complaint taken on within (working days)"), default=1)
    handover_fix_days = models.PositiveSmallIntegerField(_("handover defects fixed within (days)"), default=30)
    handover_filing_days = models.PositiveSmallIntegerField(_("handover filed at least (days before delivery)"),
                                                            default=15)
    weight_repairs = models.PositiveSmallIntegerField(_("weight: repair service"), **_pct(30))
    weight_inspections = models.PositiveSmallIntegerField(_("weight: inspections"), **_pct(25))
    weight_complaints = models.PositiveSmallIntegerField(_("weight: complaints"), **_pct(15))
    weight_credit = models.PositiveSmallIntegerField(_("weight: credit"), **_pct(20))
    weight_survey = models.PositiveSmallIntegerField(_("weight: residents' satisfaction"), **_pct(10))
    complaint_deduction = models.PositiveSmallIntegerField(
        _("complaints: points off per upheld complaint per 1,000 homes"), default=10)
    credit_deduction = models.PositiveSmallIntegerField(_("credit: points off per breach point"), default=2)
    grade_a = models.PositiveSmallIntegerField(_("grade A from"), **_pct(90))
    grade_b = models.PositiveSmallIntegerField(_("grade B from"), **_pct(80))
    grade_c = models.PositiveSmallIntegerField(_("grade C from"), **_pct(70))
    pool_min_grade = models.CharField(_("pool: lowest grade admitted"), max_length=1, default="B",
                                      choices=[(g, g) for g in GRADES])
    pool_clean_months = models.PositiveSmallIntegerField(
        _("pool: no especially serious breach in the last (months)"), default=12)
    pool_term_years = models.PositiveSmallIntegerField(_("pool: term (years)"), default=3)
    evaluation_freeze_days = models.PositiveSmallIntegerField(
        _("a year's evaluation stored after (days into the next year)"), default=31,
        validators=[MaxValueValidator(365)],
        help_text=_("31: stored from 1 February, a month for the year's last records to arrive."))
    basis = models.CharField(_("basis"), max_length=300, blank=True)

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision standard")
        verbose_name_plural = _("supervision standards")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.effective_from}"

    def clean(self) -> None:
        weights = (self.weight_repairs + self.weight_inspections + self.weight_complaints + self.weight_credit
                   + self.weight_survey)
        if weights != 100:
            raise ValidationError(_("The weights must add up to 100."))
        if not self.grade_a > self.grade_b > self.grade_c:
            raise ValidationError(_("Grade A must start above B, and B above C."))

    def points(self, severity: str) -> int:
        return {Severity.ESPECIALLY_SERIOUS: self.points_especially_serious,
                Severity.MORE_SERIOUS: self.points_more_serious, Severity.MINOR: self.points_minor}[severity]

    def evaluation_stored_from(self, year: int):
        """The first day ``year``'s evaluation is stored (this standard being the one in force on
        31 December of ``year``): 1 January of the next year plus the standard's days."""
        return dt.date(year + 1, 1, 1) + dt.timedelta(days=self.evaluation_freeze_days)

    def grade(self, score: float | None) -> str | None:
        if score is None:
            return None
        for grade, floor in (("A", self.grade_a), ("B", self.grade_b), ("C", self.grade_c)):
            if score >= floor:
                return grade
        return "D"


class TemplateQuerySet(ScopedQuerySet):
    def in_force(self, kind: str, day) -> Template | None:
        return self.filter(kind=kind, effective_from__lte=day).order_by("-effective_from", "-version").first()


class Template(ScopedRecord):
    """An inspection checklist: items in groups, as data the bureau edits. Editing makes a new
    version; an inspection points at the version it used, which is never changed again."""

    audit_name = "inspectiontemplate"
    kind = models.CharField(_("kind"), max_length=16, choices=TemplateKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in force from"))
    title = models.CharField(_("title"), max_length=200)
    items = models.JSONField(_("items"), default=list,
                             help_text=_("A list of {code, group, text}: each item is answered pass, fail or n/a."))

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="sv_template_kind_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def clean(self) -> None:
        ok = isinstance(self.items, list) and bool(self.items)
        codes = set()
        for item in self.items if ok else ():
            if not (isinstance(item, dict) and all(isinstance(item.get(k), str) and item.get(k).strip()
                                                   for k in ("code", "group", "text"))):
                ok = False
                break
            codes.add(item["code"])
        if not ok or len(codes) != len(self.items):
            raise ValidationError({"items": _("Give each item a unique code, its group and its text.")})


class ProjectManager(ScopedRecord):
    """A project manager (项目经理): a certificate holder working for a company, assigned to
    estates — and with a credit file of their own."""

    audit_name = "projectmanager"
    name = models.CharField(_("name"), max_length=50)
    certificate_no = models.CharField(pgettext_lazy("project manager", "certificate number"), max_length=40, unique=True)
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="project_managers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        verbose_name = _("project manager")
        verbose_name_plural = _("project managers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AssignmentQuerySet(ScopedQuerySet):
    def as_of(self, day):
        return self.filter(Q(start_on__lte=day) & (Q(end_on__isnull=True) | Q(end_on__gte=day)))


class Assignment(ScopedRecord):
    """A project manager running an estate from a day (to a last day)."""

    audit_name = "managerassignment"
    manager = models.ForeignKey(ProjectManager, verbose_name=_("project manager"), on_delete=models.PROTECT,
                                related_name="assignments")
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="+")
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end (last day)"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_on", "pk"]

    def __str__(self) -> str:
        return f"{self.manager} · {self.estate}"

    def clean(self) -> None:
        if self.end_on and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end date is before the start date.")})


class Inspection(ScopedRecord):
    """A town office's monthly inspection of an estate, or the bureau's spot check: the template
    version used, a result per item, findings for the serving company to correct by a deadline."""

    audit_name = "inspection"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="inspections")
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="inspections",
                                help_text=_("The company serving the estate on the day of the inspection."))
    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT,
                                 related_name="inspections")
    kind = models.CharField(_("kind"), max_length=16, choices=TemplateKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=InspectionStatus.choices,
                              default=InspectionStatus.DRAFT, db_index=True)
    inspected_on = models.DateField(_("inspected on"), db_index=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT,
                                  related_name="+")
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    passed = models.PositiveSmallIntegerField(_("items passed"), default=0)
    failed = models.PositiveSmallIntegerField(_("items failed"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("inspection", "closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["company", "inspected_on"], name="sv_inspection_company_day"),
                   models.Index(fields=["estate", "inspected_on"], name="sv_inspection_estate_day")]

    def __str__(self) -> str:
        return f"{self.estate} · {self.inspected_on}"

    @property
    def name(self) -> str:
        return str(self)


class InspectionResult(models.Model):
    """One checklist item of one inspection, copied from the template version (so the item's
    text stays what the inspector saw)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(_("code"), max_length=30)
    group = models.CharField(_("group"), max_length=60)
    text = models.CharField(_("item"), max_length=300)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="sv_result_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.result}"


def _photo_path(instance, filename: str) -> str:
    return f"supervision/photos/{instance.owner_key}/{filename}"


class Photo(models.Model):
    """A photo of a checklist item (an inspection) or of a defect (a handover)."""

    result = models.ForeignKey(InspectionResult, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="photos")
    defect = models.ForeignKey("Defect", null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=_photo_path, width_field="width", height_field="height")
    content_type = models.CharField(max_length=30)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(result__isnull=True) ^ Q(defect__isnull=True),
                                              name="sv_photo_of_one")]

    def __str__(self) -> str:
        return f"photo {self.pk}"

    @property
    def owner_key(self) -> str:
        return f"r{self.result_id}" if self.result_id else f"d{self.defect_id}"


class Finding(models.Model):
    """Something the company must correct by a day, and its answer; the inspector accepts the
    correction or returns the answer."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    result = models.ForeignKey(InspectionResult, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="findings")
    description = models.CharField(_("finding"), max_length=1000)
    due_on = models.DateField(_("correct by"))
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    answer = models.CharField(_("company's answer"), max_length=1000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField(_("correction accepted at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.description[:40]


class InspectionEvent(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


# --- Credit files ---------------------------------------------------------------------------


class Breach(ScopedRecord):
    """A breach on the credit file of a company (and, when a project manager is named, on theirs
    too): the rule it breaks, its severity and the points the standard in force gave it."""

    audit_name = "breach"
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="breaches")
    manager = models.ForeignKey(ProjectManager, verbose_name=_("project manager"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="breaches")
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    points = models.PositiveSmallIntegerField(_("points"))
    rule = models.CharField(_("rule broken"), max_length=300)
    description = models.CharField(_("description"), max_length=1000, blank=True)
    occurred_on = models.DateField(_("occurred on"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=BreachStatus.choices,
                              default=BreachStatus.RECORDED, db_index=True)
    standard = models.ForeignKey(Standard, verbose_name=_("standard applied"), on_delete=models.PROTECT,
                                 related_name="+")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches")
    result = models.ForeignKey(InspectionResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey("Complaint", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="breaches")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    dispute_reason = models.CharField(_("grounds of the dispute"), max_length=1000, blank=True)
    recheck_due_at = models.DateTimeField(_("re-check due"), null=True, blank=True)
    rechecked_at = models.DateTimeField(_("re-checked at"), null=True, blank=True)
    recheck_reminded_at = models.DateTimeField(_("bureau reminded of the re-check at"), null=True, blank=True)
    recheck_overdue_at = models.DateTimeField(_("bureau told the re-check is overdue at"), null=True, blank=True)
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True)
    published_until = models.DateField(_("published until (exclusive)"))

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["company", "occurred_on"], name="sv_breach_company_day")]

    def __str__(self) -> str:
        return f"{self.company} · {self.get_severity_display()} · {self.occurred_on}"

    @property
    def name(self) -> str:
        return str(self)

    def clean(self) -> None:
        if self.manager_id and self.company_id and self.manager.company_id != self.company_id:
            raise ValidationError({"manager": _("The project manager works for another company.")})


class BreachEvent(models.Model):
    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Achievement(ScopedRecord):
    """Something to a company's (or manager's) credit: an award, a good inspection."""

    audit_name = "achievement"
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="achievements")
    manager = models.ForeignKey(ProjectManager, verbose_name=_("project manager"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="achievements")
    kind = models.CharField(_("kind"), max_length=16, choices=AchievementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    on = models.DateField(_("date"))
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return self.title


# --- Complaints -----------------------------------------------------------------------------


class Complaint(ScopedRecord):
    """A complaint against a company (or its project manager), on the repairs clock: taken on by
    the response deadline, replied to by the completion deadline (the 12345 complaint limit),
    escalated to the grid when late; the town office or the bureau decides whether it is upheld."""

    audit_name = "complaint"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="complaints")
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="complaints")
    manager = models.ForeignKey(ProjectManager, verbose_name=_("project manager"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints")
    channel = models.CharField(_("channel"), max_length=10, choices=ComplaintChannel.choices)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("complainant"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.SUBMITTED, db_index=True)
    filed_at = models.DateTimeField(_("filed at"), db_index=True)
    response_due_at = models.DateTimeField(_("response due"))
    complete_due_at = models.DateTimeField(_("reply due"))
    calendar_estimated = models.BooleanField(_("deadline beyond the official calendar"), default=False)
    responded_at = models.DateTimeField(_("taken on at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply = models.TextField(_("company's reply"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-filed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], condition=Q(external_id__isnull=False),
                                               name="sv_complaint_channel_external")]
        indexes = [models.Index(fields=["company", "filed_at"], name="sv_complaint_company_day")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.estate}"

    @property
    def name(self) -> str:
        return str(self)

    def clean(self) -> None:
        if self.manager_id and self.company_id and self.manager.company_id != self.company_id:
            raise ValidationError({"manager": _("The project manager works for another company.")})


class ComplaintEscalation(models.Model):
    """A hand-off of a late complaint to the grid — the repairs levels and deadlines; unique per
    (complaint, level, deadline, due) so the clock never sends one twice."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(pgettext_lazy("escalated", "to"), max_length=10, choices=Level.choices)
    deadline = models.CharField(_("because of"), max_length=10, choices=Deadline.choices)
    due_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=HandOff.choices, default=HandOff.SENT)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["complaint", "level", "deadline", "due_at"],
                                               condition=Q(due_at__isnull=False), name="sv_escalation_once")]

    def __str__(self) -> str:
        return f"{self.level} · {self.state}"


class ComplaintEvent(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Survey(ScopedRecord):
    """A residents' satisfaction survey of one estate in one year (沪房物业〔2025〕78号: views of
    at least 50% of households each year)."""

    audit_name = "survey"
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="surveys")
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    households = models.PositiveIntegerField(_("households"), validators=[MinValueValidator(1)])
    responded = models.PositiveIntegerField(_("households that answered"))
    satisfied = models.PositiveIntegerField(_("satisfied"))

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-year", "estate"]
        constraints = [models.UniqueConstraint(fields=["company", "estate", "year"], name="sv_survey_once")]

    def __str__(self) -> str:
        return f"{self.estate} {self.year}"

    def clean(self) -> None:
        if self.responded is not None and self.households is not None and self.responded > self.households:
            raise ValidationError({"responded": _("More answers than households.")})
        if self.satisfied is not None and self.responded is not None and self.satisfied > self.responded:
            raise ValidationError({"satisfied": _("More satisfied than answers.")})


class YearEvaluation(models.Model):
    """One company's line of a year's evaluation, stored once the year is over
    (``services.evaluation_freeze``): a year's grades are published and ranked, so records that
    arrive later (a complaint decided in March, a survey entered late, a repair reopened) must
    not change them. One set for the district (``town`` empty) and one per town; the score, grade,
    rank and every part with its figures and links, as ``selectors.evaluation`` computed them on
    ``frozen_at`` under the standard in force on 31 December. Never changed once written."""

    year = models.PositiveSmallIntegerField(_("year"))
    town = models.ForeignKey("registry.Town", verbose_name=_("town"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="+")
    score = models.FloatField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    parts = models.JSONField(_("parts"), default=dict)
    standard_from = models.DateField(_("standard in force from"))
    frozen_at = models.DateTimeField(_("stored at"))

    class Meta:
        verbose_name = _("yearly evaluation")
        verbose_name_plural = _("yearly evaluations")
        ordering = ["year", "town", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "company"], condition=Q(town__isnull=True),
                                    name="sv_yeareval_district_once"),
            models.UniqueConstraint(fields=["year", "town", "company"], condition=Q(town__isnull=False),
                                    name="sv_yeareval_town_once"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.company_id} {self.grade}"


# --- The district pool ----------------------------------------------------------------------


class PoolEntry(ScopedRecord):
    """A company's application to the district pre-selection pool and, once admitted, its term
    (admitted → removed by the nightly check when it stops meeting the rules, or expired)."""

    audit_name = "poolentry"
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), on_delete=models.PROTECT,
                                related_name="pool_entries")
    status = models.CharField(_("status"), max_length=10, choices=PoolStatus.choices, default=PoolStatus.APPLIED,
                              db_index=True)
    applied_on = models.DateField(_("applied on"))
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    term_until = models.DateField(_("term until (last day)"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    grade = models.CharField(_("grade at admission"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("pool entry")
        verbose_name_plural = _("pool entries")
        ordering = ["-applied_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["company"], condition=Q(status__in=("applied", "admitted")),
                                               name="sv_pool_one_live")]

    def __str__(self) -> str:
        return f"{self.company} · {self.get_status_display()}"


# --- Handover inspection --------------------------------------------------------------------


class Handover(ScopedRecord):
    """承接查验: the developer and the incoming company inspect a new estate together before
    delivery; defects are fixed within 30 days; documents are handed over; the signed result is
    filed with the bureau at least 15 days before delivery."""

    audit_name = "handover"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="handovers")
    company = models.ForeignKey("registry.Company", verbose_name=_("incoming property company"),
                                on_delete=models.PROTECT, related_name="handovers")
    developer = models.ForeignKey("registry.Person", verbose_name=_("developer"), on_delete=models.PROTECT,
                                  related_name="+")
    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(Standard, verbose_name=_("standard applied"), on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=HandoverStatus.choices,
                              default=HandoverStatus.INSPECTING, db_index=True)
    inspected_on = models.DateField(_("inspected on"))
    delivery_on = models.DateField(_("delivery planned on"))
    results = models.JSONField(_("checklist results"), default=dict, blank=True)
    documents = models.JSONField(_("documents handed over"), default=list, blank=True)
    signed_by_developer = models.CharField(_("signed for the developer by"), max_length=50, blank=True)
    signed_by_company = models.CharField(_("signed for the company by"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_late = models.BooleanField(_("filed late"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("handover inspection")
        verbose_name_plural = _("handover inspections")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.estate} · {self.inspected_on}"

    @property
    def name(self) -> str:
        return str(self)


class Defect(models.Model):
    """A defect found at a handover: the developer fixes it within the standard's days; past
    them the clock escalates it to the bureau."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="defects")
    code = models.CharField(_("item"), max_length=30, blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    description = models.CharField(_("defect"), max_length=1000)
    found_on = models.DateField(_("found on"))
    due_on = models.DateField(_("fix by"), db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=DefectStatus.choices, default=DefectStatus.OPEN)
    fixed_on = models.DateField(_("fixed on"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the bureau at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["handover", "pk"]
        verbose_name = _("defect")
        verbose_name_plural = _("defects")

    def __str__(self) -> str:
        return self.description[:40]


class HandoverEvent(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
