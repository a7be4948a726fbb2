"""Choice classes of the development records (Chinese labels through gettext)."""

from typing import Literal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def one_of(choices: type[models.TextChoices]):
    """The choice class's values as a ``Literal`` for API schemas and filters: the values are
    listed in the OpenAPI schema, and kept in one place (here)."""
    return Literal[tuple(choices.values)]


class LandUse(models.TextChoices):
    """Planned use of a parcel: the land indicator counts 住宅组团用地 in full and mixed use by
    its planned residential share (annex, note 1)."""

    RESIDENTIAL = "residential", _("residential (住宅组团用地)")
    MIXED = "mixed", _("mixed use")
    OTHER = "other", pgettext_lazy("land use", "non-residential")


class ParcelStatus(models.TextChoices):
    PLANNED = "planned", _("planned for supply")
    LISTED = "listed", _("listing completed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class HousingType(models.TextChoices):
    COMMERCIAL = "commercial", _("commercial housing (商品住房)")
    RESETTLEMENT = "resettlement", _("resettlement housing (征收安置住房)")
    SOCIAL_RENTAL = "social_rental", _("social rental housing (社会租赁住房, incl. 人才公寓)")
    AFFORDABLE = "affordable", _("affordable housing (保障性住房)")


class PermitKind(models.TextChoices):
    CONSTRUCTION = "construction", _("construction permit (施工许可)")
    PRESALE = "presale", _("pre-sale permit or sales-plan filing (预售许可/销售方案备案)")
    DELIVERY = "delivery", _("delivery permit (新建住宅交付使用许可)")


class RenovationKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("comprehensive renovation (综合改造)")
    ROOF_FACADE = "roof_facade", _("roof and facade (屋面及外立面)")
    KITCHEN_BATH = "kitchen_bath", _("kitchens and bathrooms (厨卫)")
    PUBLIC_FACILITIES = "public_facilities", _("shared facilities (公共设施)")
    OTHER = "other", _("other")
