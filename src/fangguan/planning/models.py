"""Plans as data (issue #8): a plan has a period and indicators; every line of the annex is an
indicator (sub-lines too, with ``parent``), each with its own target, attribute and measure.

A measure is either the key of a function registered in ``measures.py`` that computes per-year
values from records, or ``entered``: values offices enter for years without records
(``EnteredValue``, who and when kept).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangguan.core.models import ScopedRecord
from fangguan.registry.models import Town

from .choices import Attribute

ENTERED = "entered"


class Plan(ScopedRecord):
    """A five-year plan (十四五: 2021–2025)."""

    audit_name = "plan"
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    end_year = models.PositiveSmallIntegerField(_("last year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["start_year", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_year and self.end_year and not 0 <= self.end_year - self.start_year <= 9:
            raise ValidationError({"end_year": _("A plan runs from one to ten years, ending no earlier than it starts.")})

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class Indicator(ScopedRecord):
    """One line of a plan's annex."""

    audit_name = "indicator"
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4, validators=[MinValueValidator(Decimal("0"))])
    attribute = models.CharField(_("attribute"), max_length=8, choices=Attribute.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent indicator"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="children")
    definition = models.TextField(_("definition"), blank=True)
    office = models.CharField(_("responsible office"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    measure = models.CharField(_("measure"), max_length=60, default=ENTERED,
                               help_text=_("The computed measure the actual comes from, or “entered”."))
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan_id", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="indicator_plan_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from .measures import MEASURES

        if self.parent_id and self.plan_id and self.parent.plan_id != self.plan_id:
            raise ValidationError({"parent": _("The parent indicator belongs to another plan.")})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An indicator cannot be its own parent.")})
        if self.measure != ENTERED:
            measure = MEASURES.get(self.measure)
            if measure is None:
                raise ValidationError({"measure": _("Unknown measure: %(key)s.") % {"key": self.measure}})
            if self.unit and self.unit != measure.unit:
                raise ValidationError({"unit": _("This measure gives values in %(unit)s.") % {"unit": measure.unit}})


class EnteredValue(ScopedRecord):
    """A value an office entered for an indicator measured by hand, for one year (and one town,
    or the whole district)."""

    audit_name = "entered-value"
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="entered_values")
    year = models.PositiveSmallIntegerField(_("year"))
    town = models.ForeignKey(Town, verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text=_("Empty for a district-wide value."))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("entered value")
        verbose_name_plural = _("entered values")
        ordering = ["indicator_id", "year", "town_id"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year", "town"], name="entered_value_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.year}"

    def clean(self) -> None:
        if self.indicator_id:
            if self.indicator.measure != ENTERED:
                raise ValidationError({"indicator": _("This indicator is computed from records; values are not entered.")})
            plan = self.indicator.plan
            if self.year is not None and not plan.start_year <= self.year <= plan.end_year:
                raise ValidationError({"year": _("The year is outside the plan's period.")})
            # the constraint cannot see two district-wide rows (NULL town) as equal: checked here
            same = EnteredValue.objects.filter(indicator_id=self.indicator_id, year=self.year, town_id=self.town_id)
            if same.exclude(pk=self.pk).exists():
                raise ValidationError({"year": _("A value for this year and town is already entered.")})
