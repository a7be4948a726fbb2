"""Owners' joint decisions (业主共同决定): the rules in force, votes, their frozen electorate,
ballots (append-only) and sealed results.

Counting (SPC interpretation on building ownership, Arts. 8–9): every home in scope is one
exclusive part with its registered area; every distinct owner — a person, co-owners of the same
homes, an organisation — counts once however many homes they hold, and all homes the developer
still holds (unsold, or sold and not delivered: no owner in the registry on the opening day)
count as one owner together. Ballots are the typed event of a vote: rows are only ever added
(a database trigger refuses UPDATE and DELETE); an owner's latest ballot before the close counts.
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangguan.core.fields import AreaField
from fangguan.core.models import ScopedRecord
from fangguan.core.scopes import ScopedQuerySet

from .choices import Channel, Choice, EventKind, Family, Matter, ScopeKind, Status, VoterKind


def fraction_validator(value: str) -> None:
    try:
        share = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValidationError(_("Write a fraction such as 2/3.")) from None
    if not 0 < share <= 1:
        raise ValidationError(_("A threshold lies between 0 and 1."))


class DecisionRuleQuerySet(ScopedQuerySet):
    def in_force(self, family: str, day) -> DecisionRule | None:
        """The rule of ``family`` in force on ``day``: the latest to take effect on or before it."""
        return self.filter(family=family, effective_from__lte=day).order_by("-effective_from").first()


class DecisionRule(ScopedRecord):
    """Thresholds in force from a date: a versioned parameter the bureau edits. A vote takes the
    rule of its matter's family in force on the day it opens, and keeps it."""

    audit_name = "decisionrule"
    family = models.CharField(_("rule family"), max_length=20, choices=Family.choices)
    effective_from = models.DateField(_("in force from"))
    quorum_area = models.CharField(_("participation: share of the area"), max_length=9,
                                   validators=[fraction_validator], help_text=_("At least this share."))
    quorum_owners = models.CharField(_("participation: share of the owners"), max_length=9,
                                     validators=[fraction_validator], help_text=_("At least this share."))
    approval_area = models.CharField(_("approval: share of the participating area"), max_length=9,
                                     validators=[fraction_validator])
    approval_owners = models.CharField(_("approval: share of the participating owners"), max_length=9,
                                       validators=[fraction_validator])
    approval_strict = models.BooleanField(
        _("approval must exceed the share"), default=False,
        help_text=_("过半数: more than the share; 以上: at least the share."))
    basis = models.CharField(_("legal basis"), max_length=200)

    objects = DecisionRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision rule")
        verbose_name_plural = _("decision rules")
        ordering = ["family", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["family", "effective_from"], name="rule_family_from")]

    def __str__(self) -> str:
        return f"{self.get_family_display()} · {self.effective_from}"


