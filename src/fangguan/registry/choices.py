"""Choice lists of the registry. Labels are English msgids with zh-Hans translations."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TownKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("subdistrict")
    TOWN = "town", pgettext_lazy("town kind", "town")
    ZONE = "zone", _("specially administered zone")


class EstateType(models.TextChoices):
    COMMERCIAL = "commercial", _("commercial housing")
    SOLD_PUBLIC = "sold_public", _("sold former public housing")
    DIRECT_PUBLIC = "direct_public", _("directly managed public housing")
    AFFORDABLE = "affordable", _("affordable housing")
    RESETTLEMENT = "resettlement", _("resettlement housing")
    RURAL = "rural", _("rural concentrated housing")
    MIXED = "mixed", _("mixed")


class Structure(models.TextChoices):
    BRICK_CONCRETE = "brick_concrete", _("brick and concrete")
    FRAME = "frame", _("frame")
    SHEAR_WALL = "shear_wall", _("shear wall")
    FRAME_SHEAR = "frame_shear", _("frame and shear wall")
    STEEL = "steel", _("steel")
    OTHER = "other", _("other")


class HomeUse(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")
    NON_RESIDENTIAL = "non_residential", _("non-residential")
    PARKING = "parking", _("parking space")


class PersonKind(models.TextChoices):
    NATURAL = "natural", _("natural person")
    ORGANISATION = "organisation", _("organisation")


class ShareKind(models.TextChoices):
    OWNER = "owner", _("owner")
    PUBLIC_TENANT = "public_tenant", _("public housing tenant")


class ContractKind(models.TextChoices):
    PRELIMINARY = "preliminary", _("preliminary (developer-appointed)")
    FORMAL = "formal", _("formal (owner-appointed)")


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    VICE_CHAIR = "vice_chair", _("vice chair")
    MEMBER = "member", _("member")


class FacilityKind(models.TextChoices):
    ELEVATOR = "elevator", _("elevator")
    EBIKE_CHARGING = "ebike_charging", _("e-bike charging site")
    SECONDARY_WATER = "secondary_water", _("secondary water supply")
    FIRE_SYSTEM = "fire_system", _("fire protection system")
    CCTV = "cctv", _("CCTV")
    PARCEL_LOCKER = "parcel_locker", _("parcel lockers")
    RAIN_SEWAGE = "rain_sewage", _("rain/sewage separation")
    ACCESS_CONTROL = "access_control", _("access control")
    OTHER = "other", _("other")


class FacilityStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("in service")
    FAULTY = "faulty", _("faulty")
    OUT_OF_SERVICE = "out_of_service", _("out of service")


class AssessmentKind(models.TextChoices):
    MEILI_STANDARD = "meili_standard", _("Beautiful Home: standard passed")
    MEILI_MODEL = "meili_model", _("Beautiful Home: model estate")


class DocumentKind(models.TextChoices):
    RULES = "rules", _("rules of procedure")
    COVENANT = "covenant", _("owners' covenant")
    MINUTES = "minutes", _("minutes")
    NOTICE = "notice", _("notice")
    OTHER = "other", _("other")
