"""The housing registry (基础数据库): estates, management areas, buildings, homes, owners,
property companies, contracts, owners' committees, facilities and assessments.

Every fact the plan's figures count carries the date it became true and, where it can end, the
date it ended; each queryset's ``as_of(d)`` answers "which of these held on day d", so the
figures for any date are computed from the same records (see ``selectors.registry_stats``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core import crypto
from fangguan.core.fields import AreaField
from fangguan.core.identity import (
    IdType,
    check_credit_code,
    check_id_number,
    check_phone,
    mask_id_number,
    mask_phone,
    normalise,
)
from fangguan.core.models import ScopedRecord
from fangguan.core.scopes import ScopedQuerySet
from fangguan.core.text import pinyin_key

from .choices import (
    AssessmentKind,
    CommitteeRole,
    ContractKind,
    DocumentKind,
    EstateType,
    FacilityKind,
    FacilityStatus,
    HomeUse,
    PersonKind,
    ShareKind,
    Structure,
    TownKind,
)

POSITIVE_AREA = [MinValueValidator(Decimal("0.01"))]


def _in_force(start: str, end: str | None, day: dt.date) -> Q:
    """Started on or before ``day`` and not ended by it (an end date is the first day not in force)."""
    q = Q(**{f"{start}__lte": day})
    if end:
        q &= Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day})
    return q


# --- Places and bodies ---------------------------------------------------------------------


class Town(ScopedRecord):
    """A subdistrict, town or specially administered zone of the district."""

    audit_name = "town"
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TownKind.choices, default=TownKind.TOWN)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class NeighbourhoodQuerySet(ScopedQuerySet):
    def with_property_subcommittee(self, day: dt.date):
        return self.filter(_in_force("property_subcommittee_since", "property_subcommittee_until", day))


class Neighbourhood(ScopedRecord):
    """A neighbourhood committee (居委会), the grid's first level above the estate."""

    audit_name = "neighbourhood"
    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="neighbourhoods")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    property_subcommittee_since = models.DateField(
        _("environment and property sub-committee since"), null=True, blank=True
    )
    property_subcommittee_until = models.DateField(_("sub-committee ended"), null=True, blank=True)

    objects = NeighbourhoodQuerySet.as_manager()

    class Meta:
        verbose_name = _("neighbourhood committee")
        verbose_name_plural = _("neighbourhood committees")
        ordering = ["town__sort_order", "code"]

    def __str__(self) -> str:
        return self.name


# --- Estates, areas, buildings, homes -------------------------------------------------------


class EstateQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        """Estates delivered by ``day`` and not yet removed (demolished, merged)."""
        return self.filter(delivered_on__isnull=False).filter(_in_force("delivered_on", "removed_on", day))


