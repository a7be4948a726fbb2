from django.db import models
from django.utils.translation import gettext_lazy as _


class Attribute(models.TextChoices):
    """The annex's attribute of an indicator; stored as the annex writes it (the API returns it)."""

    EXPECTED = "预期性", _("expected (预期性)")
    BINDING = "约束性", _("binding (约束性)")


class Status(models.TextChoices):
    """Running plan: on track / at risk / off track (``selectors.status_of``); closed period:
    achieved / not achieved; before the period starts: not started."""

    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    OFF_TRACK = "off_track", _("off track")
    ACHIEVED = "achieved", _("achieved")
    NOT_ACHIEVED = "not_achieved", _("not achieved")
    NOT_STARTED = "not_started", _("not started")
    # part of the district (a town office): its contribution to the district's progress
    CONTRIBUTION = "contribution", _("contribution to the district")