class Vote(ScopedRecord):
    """One question put to the owners concerned (a management area, some buildings, one stairwell
    unit, or listed homes), open for a window; opening freezes its electorate and its rule."""

    audit_name = "vote"
    estate = models.ForeignKey("registry.Estate", verbose_name=_("estate"), on_delete=models.PROTECT,
                               related_name="votes")
    area = models.ForeignKey("registry.ManagementArea", verbose_name=_("management area"),
                             on_delete=models.PROTECT, related_name="votes")
    matter = models.CharField(_("matter"), max_length=24, choices=Matter.choices)
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"), max_length=2000, blank=True)
    options = models.JSONField(_("what yes / no / abstain mean"), default=list, blank=True)
    scope_kind = models.CharField(_("owners concerned"), max_length=10, choices=ScopeKind.choices)
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    hide_interim = models.BooleanField(_("hide interim results until the close"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    organiser_kind = models.CharField(_("organised by"), max_length=24)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("organiser"), on_delete=models.PROTECT,
                                  related_name="+")
    rule = models.ForeignKey(DecisionRule, verbose_name=_("rule applied"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="votes")
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("vote", "closed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    elector_homes = models.PositiveIntegerField(_("homes concerned"), null=True, blank=True)
    elector_area_m2 = AreaField(_("their exclusive area (㎡)"), null=True, blank=True)
    elector_owners = models.PositiveIntegerField(_("owners concerned"), null=True, blank=True)
    electorate_digest = models.CharField(_("electorate digest"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["status", "closes_at"], name="vote_status_closes")]

    def __str__(self) -> str:
        return self.title

    @property
    def name(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("Voting must close after it opens.")
        if self.area_id and self.estate_id and self.area.estate_id != self.estate_id:
            errors["area"] = _("The management area is not in this estate.")
        if self.options and (not isinstance(self.options, list) or len(self.options) != 3
                             or not all(isinstance(o, str) and 0 < len(o) <= 100 for o in self.options)):
            errors["options"] = _("Give three short labels: for yes, no and abstain.")
        if self.matter == Matter.ELEVATOR and self.scope_kind != ScopeKind.UNIT:
            errors["scope_kind"] = _("A lift is decided by the owners of its stairwell unit.")
        if errors:
            raise ValidationError(errors)


class VoteDocument(ScopedRecord):
    """A document the owners decide on (the price review of a repair, the contract …)."""

    audit_name = "votedocument"
    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="votes/documents/%Y/%m/")
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("vote document")
        verbose_name_plural = _("vote documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Voter(models.Model):
    """One owner of the frozen electorate: counts once in the headcount, with the exclusive
    area of all their homes in scope. ``key`` names them: ``o:<person ids>`` (the owners of the
    same homes), ``d`` (the developer's homes together)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="voters")
    key = models.CharField(max_length=400)
    kind = models.CharField(max_length=16, choices=VoterKind.choices)
    homes = models.PositiveIntegerField()
    area_m2 = AreaField(_("exclusive area (㎡)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "key"], name="voter_unique_key")]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.key}"


class VoterPerson(models.Model):
    """Who may cast a voter's ballot: each owner of its homes (co-owners: one of them casts the
    homes' one ballot), the developer's representative for the developer's homes."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="people")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "person"], name="voterperson_unique")]
        indexes = [models.Index(fields=["vote", "person"], name="voterperson_vote_person")]

    def __str__(self) -> str:
        return f"{self.voter_id}:{self.person_id}"


class ElectorHome(models.Model):
    """A home in the frozen electorate, with its area on the opening day and its owner."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="electorate")
    home = models.ForeignKey("registry.Home", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="elector_homes")
    area_m2 = AreaField(_("exclusive area (㎡)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "home"], name="electorhome_unique")]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.home_id}"


class Ballot(models.Model):
    """A ballot, never changed: a new choice is a new row with the next ``seq``; the owner's
    latest before the close counts. ``(voter, seq)`` is unique, so two parallel first ballots of
    one owner cannot both be stored."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="ballots")
    seq = models.PositiveIntegerField()
    choice = models.CharField(max_length=8, choices=Choice.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text=_("The owner who cast it (co-owners: which one)."))
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scan = models.FileField(upload_to="votes/ballots/%Y/%m/", blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "seq"], name="ballot_voter_seq")]
        indexes = [models.Index(fields=["vote", "voter", "-seq"], name="ballot_vote_voter_seq")]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.voter_id}#{self.seq}"


class VoteResult(models.Model):
    """The result of a closed vote, computed once and sealed: its digest covers the electorate,
    every ballot and the figures, and is written into the audit chain (the change log)."""

    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="result")
    eligible_area_m2 = AreaField(_("eligible area"))
    eligible_owners = models.PositiveIntegerField()
    participating_area_m2 = AreaField(_("participating area"))
    participating_owners = models.PositiveIntegerField()
    yes_area_m2 = AreaField(_("yes: area"))
    yes_owners = models.PositiveIntegerField()
    no_area_m2 = AreaField(_("no: area"))
    no_owners = models.PositiveIntegerField()
    abstain_area_m2 = AreaField(_("abstain: area"))
    abstain_owners = models.PositiveIntegerField()
    quorum_met = models.BooleanField()
    passed = models.BooleanField()
    ballots_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.vote_id}: {self.digest[:12]}"


class VoteEvent(models.Model):
    """A step in a vote's life (created, opened, closed, cancelled) — never a ballot's choice."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


OPEN_OR_CLOSED = Q(status__in=(Status.OPEN, Status.CLOSED))
