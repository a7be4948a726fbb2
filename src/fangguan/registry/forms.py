"""The one filter form of every list built on a django-ninja FilterSchema: the registry's lists
(``/r/<list>/``, ``web.views``) and the development lists (``/development/<list>/``).

``FilterForm`` has one control per FilterSchema field under the API's own parameter names (a
field's alias when it has one: ``from``, ``to``), so a list page, its export, the API and the
drill-down links of the plan's progress page read the same query string; plus rows per page. It
turns GET parameters into clean values (a bad value is a message, never a 500); the FilterSchema
itself then narrows the scoped queryset, exactly as the API does.

The choices of a filter naming a town, neighbourhood committee, estate, management area, company
or owners' committee come from the user's scope in one place, ``scope_choices``: a town office
filtering its records wants its own town, not all twelve (issue 18).

It lives in the registry, below the web and the modules, because its choices are registry
records and both the web's pages and ``development`` (a layer under the web) build it.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import FilterLookup

from fangguan.accounts.roles import reads_everything, town_ids
from fangguan.core.resources import PAGE_SIZES, Resource, filter_params, filter_type

from . import models as m

# Filters that take the id of a record and are shown as a select of the records in the user's scope.
SELECT_FILTERS: dict[str, type[models.Model]] = {
    "town": m.Town,
    "neighbourhood": m.Neighbourhood,
    "estate": m.Estate,
    "area": m.ManagementArea,
    "company": m.Company,
    "committee": m.OwnersCommittee,
}
# Filters on records too numerous for a select: set by links from detail pages, shown as a chip
# (a list may add its own: the development lists' project and estate come from the progress page).
HIDDEN_FILTERS: dict[str, type[models.Model]] = {"building": m.Building, "home": m.Home, "person": m.Person}
# What a hidden record's label (``__str__``) reads.
LABEL_JOINS: dict[type[models.Model], tuple[str, ...]] = {m.Building: ("estate",), m.Home: ("building__estate",)}

FILTER_LABELS = {
    "q": _("Search"),
    "delivered_from": _("delivered from"),
    "delivered_to": _("delivered to"),
    "filed": _("filed with the bureau"),
    "flagged": _("needs review"),
    "in_force_on": _("in force on"),
    # the dashboard's date filters (filters.py)
    "as_of": _("in the registry on"),
    "meili_on": _("Beautiful Home standard held on"),
    "charging_on": _("e-bike charging site on"),
    "serving_on": _("serving on"),
    "filed_as_of": _("filed and in force on"),
    "party_group_on": _("party working group by"),
    "overlap_on": _("member on an owners' committee on"),
    "subcommittee_on": _("property sub-committee on"),
}


def labelled(label, value) -> str:
    """``label: value`` with the language's punctuation (a full-width colon in Chinese)."""
    return gettext("%(label)s: %(value)s") % {"label": label, "value": value}


def scope_choices(model: type[models.Model], user) -> models.QuerySet:
    """A list filter's choices of ``model``: the records within the user's own area — the one
    place every filter panel takes them from.

    The bureau and auditors read the district and get every record they see. Anyone else gets the
    estates, areas and owners' committees their scope shows, and of the public registers (towns,
    neighbourhood committees, companies — readable by every user) only the records reaching those
    estates: the towns of their estates and of the town offices they work for, the neighbourhood
    committees of their estates, the companies with a contract on one of their estates."""
    qs = model.objects.visible_to(user)
    if reads_everything(user):
        return qs
    estates = m.Estate.objects.visible_to(user)
    if model is m.Town:
        return qs.filter(models.Q(pk__in=estates.values("town_id")) | models.Q(pk__in=town_ids(user)))
    if model is m.Neighbourhood:
        return qs.filter(pk__in=estates.values("neighbourhood_id"))
    if model is m.Company:
        return qs.filter(pk__in=m.Contract.objects.filter(area__estate__in=estates).values("company_id"))
    return qs


def style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (templates stay free of per-widget markup)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _field_at(model: type[models.Model], path: str) -> models.Field | None:
    """The model field at the end of ``path`` (``project__housing_type``); None when the path does
    not end on a field (``passed_on__gte`` ends on a lookup)."""
    current, field = model, None
    try:
        for part in path.split("__"):
            if current is None:
                return None
            field = current._meta.get_field(part)
            current = field.related_model
    except FieldDoesNotExist:
        return None
    return field


def filter_model_field(model: type[models.Model], name: str, info) -> models.Field | None:
    """The model field a filter names: the field of its name, else the one its lookup ends on
    (a permit's ``housing_type`` is its project's)."""
    field = _field_at(model, name)
    if field is not None:
        return field
    for meta in info.metadata:
        if isinstance(meta, FilterLookup):
            lookups = [meta.q] if isinstance(meta.q, str) else list(meta.q)
            if len(lookups) == 1:
                return _field_at(model, lookups[0])
    return None


