"""Turning one cell as read (text from CSV; text, number, date or bool from .xlsx) into a value.

Each parser returns the value and, when it had to normalise the cell to get there, a short
label of what it did (the dry run reports these per column). A cell that cannot be read raises
``CellError`` with a message in the user's language. Only the *form* of a value is handled
here — whether the value is allowed (positive areas, check characters, known choices…) is
decided by the models, never here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)
_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

N_SERIAL = gettext_lazy("date given as an Excel serial number")
N_DATE = gettext_lazy("date written as %(form)s")
N_WIDTH = gettext_lazy("full-width characters made half-width")
N_SPACES = gettext_lazy("spaces or thousands separators removed")


class CellError(ValueError):
    pass


def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number_text(raw: float) -> str:
    return str(int(raw)) if raw == int(raw) else repr(raw)


def text(raw: Any) -> tuple[str, str | None]:
    if isinstance(raw, bool):
        return ("是" if raw else "否"), None
    if isinstance(raw, float):
        return _number_text(raw), None
    if isinstance(raw, dt.datetime | dt.date):
        return raw.strftime("%Y-%m-%d"), None
    return str(raw).strip(), None


def code(raw: Any) -> tuple[str, str | None]:
    """Codes and numbers written as text (estate codes, room numbers): full-width folded."""
    value, _n = text(raw)
    folded = unicodedata.normalize("NFKC", value).strip()
    return folded, (str(N_WIDTH) if folded != value else None)


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # ASCII only: \d matches full-width digits too


def _numeric_text(raw: Any) -> tuple[str, str | None]:
    value = str(raw)
    if _PLAIN_NUMBER.fullmatch(value):  # the common case, nothing to normalise
        return value, None
    note = None
    folded = unicodedata.normalize("NFKC", value)
    if folded != value:
        note = str(N_WIDTH)
    squeezed = _SPACES.sub("", folded.strip())
    if "," in squeezed:
        squeezed = squeezed.replace(",", "")
        note = note or str(N_SPACES)
    elif squeezed != folded.strip():
        note = note or str(N_SPACES)
    return squeezed, note


def integer(raw: Any) -> tuple[int, str | None]:
    if isinstance(raw, bool):
        raise CellError(_("Give a whole number."))
    if isinstance(raw, int):
        return raw, None
    if isinstance(raw, float):
        if raw != int(raw):
            raise CellError(_("Give a whole number."))
        return int(raw), None
    value, note = _numeric_text(raw)
    try:
        return int(value), note
    except ValueError:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise CellError(_("Give a whole number.")) from None
        if number != number.to_integral_value():
            raise CellError(_("Give a whole number.")) from None
        return int(number), note


def decimal(raw: Any) -> tuple[Decimal, str | None]:
    if isinstance(raw, bool):
        raise CellError(_("Give a number."))
    if isinstance(raw, int):
        return Decimal(raw), None
    if isinstance(raw, float):
        # a spreadsheet's binary float: the shortest decimal that reads back as the same float
        return Decimal(repr(raw)).normalize() if raw != int(raw) else Decimal(int(raw)), None
    value, note = _numeric_text(raw)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("Give a number.")) from None
    if not number.is_finite():
        raise CellError(_("Give a number."))
    return number, note


def date(raw: Any) -> tuple[dt.date, str | None]:
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, bool):
        raise CellError(_("Give a date as 2020-12-31."))
    if isinstance(raw, int | float):
        if not 1 <= raw < 2958466:  # 1900-01-01 … 9999-12-31
            raise CellError(_("Give a date as 2020-12-31."))
        return EXCEL_EPOCH + dt.timedelta(days=int(raw)), str(N_SERIAL)
    value = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE.match(value) or _DATE_COMPACT.match(value)
    if match is None:
        try:  # an ISO datetime: keep the day
            return dt.datetime.fromisoformat(value).date(), None
        except ValueError:
            if re.fullmatch(r"\d{1,5}(\.0+)?", value):
                return date(float(value))
            raise CellError(_("Give a date as 2020-12-31.")) from None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(_("There is no such date.")) from None
    note = None
    if value != day.isoformat():
        if "年" in value:
            form = "2020年12月31日"
        elif match.re is _DATE_COMPACT:
            form = "20201231"
        else:
            form = _shape(value)
        note = str(N_DATE) % {"form": form}
    return day, note


def _shape(value: str) -> str:
    """How a date was written, as a pattern (``2020/12/31``), for the dry run's notes."""
    sep = next((c for c in value if not c.isdigit()), "-")
    return f"2020{sep}12{sep}31"


TRUE = {"是", "y", "yes", "true", "1", "有", "√", "✓", "t"}
FALSE = {"否", "n", "no", "false", "0", "无", "×", "f"}


def boolean(raw: Any) -> tuple[bool, str | None]:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, int | float):
        if raw in (0, 1):
            return bool(raw), None
        raise CellError(_("Give 是 or 否."))
    value = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if value in TRUE:
        return True, None
    if value in FALSE:
        return False, None
    raise CellError(_("Give 是 or 否."))


def choice_map(choices) -> dict[str, str]:
    """Every way a value of ``choices`` may be written: its Chinese and English labels, its key."""
    mapping: dict[str, str] = {}
    for lang in ("zh-hans", "en"):
        with override(lang):
            for value, label in choices.choices:
                mapping[_fold(str(label))] = value
                mapping[str(label)] = value
    for value in choices.values:
        mapping[_fold(value)] = value
    return mapping


def choice_label(choices, value: str) -> str:
    """The label an export writes (the user's language, Chinese by default)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _fold(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def choice(raw: Any, mapping: dict[str, str], choices) -> tuple[str, str | None]:
    value = mapping.get(raw) if isinstance(raw, str) else None  # the common case: written as exported
    if value is None:
        value = mapping.get(_fold(str(raw)))
    if value is None:
        labels = "、".join(str(label) for _v, label in choices.choices)
        raise CellError(_("Not one of the allowed values: %(values)s.") % {"values": labels})
    return value, None
