"""Repair requests and what hangs from them: the category catalogue, the working-day calendar,
events (the request's history), photos, escalations to the grid and supervision notes.

A request's status changes only through ``services.act`` (the table in ``machine.py``); every
change writes one ``RepairEvent``, which is the request's audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.rollups import Histogram, RollupCell
from fangguan.core.scopes import ScopedQuerySet

from .choices import (
    FINAL,
    WORKING,
    Channel,
    Deadline,
    EventKind,
    HandOff,
    Level,
    PhotoStage,
    Place,
    Status,
)

# Hours from filing to (last) completion, in buckets (core.rollups.Histogram): half hours up to a
# day, two hours up to three days, six up to a week, days up to 30, then one open bucket. The
# figures' median is exact to within its bucket.
HOURS_TO_COMPLETE = Histogram("hours", (
    *(i / 2 for i in range(48)), *range(24, 72, 2), *range(72, 168, 6), *range(168, 720, 24), 720))

class Category(models.Model):
    """One kind of repair and its time limits (data the bureau edits; defaults per 沪房规范〔2023〕3号)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    urgent = models.BooleanField(_("urgent by default"), default=False)
    urgent_response_minutes = models.PositiveIntegerField(
        _("urgent: reach within (minutes)"), default=120, validators=[MinValueValidator(1)])
    onsite_response_minutes = models.PositiveIntegerField(
        _("urgent, estate with on-site office: reach within (minutes)"), default=30, validators=[MinValueValidator(1)])
    urgent_complete_hours = models.PositiveIntegerField(
        _("urgent: fix within (clock hours)"), default=24, validators=[MinValueValidator(1)])
    response_workdays = models.PositiveSmallIntegerField(
        _("ordinary: respond within (working days)"), default=1, validators=[MinValueValidator(1)])
    complete_workdays = models.PositiveSmallIntegerField(
        _("ordinary: fix within (working days)"), default=3, validators=[MinValueValidator(1)])
    active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("repair category")
        verbose_name_plural = _("repair categories")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.onsite_response_minutes > self.urgent_response_minutes:
            raise ValidationError({"onsite_response_minutes": _(
                "An estate with an on-site office cannot be given longer than the others.")})
        if self.response_workdays > self.complete_workdays:
            raise ValidationError({"response_workdays": _("The response cannot be due after the fix.")})


class CalendarDay(models.Model):
    """One day of the official calendar (seeded from ``chinesecalendar``): working day or not.
    Days missing from the table are beyond the data: weekends rest, and the request is flagged."""

    day = models.DateField(_("day"), primary_key=True)
    workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=40, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {'班' if self.workday else '休'}"


class RepairRequestQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status__in=FINAL)


