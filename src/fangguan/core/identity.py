"""Identity documents, credit codes and phone numbers: normalise, validate, mask.

Check characters are computed by python-stdnum (GB 11643 resident ID, ISO 7064 MOD 11-2; GB
32100 unified social credit code, MOD 31) and phone numbers parsed by phonenumbers; nothing
here re-implements a check digit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident identity card")
    HK_MACAU_PERMIT = "hk_macau_permit", _("Hong Kong/Macau travel permit")
    TAIWAN_PERMIT = "taiwan_permit", _("Taiwan travel permit")
    HMT_RESIDENCE = "hmt_residence", _("HK/Macau/Taiwan residence permit")
    PASSPORT = "passport", _("passport")
    CREDIT_CODE = "credit_code", _("unified social credit code")
    OTHER = "other", _("other document")


def normalise(value: str) -> str:
    """Full-width to half-width, no spaces or dashes, upper case."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value).upper()


_PATTERNS = {
    IdType.HK_MACAU_PERMIT: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    IdType.TAIWAN_PERMIT: re.compile(r"^\d{8}$"),
    IdType.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    IdType.OTHER: re.compile(r"^[A-Z0-9]{4,30}$"),
}


@dataclass(frozen=True)
class CheckedNumber:
    value: str
    flagged: bool = False  # accepted, but needs a person to review it (pilot credit codes)


def check_id_number(id_type: str, raw: str) -> CheckedNumber:
    """Validate an identity document number of the given type; raise ValidationError if bad."""
    value = normalise(raw)
    if not value:
        raise ValidationError(_("The identity number is empty."), code="required")
    if id_type in (IdType.RESIDENT_ID, IdType.HMT_RESIDENCE):
        try:
            ric.validate(value)
        except InvalidChecksum:
            raise ValidationError(_("The check character of the identity number is wrong."), code="checksum") from None
        except StdnumError:
            raise ValidationError(_("The identity number is not a valid 18-character resident ID."), code="invalid") from None
        if id_type == IdType.HMT_RESIDENCE and value[:2] not in {"81", "82", "83"}:
            raise ValidationError(_("A HK/Macau/Taiwan residence permit number starts with 81, 82 or 83."), code="invalid")
        return CheckedNumber(value)
    if id_type == IdType.CREDIT_CODE:
        return check_credit_code(value)
    pattern = _PATTERNS.get(id_type)
    if pattern is None:
        raise ValidationError(_("Unknown identity document type."), code="invalid")
    if not pattern.match(value):
        raise ValidationError(_("The document number has the wrong format."), code="invalid")
    return CheckedNumber(value)


def check_credit_code(raw: str) -> CheckedNumber:
    """GB 32100: a wrong format is refused; a failing check character is flagged for review,
    because early pilot codes were issued that fail it (REQUIREMENTS, "Identity numbers")."""
    value = normalise(raw)
    try:
        uscc.validate(value)
    except InvalidChecksum:
        return CheckedNumber(value, flagged=True)
    except StdnumError:
        raise ValidationError(_("The unified social credit code must be 18 characters of digits and capital letters."), code="invalid") from None
    return CheckedNumber(value)


def check_phone(raw: str) -> str:
    """A mainland mobile or landline number in national form (digits only)."""
    value = normalise(raw).lstrip("+")
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("The phone number is not valid."), code="invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("The phone number is not valid."), code="invalid")
    national = phonenumbers.national_significant_number(parsed)
    return national if national.startswith("1") else "0" + national


def mask(value: str, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """``310***********123X``, ``138****5678``: enough to recognise, not enough to use."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        keep_start, keep_end = (1, 1) if len(value) > 2 else (0, 0)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask(value, keep_start=3, keep_end=4) if len(value) >= 15 else mask(value, keep_start=1, keep_end=2)


def mask_phone(value: str) -> str:
    return mask(value, keep_start=3, keep_end=4)