class Estate(ScopedRecord):
    """A residential estate (住宅小区)."""

    audit_name = "estate"
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="estates")
    neighbourhood = models.ForeignKey(
        Neighbourhood, verbose_name=_("neighbourhood committee"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="estates",
    )
    estate_type = models.CharField(_("type"), max_length=16, choices=EstateType.choices)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True, db_index=True)
    removed_on = models.DateField(_("removed from the registry on"), null=True, blank=True)
    land_area_m2 = AreaField(_("land area (㎡)"), null=True, blank=True)
    floor_area_m2 = AreaField(_("floor area (㎡)"), validators=POSITIVE_AREA)
    latitude = models.DecimalField(
        _("latitude (WGS84)"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude (WGS84)"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    charging_eligible = models.BooleanField(
        _("eligible for an e-bike charging site"), default=True,
        help_text=_("Existing estates where a central e-bike charging site is required."),
    )
    has_onsite_office = models.BooleanField(_("on-site property office"), default=True)
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    office_address = models.CharField(_("property office address"), max_length=200, blank=True)
    developer = models.ForeignKey(
        "Person", verbose_name=_("developer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The developer (建设单位): the homes it still holds count as one owner in owners' votes."),
    )

    objects = EstateQuerySet.as_manager()

    # The contact details a serving property company may keep up to date (issue #2).
    COMPANY_EDITABLE = frozenset({"service_phone", "office_address", "has_onsite_office"})

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["code"]
        indexes = [models.Index(fields=["town", "delivered_on"], name="estate_town_delivered")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.neighbourhood_id and self.town_id and self.neighbourhood.town_id != self.town_id:
            raise ValidationError({"neighbourhood": _("The neighbourhood committee is in another town.")})
        if self.removed_on and self.delivered_on and self.removed_on <= self.delivered_on:
            raise ValidationError({"removed_on": _("The removal date must be after the delivery date.")})


class ManagementArea(ScopedRecord):
    """A property-management area (物业管理区域): what contracts, assemblies and funds belong to."""

    audit_name = "area"
    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="areas")
    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    established_on = models.DateField(_("established on"), null=True, blank=True)

    class Meta:
        verbose_name = _("management area")
        verbose_name_plural = _("management areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(ScopedRecord):
    audit_name = "building"
    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="buildings")
    area = models.ForeignKey(
        ManagementArea, verbose_name=_("management area"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(_("building number"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), validators=[MinValueValidator(1)])
    units = models.PositiveSmallIntegerField(_("stairwell units"), default=1, validators=[MinValueValidator(1)])
    structure = models.CharField(_("structure"), max_length=16, choices=Structure.choices, default=Structure.OTHER)
    built_year = models.PositiveSmallIntegerField(
        _("year built"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    has_elevator = models.BooleanField(_("elevator"), default=False)
    floor_area_m2 = AreaField(_("floor area (㎡)"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        # 2号 before 10号: shorter numbers first, then by text
        ordering = ["estate_id", Length("number"), "number"]
        constraints = [models.UniqueConstraint(fields=["estate", "number"], name="building_unique_number")]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.number}"

    @property
    def name(self) -> str:
        return str(self)

    def clean(self) -> None:
        if self.area_id and self.estate_id and self.area.estate_id != self.estate_id:
            raise ValidationError({"area": _("The management area belongs to another estate.")})


class Home(ScopedRecord):
    """A home or other exclusive part (专有部分) — the unit that is owned, counted and voted."""

    audit_name = "home"
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="homes")
    unit = models.CharField(_("stairwell unit"), max_length=10, blank=True)
    room_number = models.CharField(_("room number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area_m2 = AreaField(_("exclusive floor area (㎡)"), validators=POSITIVE_AREA)
    use = models.CharField(_("use"), max_length=16, choices=HomeUse.choices, default=HomeUse.RESIDENTIAL)
    property_unit_number = models.CharField(_("real-estate unit number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        ordering = ["building_id", "room_number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "room_number"], name="home_unique_room"),
            models.UniqueConstraint(
                fields=["property_unit_number"], condition=~Q(property_unit_number=""), name="home_unique_unit_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building.estate.name} {self.building.number} {self.room_number}"

    @property
    def name(self) -> str:
        return str(self)


# --- People ---------------------------------------------------------------------------------


class Person(ScopedRecord):
    """An owner, tenant or committee member: a natural person or an organisation (e.g. the
    developer holding unsold homes). Identity number and phone are encrypted at rest, searched by
    blind index and shown masked; only ``reveal`` (with permission, reason and a log entry) shows
    them in clear."""

    audit_name = "person"
    audit_exclude = frozenset({"id_number_cipher", "id_number_index", "phone_cipher", "phone_index"})

    kind = models.CharField(_("kind"), max_length=16, choices=PersonKind.choices, default=PersonKind.NATURAL)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    id_type = models.CharField(_("document type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_cipher = models.TextField(blank=True, editable=False)
    id_number_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("identity number"), max_length=40, blank=True, editable=False)
    id_number_flagged = models.BooleanField(_("number needs review"), default=False)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("contact address"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="person",
    )

    # The contact details an owner may keep up to date themselves.
    SELF_EDITABLE = frozenset({"phone", "address"})

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number_index"], condition=~Q(id_number_index=""), name="person_unique_id_number"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)
        super().save(*args, **kwargs)

    # Setting personal data always goes through these, so cipher, index and mask agree.
    def set_id_number(self, raw: str) -> None:
        if not raw:
            self.id_number_cipher = self.id_number_index = self.id_number_masked = ""
            self.id_number_flagged = False
            return
        checked = check_id_number(self.id_type, raw)
        self.id_number_cipher, self.id_number_index, self.id_number_masked = stored_id_number(checked.value)
        self.id_number_flagged = checked.flagged

    def set_phone(self, raw: str) -> None:
        if not raw:
            self.phone_cipher = self.phone_index = self.phone_masked = ""
            return
        self.phone_cipher, self.phone_index, self.phone_masked = stored_phone(check_phone(raw))

    def id_number_clear(self) -> str:
        return crypto.decrypt(self.id_number_cipher, purpose="person.id_number") if self.id_number_cipher else ""

    def phone_clear(self) -> str:
        return crypto.decrypt(self.phone_cipher, purpose="person.phone") if self.phone_cipher else ""


crypto.register_encrypted(
    crypto.EncryptedField(Person, "id_number_cipher", "person.id_number", "id_number_index", normalise=normalise)
)
crypto.register_encrypted(crypto.EncryptedField(Person, "phone_cipher", "person.phone", "phone_index"))


def id_number_index(value: str) -> str:
    return crypto.blind_index(normalise(value), purpose="person.id_number")


def phone_index(value: str) -> str:
    return crypto.blind_index(value, purpose="person.phone")


def stored_id_number(value: str) -> tuple[str, str, str]:
    """Cipher, blind index and mask of a checked identity number: the columns a person row holds
    (``manage.py synth`` writes its rows with this too)."""
    return crypto.encrypt(value, purpose="person.id_number"), id_number_index(value), mask_id_number(value)


def stored_phone(phone: str) -> tuple[str, str, str]:
    """Cipher, blind index and mask of a checked phone number, as a person row holds them."""
    return crypto.encrypt(phone, purpose="person.phone"), phone_index(phone), mask_phone(phone)


class HomeShareQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        return self.filter(_in_force("since", "until", day))


class HomeShare(ScopedRecord):
    """A person's right in a home: an ownership share (percent) or a public-housing tenancy."""

    audit_name = "share"
    home = models.ForeignKey(Home, verbose_name=_("home"), on_delete=models.PROTECT, related_name="shares")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="shares")
    kind = models.CharField(_("kind"), max_length=16, choices=ShareKind.choices, default=ShareKind.OWNER)
    share_percent = models.DecimalField(
        _("share (%)"), max_digits=5, decimal_places=2, default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = HomeShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("home share")
        verbose_name_plural = _("home shares")
        indexes = [models.Index(fields=["person", "home"], name="share_person_home")]

    def __str__(self) -> str:
        return f"{self.person} · {self.home}"

    def clean(self) -> None:
        if self.until and self.since and self.until <= self.since:
            raise ValidationError({"until": _("The end date must be after the start date.")})
        if self.kind == ShareKind.OWNER and self.home_id and self.since:
            others = (
                HomeShare.objects.filter(home_id=self.home_id, kind=ShareKind.OWNER)
                .exclude(pk=self.pk)
                .filter(_overlaps(self.since, self.until))
                .aggregate(total=models.Sum("share_percent"))["total"]
                or Decimal("0")
            )
            if others + (self.share_percent or 0) > Decimal("100"):
                raise ValidationError({"share_percent": _("The owners' shares of this home would exceed 100%.")})


def _overlaps(start: dt.date, end: dt.date | None, start_field="since", end_field="until") -> Q:
    """Periods overlapping [start, end) — open ends count as running forever."""
    q = Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": start})
    if end is not None:
        q &= Q(**{f"{start_field}__lt": end})
    return q


# --- Companies and contracts ----------------------------------------------------------------


class CompanyQuerySet(ScopedQuerySet):
    def filed_as_of(self, day: dt.date):
        return self.filter(filed_on__isnull=False).filter(_in_force("filed_on", "filing_revoked_on", day))


class Company(ScopedRecord):
    """A property-service company (物业服务企业)."""

    audit_name = "company"
    name = models.CharField(_("name"), max_length=200)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    credit_code_flagged = models.BooleanField(_("credit code needs review"), default=False)
    filed_on = models.DateField(_("filed with the bureau on"), null=True, blank=True)
    filing_revoked_on = models.DateField(_("filing revoked on"), null=True, blank=True)
    qualification = models.CharField(_("qualification"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = CompanyQuerySet.as_manager()

    COMPANY_EDITABLE = frozenset({"address", "phone"})

    class Meta:
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.credit_code:
            try:
                checked = check_credit_code(self.credit_code)
            except ValidationError as exc:
                raise ValidationError({"credit_code": exc.messages}) from None
            self.credit_code = checked.value
            self.credit_code_flagged = checked.flagged


class ContractQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        """Contracts in force on ``day`` (started, not expired, not terminated)."""
        return self.filter(
            Q(start_on__lte=day)
            & (Q(end_on__isnull=True) | Q(end_on__gte=day))
            & (Q(terminated_on__isnull=True) | Q(terminated_on__gt=day))
        )


class Contract(ScopedRecord):
    """A property-service contract for one management area. Two formal contracts for one area
    may not overlap in time (物业管理条例 Art. 26: the owner-appointed contract replaces the
    preliminary one)."""

    audit_name = "contract"
    area = models.ForeignKey(ManagementArea, verbose_name=_("management area"), on_delete=models.PROTECT, related_name="contracts")
    company = models.ForeignKey(Company, verbose_name=_("property company"), on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContractKind.choices)
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end (last day)"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    fee_high_rise = models.DecimalField(
        _("fee, high-rise (yuan/㎡·month)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_multi_storey = models.DecimalField(
        _("fee, multi-storey (yuan/㎡·month)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_other = models.DecimalField(
        _("fee, other buildings (yuan/㎡·month)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["-start_on", "id"]
        indexes = [models.Index(fields=["company", "start_on"], name="contract_company_start")]

    def __str__(self) -> str:
        return f"{self.area} · {self.company} · {self.start_on}"

    @property
    def last_day(self) -> dt.date | None:
        ends = [d for d in (self.end_on, self.terminated_on and self.terminated_on - dt.timedelta(days=1)) if d]
        return min(ends) if ends else None

    # A contract is signed shortly before it starts: one starting more than a year after the day
    # it is looked at is almost surely mistyped (2062 for 2026), so the pages flag it for checking.
    AHEAD = dt.timedelta(days=366)

    def dated_far_ahead(self, day: dt.date) -> bool:
        return self.start_on is not None and self.start_on > day + self.AHEAD

    def clean(self) -> None:
        if self.end_on and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end date is before the start date.")})
        if self.kind == ContractKind.FORMAL and self.area_id and self.start_on:
            others = Contract.objects.filter(area_id=self.area_id, kind=ContractKind.FORMAL).exclude(pk=self.pk)
            mine_end = self.last_day
            for other in others:
                other_end = other.last_day
                if (other_end is None or other_end >= self.start_on) and (mine_end is None or other.start_on <= mine_end):
                    raise ValidationError(
                        _("This formal contract overlaps another formal contract for the same management area (%(other)s).")
                        % {"other": other}
                    )


# --- Owners' assemblies and committees ------------------------------------------------------


class OwnersCommitteeQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        return self.filter(established_on__isnull=False).filter(_in_force("established_on", "dissolved_on", day))


class OwnersCommittee(ScopedRecord):
    """An owners' assembly and its committee (业主大会 / 业主委员会) for one management area."""

    audit_name = "committee"
    area = models.ForeignKey(ManagementArea, verbose_name=_("management area"), on_delete=models.PROTECT, related_name="committees")
    name = models.CharField(_("name"), max_length=120)
    assembly_established_on = models.DateField(_("owners' assembly founded on"), null=True, blank=True)
    established_on = models.DateField(_("committee established on"), null=True, blank=True)
    term_start = models.DateField(_("current term from"), null=True, blank=True)
    term_end = models.DateField(_("current term to"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    party_group_since = models.DateField(_("party working group since"), null=True, blank=True)

    objects = OwnersCommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("owners' committee")
        verbose_name_plural = _("owners' committees")
        ordering = ["area__code", "-established_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("The term ends before it starts.")})

    def term_ended(self, day: dt.date) -> bool:
        """Its recorded term ran out before ``day`` and no new term is recorded (换届 overdue), while
        the committee still exists: the pages flag it."""
        return (self.term_end is not None and self.term_end < day
                and (self.dissolved_on is None or self.dissolved_on > day))


class CommitteeMemberQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        return self.filter(_in_force("start_on", "end_on", day))


class CommitteeMember(ScopedRecord):
    """A seat on an owners' committee. ``neighbourhood`` is set when the member also sits on
    that neighbourhood committee (交叉任职, counted by the plan)."""

    audit_name = "committee_member"
    committee = models.ForeignKey(OwnersCommittee, verbose_name=_("owners' committee"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="committee_seats")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER)
    start_on = models.DateField(pgettext_lazy("term", "from"))
    end_on = models.DateField(pgettext_lazy("term", "to"), null=True, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood, verbose_name=_("also serves on neighbourhood committee"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="committee_overlaps",
    )

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee_id", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class CommitteeDocument(ScopedRecord):
    """A document the committee keeps public: rules, covenant, minutes, notices."""

    audit_name = "committee_document"
    committee = models.ForeignKey(OwnersCommittee, verbose_name=_("owners' committee"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    body = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("committee document")
        verbose_name_plural = _("committee documents")
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.title


# --- Facilities and assessments -------------------------------------------------------------


class FacilityQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        return self.filter(installed_on__isnull=False).filter(_in_force("installed_on", "removed_on", day))


class Facility(ScopedRecord):
    audit_name = "facility"
    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="facilities")
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FacilityStatus.choices, default=FacilityStatus.IN_SERVICE)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["estate_id", "kind", "id"]
        indexes = [models.Index(fields=["kind", "installed_on"], name="facility_kind_installed")]

    def __str__(self) -> str:
        return f"{self.estate.name} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.building_id and self.estate_id and self.building.estate_id != self.estate_id:
            raise ValidationError({"building": _("The building belongs to another estate.")})
        if self.removed_on and self.installed_on and self.removed_on <= self.installed_on:
            raise ValidationError({"removed_on": _("The removal date must be after the installation date.")})


class AssessmentQuerySet(ScopedQuerySet):
    def as_of(self, day: dt.date):
        return self.filter(_in_force("passed_on", "revoked_on", day))


class Assessment(ScopedRecord):
    """A 美丽家园 assessment an estate passed (standard or model estate)."""

    audit_name = "assessment"
    estate = models.ForeignKey(Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=20, choices=AssessmentKind.choices)
    passed_on = models.DateField(_("passed on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-passed_on", "id"]

    def __str__(self) -> str:
        return f"{self.estate.name} · {self.get_kind_display()}"
