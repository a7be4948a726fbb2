"""The matters owners decide together, the rule families they fall under, and the states of a
vote and of a ballot."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Matter(models.TextChoices):
    """民法典第二百七十八条 (1)–(9), and adding a lift to a stairwell unit (沪房更新〔2024〕126号)."""

    RULES_OF_PROCEDURE = "rules_of_procedure", pgettext_lazy("matter", "rules of procedure of the owners' assembly")
    COVENANT = "covenant", pgettext_lazy("matter", "owners' covenant")
    COMMITTEE = "committee", pgettext_lazy("matter", "electing or replacing the owners' committee")
    MANAGER = "manager", pgettext_lazy("matter", "hiring or dismissing the property company")
    FUND_USE = "fund_use", pgettext_lazy("matter", "using the maintenance fund")
    FUND_RAISING = "fund_raising", pgettext_lazy("matter", "raising the maintenance fund")
    REBUILD = "rebuild", pgettext_lazy("matter", "renovating or rebuilding")
    COMMON_PARTS = "common_parts", pgettext_lazy("matter", "changing the use of common parts or running a business on them")
    OTHER = "other", pgettext_lazy("matter", "other major matters")
    ELEVATOR = "elevator", pgettext_lazy("matter", "adding a lift to a stairwell unit")
    ELEVATOR_COMMON_LAND = "elevator_common_land", pgettext_lazy("matter", "a lift taking estate-wide common land")


class Family(models.TextChoices):
    """Which thresholds a matter is decided by."""

    ORDINARY = "ordinary", _("ordinary matters (Civil Code Art. 278: more than half)")
    SPECIAL = "special", _("raising funds, rebuilding, common parts (Art. 278: three quarters)")
    ELEVATOR_UNIT = "elevator_unit", _("lift for a stairwell unit (2024: three quarters)")
    ELEVATOR_COMMON = "elevator_common", _("lift on estate-wide common land (2024: more than half)")


# Art. 278 ¶2: items (6)–(8) need three quarters; the others more than half. The 2024 lift rule
# decides per unit with three quarters; estate-wide common land taken by a lift, more than half.
FAMILY_OF = {
    Matter.RULES_OF_PROCEDURE: Family.ORDINARY, Matter.COVENANT: Family.ORDINARY,
    Matter.COMMITTEE: Family.ORDINARY, Matter.MANAGER: Family.ORDINARY, Matter.FUND_USE: Family.ORDINARY,
    Matter.OTHER: Family.ORDINARY, Matter.FUND_RAISING: Family.SPECIAL, Matter.REBUILD: Family.SPECIAL,
    Matter.COMMON_PARTS: Family.SPECIAL, Matter.ELEVATOR: Family.ELEVATOR_UNIT,
    Matter.ELEVATOR_COMMON_LAND: Family.ELEVATOR_COMMON,
}


class ScopeKind(models.TextChoices):
    AREA = "area", _("the whole management area")
    BUILDINGS = "buildings", _("some buildings")
    UNIT = "unit", _("one stairwell unit")
    HOMES = "homes", _("listed homes")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("vote status", "draft")
    OPEN = "open", pgettext_lazy("vote status", "open")
    CLOSED = "closed", pgettext_lazy("vote status", "closed")
    CANCELLED = "cancelled", pgettext_lazy("vote status", "cancelled")


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("ballot", "yes")
    NO = "no", pgettext_lazy("ballot", "no")
    ABSTAIN = "abstain", pgettext_lazy("ballot", "abstain")


class Channel(models.TextChoices):
    APP = "app", _("on the phone")
    PAPER = "paper", _("paper ballot")


class VoterKind(models.TextChoices):
    """Who one owner (one headcount) is, per SPC interpretation Art. 9."""

    PERSON = "person", pgettext_lazy("voter", "owner")
    JOINT = "joint", _("co-owners of the same homes")
    ORGANISATION = "organisation", _("organisation (through its representative)")
    DEVELOPER = "developer", _("developer: homes unsold or not delivered, one owner together")


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("vote event", "created")
    CHANGED = "changed", pgettext_lazy("vote event", "changed")
    OPENED = "opened", pgettext_lazy("vote event", "opened")
    BALLOT = "ballot", pgettext_lazy("vote event", "ballot recorded")
    CLOSED = "closed", pgettext_lazy("vote event", "closed")
    CANCELLED = "cancelled", pgettext_lazy("vote event", "cancelled")
