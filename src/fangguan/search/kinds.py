"""The record types the top bar searches, each with how a query matches it, what a result shows
and where it links. Every type is read through its own module's scope rule
(``Model.objects.visible_to(user)``): search adds no rule of its own, so a result is exactly a
record the user could open from its list.

How a query matches (``Query``):

- names contain the text (Chinese as typed); ASCII text also matches the stored pinyin key
  (``core.text.pinyin_key``: full pinyin and initials, so 朱泾新苑 answers "zhujing" and "zjxy");
  codes, credit codes and real-estate unit numbers match exactly;
- an address — an estate, then a building number, then a room — finds buildings and homes
  ("朱泾新苑 3号 101", "zjxy 3 101", or estate and room);
- a number ("4733" or "#4733") finds the repair request, complaint or fund application of that
  number ("#4733" only those; "4733" also a code of that value);
- a person matches by name, or — when the text is an identity number or a phone — by the blind
  index of that number (``registry.models.id_number_index`` / ``phone_index``): the clear value
  is never read, and a result shows the masked copies only.

Each type's query is one SQL statement with a LIMIT (``selectors.search``); the text lookups are
``contains`` (``LIKE '%…%'``), served on PostgreSQL by trigram indexes on the big tables' names
(registry migration 0005), and by the tables' own indexes for the address and number forms.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangguan.core.identity import check_phone, normalise
from fangguan.funds.models import Application
from fangguan.registry import models as rm
from fangguan.repairs.models import RepairRequest
from fangguan.supervision.models import Complaint, Inspection
from fangguan.votes.models import Vote

MAX_LENGTH = 100
_NUMBER = re.compile(r"^#?(\d{1,12})$")
_IDENTIFIER = re.compile(r"^[0-9A-Z]{6,20}$")


@dataclass(frozen=True)
class Query:
    """A query as typed, read once: its terms and the forms it can take."""

    text: str  # stripped, inner whitespace collapsed, at most MAX_LENGTH characters
    terms: tuple[str, ...]
    number: int | None  # "4733" or "#4733"
    id_index: str | None  # blind index of the text read as an identity number
    phone_index: str | None  # blind index of the text read as a phone number

    @classmethod
    def parse(cls, raw: str) -> Query:
        text = " ".join((raw or "").split())[:MAX_LENGTH]
        terms = tuple(text.split())
        found = _NUMBER.match(text)
        number = int(found.group(1)) if found else None
        id_index = phone_index = None
        compact = normalise(text)
        if _IDENTIFIER.match(compact) and any(ch.isdigit() for ch in compact):
            id_index = rm.id_number_index(compact)
            with contextlib.suppress(ValidationError):
                phone_index = rm.phone_index(check_phone(compact))
        return cls(text=text, terms=terms, number=number, id_index=id_index, phone_index=phone_index)

    @property
    def only_numbered(self) -> bool:
        """"#4733": a record's number and nothing else."""
        return self.number is not None and self.text.startswith("#")

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def identifier(self) -> bool:
        """The text could be an identity number or a phone: the page keeps it out of every URL
        (browser history, bookmarks, the Referer header) — ``views.search_page``."""
        return self.id_index is not None


def _ascii(term: str) -> bool:
    return term.isascii()


def _named(term: str, prefix: str = "", *, pinyin: bool = True, code: str | None = "code", also=()) -> Q:
    """``term`` in a name (or its pinyin key), or equal to the code. Digits alone only match a
    code: "12" would be in half the names and addresses of the district."""
    if term.isdigit():
        return Q(**{f"{prefix}{code}__iexact": term}) if code else Q(pk__in=[])
    q = Q(**{f"{prefix}name__contains": term})
    if pinyin and _ascii(term):
        q |= Q(**{f"{prefix}name_pinyin__contains": term.lower()})
    if code:
        q |= Q(**{f"{prefix}{code}__iexact": term})
    for field in also:
        q |= Q(**{f"{prefix}{field}__contains": term})
    return q


def _all(terms, one: Callable[[str], Q]) -> Q:
    q = Q()
    for term in terms:
        q &= one(term)
    return q


def _estate_terms(terms, prefix: str) -> Q:
    return _all(terms, lambda t: _named(t, prefix))