class RepairRequest(models.Model):
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="repair_requests")
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="repair_requests")
    home = models.ForeignKey("registry.Home", verbose_name=_("home"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="repair_requests")
    place = models.CharField(_("place"), max_length=16, choices=Place.choices, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="requests")
    # The company serving the estate when the request came in: whose figures it counts in.
    company = models.ForeignKey("registry.Company", verbose_name=_("property company"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="repair_requests")
    description = models.TextField(_("description"), max_length=2000)
    urgent = models.BooleanField(_("urgent"), default=False)
    urgent_requested = models.BooleanField(_("reporter asked for urgent"), default=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.APP)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="repair_requests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="repair_assignments")
    created_at = models.DateTimeField(_("submitted at"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    response_due_at = models.DateTimeField(_("response due"))
    complete_due_at = models.DateTimeField(_("completion due"), db_index=True)
    agreed_complete_at = models.DateTimeField(
        _("completion agreed with the channel"), null=True, blank=True,
        help_text=_("A 12345 order's own deadline: it stays when the urgency changes."))
    calendar_estimated = models.BooleanField(
        _("deadline beyond the official calendar"), default=False,
        help_text=_("Counted with weekends as rest days: the official holidays were not yet published."))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("reporter's comment"), max_length=500, blank=True)
    possible_duplicate_of = models.ForeignKey("self", verbose_name=_("possible duplicate of"), null=True,
                                              blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")

    objects = RepairRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("repair request")
        verbose_name_plural = _("repair requests")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], condition=Q(external_id__isnull=False),
                                    name="repairs_external_id_per_channel"),
        ]
        indexes = [
            models.Index(fields=["status", "complete_due_at"], name="repairs_open_due"),
            # the clock's auto-close: completed requests past the answer period, without reading
            # every completed one
            models.Index(fields=["status", "completed_at"], name="repairs_status_completed"),
            # the clock's scans and the queues: only the requests still with the company (a few in
            # a thousand). PostgreSQL uses them; SQLite would only with the statuses as literals,
            # and Django binds them as parameters (docs/performance.md, Repairs)
            models.Index(fields=["complete_due_at", "id"], name="repairs_working_due", condition=Q(status__in=WORKING)),
            models.Index(fields=["response_due_at"], name="repairs_working_response",
                         condition=Q(status__in=WORKING, responded_at__isnull=True)),
            models.Index(fields=["estate", "status"], name="repairs_estate_status"),
            models.Index(fields=["company", "created_at"], name="repairs_company_created"),
            # the figures' live part (repairs.figures): requests whose counting still waits on the
            # clock — not yet responded (not cancelled), not yet completed (not withdrawn)
            models.Index(fields=["response_due_at"], name="repairs_unresponded",
                         condition=Q(responded_at__isnull=True) & ~Q(status=Status.CANCELLED)),
            models.Index(fields=["complete_due_at"], name="repairs_uncompleted",
                         condition=Q(completed_at__isnull=True) & ~Q(status__in=(Status.CANCELLED, Status.REJECTED))),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category} · {self.estate}" if self.pk else str(self.category)

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL

    def clean(self) -> None:
        errors = {}
        if self.home_id and self.home.building.estate_id != self.estate_id:
            errors["home"] = _("The home is not in this estate.")
        if self.building_id and self.building.estate_id != self.estate_id:
            errors["building"] = _("The building is not in this estate.")
        if self.home_id and self.building_id and self.home.building_id != self.building_id:
            errors["home"] = _("The home is not in this building.")
        if self.place == Place.HOME and not self.home_id:
            errors["home"] = _("Say which home.")
        if not (self.description or "").strip():
            errors["description"] = _("Describe the problem.")
        if self.response_due_at and self.complete_due_at and self.response_due_at > self.complete_due_at:
            errors["response_due_at"] = _("The response cannot be due after the fix.")
        if errors:
            raise ValidationError(errors)


class RepairEvent(models.Model):
    """One step in a request's history (append-only): who, when, from which status to which."""

    request = models.ForeignKey(RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    from_status = models.CharField(pgettext_lazy("status change", "from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(pgettext_lazy("status change", "to"), max_length=12, choices=Status.choices, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("repair event")
        verbose_name_plural = _("repair events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename: str) -> str:
    return f"repairs/{instance.request_id}/{instance.stage}-{filename}"


class Photo(models.Model):
    request = models.ForeignKey(RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="photos")
    stage = models.CharField(_("stage"), max_length=12, choices=PhotoStage.choices, default=PhotoStage.REPORT)
    image = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=30, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} #{self.pk}"


class Escalation(models.Model):
    """A hand-off to a body of the grid. Unique per (request, level, deadline, due): the clock can
    run any number of times without sending the same hand-off twice."""

    request = models.ForeignKey(RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="escalations")
    level = models.CharField(pgettext_lazy("escalated", "to"), max_length=10, choices=Level.choices)
    deadline = models.CharField(_("because of"), max_length=10, choices=Deadline.choices)
    due_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=HandOff.choices, default=HandOff.SENT)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["request", "level", "deadline", "due_at"],
                                    condition=Q(due_at__isnull=False), name="repairs_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.get_state_display()}"


class Supervision(models.Model):
    """督办: a note from the committee, town or bureau that the company must answer by a deadline."""

    request = models.ForeignKey(RepairRequest, verbose_name=_("request"), on_delete=models.CASCADE,
                                related_name="supervisions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                           related_name="+")
    note = models.CharField(_("note"), max_length=1000)
    created_at = models.DateTimeField(_("at"))
    answer_due_at = models.DateTimeField(_("answer due"))
    answer = models.CharField(_("answer"), max_length=1000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")

    def __str__(self) -> str:
        return self.note[:40]

    def clean(self) -> None:
        if self.answer_due_at and self.created_at and self.answer_due_at <= self.created_at:
            raise ValidationError({"answer_due_at": _("The answer must be due after the note.")})


# --- The figures' cells (core.rollups): kept by the services with every change of a request --


class FiguresCell(RollupCell):
    """The repair figures of one Shanghai period of filing, estate and serving company (0: none):
    what ``repairs.figures.ROLLUP`` counts of the requests filed then. Written only by
    ``core.rollups.change`` from the services (and ``rebuild`` after bulk loads)."""

    estate = models.ForeignKey("registry.Estate", on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    company = models.ForeignKey("registry.Company", on_delete=models.DO_NOTHING, db_constraint=False,
                                null=True, related_name="+")  # 0 when the request has none
    volume = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_on_time = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)  # completed and not withdrawn
    completed_on_time = models.IntegerField(default=0)
    ever_completed = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    locals().update(HOURS_TO_COMPLETE.fields())

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class FiguresDay(FiguresCell):
    """One day's cells."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "estate", "company"], name="repairs_figures_cell")]


class FiguresMonth(FiguresCell):
    """One calendar month's cells (``day`` is its first day): the same sums as its days' cells."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "estate", "company"], name="repairs_figures_month")]