class FilterForm(forms.Form):
    """A list's filter controls, one per FilterSchema field, plus rows per page.

    ``hidden``: the list's filters set by links, shown as removable chips rather than controls
    (beyond ``HIDDEN_FILTERS``); ``labels``: the list's own labels of filters that are no model
    field (beyond ``FILTER_LABELS``)."""

    per_page = forms.TypedChoiceField(
        label=_("Rows per page"), choices=[(n, n) for n in PAGE_SIZES], coerce=int, required=False
    )

    def __init__(self, data, *, resource: Resource, user,
                 hidden: Mapping[str, type[models.Model]] | None = None, labels: Mapping[str, Any] | None = None):
        super().__init__(data)
        self.resource = resource
        self.hidden = {**HIDDEN_FILTERS, **(hidden or {})}
        self.labels = {**FILTER_LABELS, **(labels or {})}
        self.filter_names = []
        fields = {}
        for name, info in resource.filters.model_fields.items():
            param = info.alias or name
            fields[param] = self._field(name, info, user)
            self.filter_names.append(param)
        self.fields = {**fields, "per_page": self.fields["per_page"]}
        style(self)

    def _label(self, name: str, model_field: models.Field | None):
        label = self.labels.get(name)
        if label is None and name in self.hidden:
            label = self.hidden[name]._meta.verbose_name
        if label is None and name in SELECT_FILTERS:
            label = SELECT_FILTERS[name]._meta.verbose_name
        if label is None and name in ("date_from", "date_to"):
            # the date the list counts by (development: listed, issued, ready, completed)
            dated = _field_at(self.resource.model, getattr(self.resource.filters, "date_field", ""))
            what = dated.verbose_name if dated is not None else _("date")
            label = (_("%(date)s from") if name == "date_from" else _("%(date)s to")) % {"date": what}
        if label is None:
            label = model_field.verbose_name if model_field is not None else name
        return capfirst(label)

    def _field(self, name: str, info, user) -> forms.Field:
        kind = filter_type(info.annotation)
        model_field = filter_model_field(self.resource.model, name, info)
        label = self._label(name, model_field)
        if name == "q":
            return forms.CharField(label=label, required=False, max_length=100,
                                   widget=forms.TextInput(attrs={"type": "search", "placeholder": _("keyword; pinyin and initials work too")}))
        if name in self.hidden and kind is int:
            model = self.hidden[name]
            return forms.ModelChoiceField(model.objects.visible_to(user).select_related(*LABEL_JOINS.get(model, ())),
                                          label=label, required=False, widget=forms.HiddenInput)
        if name in SELECT_FILTERS and kind is int:
            return forms.ModelChoiceField(scope_choices(SELECT_FILTERS[name], user), label=label,
                                          required=False, empty_label=_("All"))
        if kind is bool:
            return forms.NullBooleanField(label=label, required=False, widget=forms.Select(
                choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]))
        if kind is dt.date:
            return forms.DateField(label=label, required=False, widget=DateInput)
        if kind is int:
            return forms.IntegerField(label=label, required=False)
        literal = typing.get_origin(kind) is typing.Literal
        if literal or (model_field is not None and model_field.choices):
            names = dict(model_field.flatchoices) if model_field is not None and model_field.choices else {}
            values = typing.get_args(kind) if literal else list(names)
            return forms.ChoiceField(label=label, required=False,
                                     choices=[("", _("All")), *((v, names.get(v, v)) for v in values)])
        return forms.CharField(label=label, required=False, max_length=100)

    def filter_params(self) -> dict[str, Any]:
        """The valid, non-empty filter values as the API's parameters (records as ids)."""
        return filter_params(getattr(self, "cleaned_data", {}), self.filter_names)

    def messages(self) -> list[str]:
        return [labelled(self.fields[name].label if name in self.fields else name, error)
                for name, errors in self.errors.items() for error in errors]

    def chips(self) -> list[dict]:
        """Filters set by a link that have no control, each with the query string removing it."""
        cleaned = getattr(self, "cleaned_data", {})
        chips = []
        for name in self.hidden:
            if name not in self.fields or cleaned.get(name) is None:
                continue
            rest = self.data.copy()
            for key in (name, "page"):
                rest.pop(key, None)
            chips.append({"text": labelled(self.fields[name].label, cleaned[name]), "value": str(cleaned[name]),
                          "remove": f"?{rest.urlencode()}"})
        return chips

    def visible_controls(self):
        return [self[n] for n in self.fields if n not in self.hidden]