def _status(model, row) -> str:
    return str(dict(model._meta.get_field("status").flatchoices).get(row["status"], row["status"]))


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _registry(resource: str) -> Callable[[dict], str]:
    return lambda row: reverse("registry-detail", args=[resource, row["id"]])


@dataclass(frozen=True)
class Kind:
    """One searchable record type."""

    name: str  # the type's name in answers and in ``?type=``
    label: object  # plural, translated
    model: type
    match: Callable[[Query], Q | None]  # None: this query cannot be this type (no SQL is sent)
    fields: tuple[str, ...]  # what ``values()`` reads for a result
    title: Callable[[dict], str]
    subtitle: Callable[[dict], str]
    url: Callable[[dict], str]
    order: tuple = ()
    numbered: bool = False  # records known by a number ("#4733" asks only these)

    def queryset(self, user):
        """The rows of this type the user may see: the module's own scope rule."""
        return self.model.objects.visible_to(user)


# --- How each type matches -----------------------------------------------------------------------


def _estates(q: Query) -> Q:
    return _all(q.terms, lambda t: _named(t, also=("address",)))


def _buildings(q: Query) -> Q | None:
    if len(q.terms) < 2:
        return None
    return _estate_terms(q.terms[:-1], "estate__") & Q(number__istartswith=q.terms[-1])


def _homes(q: Query) -> Q | None:
    if len(q.terms) == 1:  # a real-estate unit number, as written (its unique index answers)
        term = q.terms[0]
        return Q(property_unit_number=term.upper()) if any(ch.isdigit() for ch in term) else None
    room = Q(room_number__istartswith=q.terms[-1])
    if len(q.terms) == 2:
        return _estate_terms(q.terms[:1], "building__estate__") & room
    return (_estate_terms(q.terms[:-2], "building__estate__") & Q(building__number__istartswith=q.terms[-2])
            & room)


def person_named(q: Query, *, narrowed: bool = False) -> Q:
    """People whose name holds the text as typed (terms joined: "zhang li" is "zhangli"), or —
    ASCII text — whose pinyin key does: full pinyin or initials ("zl", "zhangli" → 张丽).
    District-wide one character is a prefix and one letter matches no pinyin; ``narrowed``
    (the rows are already one estate's few thousand, the member picker) lifts both."""
    text = "".join(q.terms)
    short = len(text) == 1 and not narrowed
    # One character (a surname) is a prefix: no trigram index helps a one-letter LIKE '%王%' (a
    # scan of every person), while LIKE '王%' is answered by the same trigram index.
    lookup = "startswith" if short else "contains"
    found = Q(**{f"name__{lookup}": text})
    if _ascii(text) and not short:  # one letter of pinyin would be a tenth of the district
        found |= Q(**{f"name_pinyin__{lookup}": text.lower()})
    return found


def _people(q: Query) -> Q:
    found = person_named(q)
    if q.id_index:
        found |= Q(id_number_index=q.id_index)
    if q.phone_index:
        found |= Q(phone_index=q.phone_index)
    return found


def _companies(q: Query) -> Q:
    return _all(q.terms, lambda t: _named(t, code="credit_code"))


def _named_only(q: Query) -> Q:
    return _all(q.terms, lambda t: _named(t, pinyin=False))


def _titled(q: Query) -> Q:
    return _all(q.terms, lambda t: Q(title__contains=t))


def _numbered(q: Query) -> Q | None:
    return None if q.number is None else Q(pk=q.number)


def _numbered_or_titled(q: Query) -> Q:
    found = _titled(q)
    return found | Q(pk=q.number) if q.number is not None else found


def _inspected(q: Query) -> Q:
    return _estate_terms(q.terms, "estate__")


def _committees(q: Query) -> Q:
    return _all(q.terms, lambda t: Q(name__contains=t) | _named(t, "area__estate__"))


# --- The types, in the order results are shown ---------------------------------------------------


