"""The matters owners decide together, the rule families they fall under, and the states of a
vote and of a ballot."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Matter(models.TextChoices):
    """民法典第二百七十八条 (1)–(9), and adding a lift to a stairwell unit (沪房更新〔2024〕126号)."""

    RULES_OF_PROCEDURE = "rules_of_procedure", _("rules of procedure of the owners' assembly")
    COVENANT = "covenant", _("owners' covenant")
    COMMITTEE = "committee", _("electing or replacing the owners' committee")
    MANAGER = "manager", _("hiring or dismissing the property company")
    FUND_USE = "fund_use", _("using the maintenance fund")
    FUND_RAISING = "fund_raising", _("raising the maintenance fund")
    REBUILD = "rebuild", _("renovating or rebuilding")
    COMMON_PARTS = "common_parts", _("changing the use of common parts or running a business on them")
    OTHER = "other", _("other major matters")
    ELEVATOR = "elevator", _("adding a lift to a stairwell unit")
    ELEVATOR_COMMON_LAND = "elevator_common_land", _("a lift taking estate-wide common land")


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
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class Choice(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    ABSTAIN = "abstain", _("abstain")


class Channel(models.TextChoices):
    APP = "app", _("on the phone")
    PAPER = "paper", _("paper ballot")


class VoterKind(models.TextChoices):
    """Who one owner (one headcount) is, per SPC interpretation Art. 9."""

    PERSON = "person", _("owner")
    JOINT = "joint", _("co-owners of the same homes")
    ORGANISATION = "organisation", _("organisation (through its representative)")
    DEVELOPER = "developer", _("developer: homes unsold or not delivered, one owner together")


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    OPENED = "opened", _("opened")
    BALLOT = "ballot", _("ballot recorded")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")
