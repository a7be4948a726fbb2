"""Housing development records the plan's indicators are measured from (issue #8): land parcels,
development projects, their permits, affordable homes built inside commercial projects (配建) and
renovation projects.

Every counted fact carries the date it became true (listing date, permit date, handover and
ready date, completion date), so a figure for any period or "as of" day is a filter on records.
Each record belongs to a town, which is what a town office's scope is.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.fields import AreaField
from fangguan.core.models import ScopedRecord
from fangguan.registry.models import Estate, Town

from .choices import HousingType, LandUse, ParcelStatus, PermitKind, RenovationKind

ONE = Decimal("1")
ZERO = Decimal("0")


def _coordinates():
    return (
        models.DecimalField(_("latitude (WGS84)"), max_digits=9, decimal_places=6, null=True, blank=True,
                            validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]),
        models.DecimalField(_("longitude (WGS84)"), max_digits=9, decimal_places=6, null=True, blank=True,
                            validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]),
    )


class Parcel(ScopedRecord):
    """A land parcel offered for residential development (出让地块)."""

    audit_name = "parcel"
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="parcels")
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=4,
                                  validators=[MinValueValidator(Decimal("0.0001"))])
    planned_use = models.CharField(_("planned use"), max_length=16, choices=LandUse.choices)
    residential_share = models.DecimalField(
        _("residential share"), max_digits=5, decimal_places=4, default=ONE,
        validators=[MinValueValidator(ZERO), MaxValueValidator(ONE)],
        help_text=_("Planned residential share of a mixed-use parcel, between 0 and 1."),
    )
    listed_on = models.DateField(_("listing completed on"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=ParcelStatus.choices, default=ParcelStatus.PLANNED)
    latitude, longitude = _coordinates()

    class Meta:
        verbose_name = _("land parcel")
        verbose_name_plural = _("land parcels")
        ordering = ["-listed_on", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def residential_ha(self) -> Decimal:
        return (self.area_ha or ZERO) * (self.residential_share if self.residential_share is not None else ZERO)

    def clean(self) -> None:
        share = self.residential_share
        if self.planned_use == LandUse.RESIDENTIAL and share != ONE:
            raise ValidationError({"residential_share": _("A residential parcel counts in full: the share is 1.")})
        if self.planned_use == LandUse.OTHER and share not in (None, ZERO):
            raise ValidationError({"residential_share": _("A non-residential parcel has no residential share (0).")})
        if self.planned_use == LandUse.MIXED and (share is None or not ZERO < share < ONE):
            raise ValidationError({"residential_share": _("A mixed-use parcel needs its planned residential share, above 0 and below 1.")})
        if self.status == ParcelStatus.LISTED and not self.listed_on:
            raise ValidationError({"listed_on": _("A listed parcel needs the date its listing completed.")})
        if self.status == ParcelStatus.PLANNED and self.listed_on:
            raise ValidationError({"status": _("A parcel with a listing date is listed, not planned.")})


class Project(ScopedRecord):
    """A housing development project (one housing type), usually on one parcel."""

    audit_name = "project"
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    developer = models.CharField(_("developer"), max_length=100)
    parcel = models.ForeignKey(Parcel, verbose_name=_("land parcel"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="projects")
    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="projects")
    housing_type = models.CharField(_("housing type"), max_length=16, choices=HousingType.choices)
    latitude, longitude = _coordinates()

    class Meta:
        verbose_name = _("development project")
        verbose_name_plural = _("development projects")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parcel_id and self.town_id and self.parcel.town_id != self.town_id:
            raise ValidationError({"parcel": _("The parcel is in another town.")})


class Permit(ScopedRecord):
    """One permit of one project: construction (住宅新开工), pre-sale or sales-plan filing (新增供应
    商品住房), or delivery (住宅交付使用). A delivery names the registry estate it belongs to."""

    audit_name = "permit"
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="permits")
    kind = models.CharField(_("kind"), max_length=16, choices=PermitKind.choices)
    number = models.CharField(_("certificate number"), max_length=40)
    issued_on = models.DateField(_("date"), db_index=True)
    area_m2 = AreaField(_("residential floor area (㎡)"), validators=[MinValueValidator(Decimal("0.01"))])
    homes = models.PositiveIntegerField(pgettext_lazy("number of", "homes"), null=True, blank=True)
    estate = models.ForeignKey(Estate, verbose_name=_("estate"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="delivery_permits")

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["-issued_on", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="permit_kind_number_unique")]
        indexes = [models.Index(fields=["kind", "issued_on"], name="permit_kind_issued")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        if self.kind == PermitKind.DELIVERY:
            if not self.estate_id:
                raise ValidationError({"estate": _("A delivery permit names the estate it belongs to.")})
            if self.project_id and self.estate.town_id != self.project.town_id:
                raise ValidationError({"estate": _("The estate is in another town than the project.")})
        elif self.estate_id:
            raise ValidationError({"estate": _("Only a delivery permit names an estate.")})
        if self.kind in (PermitKind.PRESALE, PermitKind.DELIVERY) and not self.homes:
            raise ValidationError({"homes": _("Give the number of homes.")})
        if self.kind == PermitKind.PRESALE and self.project_id and self.project.housing_type != HousingType.COMMERCIAL:
            raise ValidationError({"kind": _("Pre-sale permits are for commercial housing only.")})


class AffordableQuota(ScopedRecord):
    """Affordable homes built inside a commercial project (配建保障性住房): counted once handed over
    and ready for supply (annex, note 5)."""

    audit_name = "affordable"
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="affordable_quotas")
    homes = models.PositiveIntegerField(pgettext_lazy("number of", "homes"), validators=[MinValueValidator(1)])
    area_m2 = AreaField(_("floor area (㎡)"), null=True, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    ready_on = models.DateField(_("ready for supply on"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("affordable homes built in a project (配建)")
        verbose_name_plural = _("affordable homes built in projects (配建)")
        ordering = ["-ready_on", "id"]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.homes}"

    def clean(self) -> None:
        if self.project_id and self.project.housing_type != HousingType.COMMERCIAL:
            raise ValidationError({"project": _("配建 homes are built inside commercial housing projects.")})
        if self.ready_on and not self.handed_over_on:
            raise ValidationError({"ready_on": _("Homes are ready for supply only after they are handed over.")})
        if self.ready_on and self.handed_over_on and self.ready_on < self.handed_over_on:
            raise ValidationError({"ready_on": _("The ready date cannot be before the handover date.")})


class Renovation(ScopedRecord):
    """A renovation project of old housing (旧住房修缮改造): counted when completed."""

    audit_name = "renovation"
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="renovations")
    kind = models.CharField(_("type"), max_length=20, choices=RenovationKind.choices)
    estates = models.ManyToManyField(Estate, verbose_name=_("estates"), blank=True, related_name="renovations")
    area_m2 = AreaField(_("floor area renovated (㎡)"), validators=[MinValueValidator(Decimal("0.01"))])
    public_housing_area_m2 = AreaField(_("of which public housing (㎡)"), default=ZERO)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("renovation project")
        verbose_name_plural = _("renovation projects")
        ordering = ["-completed_on", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.area_m2 is not None and self.public_housing_area_m2 is not None and self.public_housing_area_m2 > self.area_m2:
            raise ValidationError({"public_housing_area_m2": _("The public-housing part cannot exceed the whole area.")})
        if self.completed_on and self.started_on and self.completed_on < self.started_on:
            raise ValidationError({"completed_on": _("The completion date cannot be before the start.")})
        if self.completed_on and not self.started_on:
            raise ValidationError({"started_on": _("A completed project needs its start date.")})