KINDS: tuple[Kind, ...] = (
    Kind("repairs", _("repair requests"), RepairRequest, _numbered,
         ("id", "category__name", "estate__name", "status", "created_at"),
         title=lambda r: f"#{r['id']} {r['category__name']}",
         subtitle=lambda r: _join(r["estate__name"], _status(RepairRequest, r), r["created_at"].date()),
         url=lambda r: reverse("repairs-detail", args=[r["id"]]), order=("-pk",), numbered=True),
    Kind("estates", _("estates"), rm.Estate, _estates, ("id", "name", "code", "town__name", "address"),
         title=lambda r: r["name"], subtitle=lambda r: _join(r["code"], r["town__name"], r["address"]),
         url=_registry("estates"), order=(Length("name"), "name", "pk")),
    Kind("buildings", _("buildings"), rm.Building, _buildings, ("id", "number", "estate__name", "estate__town__name"),
         title=lambda r: f"{r['estate__name']} {r['number']}", subtitle=lambda r: r["estate__town__name"],
         url=_registry("buildings"), order=(Length("number"), "number", "pk")),
    Kind("homes", _("homes"), rm.Home, _homes,
         ("id", "room_number", "building__number", "building__estate__name", "area_m2", "property_unit_number"),
         title=lambda r: f"{r['building__estate__name']} {r['building__number']} {r['room_number']}",
         subtitle=lambda r: _join(f"{r['area_m2']} ㎡", r["property_unit_number"]),
         url=_registry("homes"), order=(Length("room_number"), "room_number", "pk")),
    Kind("people", _("people"), rm.Person, _people, ("id", "name", "id_number_masked", "phone_masked"),
         title=lambda r: r["name"], subtitle=lambda r: _join(r["id_number_masked"], r["phone_masked"]),
         url=_registry("people"), order=("name", "pk")),
    Kind("companies", _("property companies"), rm.Company, _companies, ("id", "name", "credit_code"),
         title=lambda r: r["name"], subtitle=lambda r: r["credit_code"], url=_registry("companies"),
         order=(Length("name"), "name", "pk")),
    Kind("committees", _("owners' committees"), rm.OwnersCommittee, _committees, ("id", "name", "area__estate__name"),
         title=lambda r: r["name"], subtitle=lambda r: r["area__estate__name"], url=_registry("committees"),
         order=("name", "pk")),
    Kind("neighbourhoods", _("neighbourhood committees"), rm.Neighbourhood, _named_only,
         ("id", "name", "code", "town__name"), title=lambda r: r["name"],
         subtitle=lambda r: _join(r["code"], r["town__name"]), url=_registry("neighbourhoods"), order=("code", "pk")),
    Kind("towns", _("towns"), rm.Town, _named_only, ("id", "name", "code"), title=lambda r: r["name"],
         subtitle=lambda r: r["code"], url=_registry("towns"), order=("sort_order", "code")),
    Kind("complaints", _("complaints"), Complaint, _numbered,
         ("id", "estate__name", "company__name", "status"),
         title=lambda r: f"#{r['id']} {r['estate__name']}",
         subtitle=lambda r: _join(r["company__name"], _status(Complaint, r)),
         url=lambda r: reverse("supervision:complaint", args=[r["id"]]), order=("-pk",), numbered=True),
    Kind("inspections", _("inspections"), Inspection, _inspected,
         ("id", "estate__name", "inspected_on", "status"),
         title=lambda r: f"{r['estate__name']} · {r['inspected_on']}", subtitle=lambda r: _status(Inspection, r),
         url=lambda r: reverse("supervision:inspection", args=[r["id"]]), order=("-inspected_on", "-pk")),
    Kind("fund-applications", _("applications to use the fund"), Application, _numbered_or_titled,
         ("id", "title", "estate__name", "status"),
         title=lambda r: f"#{r['id']} {r['title']}", subtitle=lambda r: _join(r["estate__name"], _status(Application, r)),
         url=lambda r: reverse("funds:application", args=[r["id"]]), order=("-pk",), numbered=True),
    Kind("votes", _("owners' votes"), Vote, _titled, ("id", "title", "estate__name", "status"),
         title=lambda r: r["title"], subtitle=lambda r: _join(r["estate__name"], _status(Vote, r)),
         url=lambda r: reverse("votes:detail", args=[r["id"]]), order=("-pk",)),
)

BY_NAME = {kind.name: kind for kind in KINDS}
