"""Web forms of development records: the model's own fields and rules (``clean()`` runs through
the form and again in the service), references limited to what the user may see."""

from __future__ import annotations

import datetime as dt
import typing

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.roles import is_bureau, town_ids
from fangguan.core.resources import PAGE_SIZES, filter_params, filter_type
from fangguan.registry.models import Estate, Town

from . import models as m

FIELDS = {
    "parcels": (m.Parcel, ["code", "name", "town", "area_ha", "planned_use", "residential_share", "listed_on", "status",
                           "latitude", "longitude"]),
    "projects": (m.Project, ["code", "name", "developer", "town", "parcel", "housing_type", "latitude", "longitude"]),
    "permits": (m.Permit, ["project", "kind", "number", "issued_on", "area_m2", "homes", "estate"]),
    "affordable": (m.AffordableQuota, ["project", "homes", "area_m2", "handed_over_on", "ready_on"]),
    "renovations": (m.Renovation, ["code", "name", "town", "kind", "estates", "area_m2", "public_housing_area_m2",
                                   "started_on", "completed_on"]),
}
SCOPED = {"town": Town, "parcel": m.Parcel, "project": m.Project, "estate": Estate, "estates": Estate}


def form_for(resource: str, user, *, data=None, instance=None) -> forms.ModelForm:
    model, fields = FIELDS[resource]
    widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
               for f in fields if model._meta.get_field(f).get_internal_type() == "DateField"}
    form_class = forms.modelform_factory(model, fields=fields, widgets=widgets)
    form = form_class(data=data, instance=instance)
    for name, related in SCOPED.items():
        if name in form.fields:
            form.fields[name].queryset = related.objects.visible_to(user)
    if "town" in form.fields and not is_bureau(user):  # a town office records its own town's
        form.fields["town"].queryset = form.fields["town"].queryset.filter(pk__in=town_ids(user))
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select | forms.SelectMultiple) else "form-control"
        field.widget.attrs.setdefault("class", css)
    return form


# --- List filters ------------------------------------------------------------------------------

HIDDEN = {"project": m.Project, "estate": Estate}  # set by links (the progress page, a project): a chip
LABELS = {"q": _("Search"), "residential": _("with a residential share"), "ready": _("ready for supply")}


class ListFilterForm(forms.Form):
    """A development list's filter panel, one control per field of its FilterSchema under the
    API's own parameter names (``from``, ``to``, ``town`` …), so the progress page's drill-down
    links, the API and this panel read the same query string; plus rows per page. Towns are the
    user's own (a town office its town)."""

    def __init__(self, data, *, resource, user):
        super().__init__(data)
        self.names = []
        for name, info in resource.filters.model_fields.items():
            param = info.alias or name
            self.fields[param] = self._field(resource, name, info.annotation, user)
            self.names.append(param)
        self.fields["per_page"] = forms.TypedChoiceField(label=_("Rows per page"), coerce=int, required=False,
                                                         choices=[(n, n) for n in PAGE_SIZES])
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    @staticmethod
    def _field(resource, name: str, annotation, user) -> forms.Field:
        kind = filter_type(annotation)
        label = LABELS.get(name)
        if name in ("date_from", "date_to"):  # the date the list counts by: listed, issued, ready, completed
            dated = _model_field(resource.model, resource.filters.date_field)
            what = dated.verbose_name if dated is not None else _("date")
            label = (_("%(date)s from") if name == "date_from" else _("%(date)s to")) % {"date": what}
        if name == "town":
            towns = Town.objects.visible_to(user)
            if not is_bureau(user) and town_ids(user):
                towns = towns.filter(pk__in=town_ids(user))
            return forms.ModelChoiceField(towns, label=_("town"), required=False, empty_label=_("All"))
        if name in HIDDEN:
            return forms.ModelChoiceField(HIDDEN[name].objects.visible_to(user), required=False, widget=forms.HiddenInput)
        if kind is dt.date:
            return forms.DateField(label=label, required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        if kind is bool:
            return forms.NullBooleanField(label=LABELS.get(name, name), required=False, widget=forms.Select(
                choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]))
        field = _model_field(resource.model, name)
        if typing.get_origin(kind) is typing.Literal or (field is not None and field.choices):
            labels = dict(field.flatchoices) if field is not None and field.choices else {}
            values = typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else list(labels)
            return forms.ChoiceField(label=field.verbose_name if field is not None else LABELS.get(name, name),
                                     required=False, choices=[("", _("All")), *((v, labels.get(v, v)) for v in values)])
        return forms.CharField(label=label or (field.verbose_name if field is not None else name), required=False,
                               max_length=100)

    def params(self) -> dict:
        """The valid, non-empty filters as the API's query parameters (records as ids)."""
        return filter_params(getattr(self, "cleaned_data", {}), self.names)

    def controls(self):
        return [self[n] for n in [*self.names, "per_page"] if n not in HIDDEN]

    def chips(self) -> list[str]:
        cleaned = getattr(self, "cleaned_data", {})
        return [str(cleaned[n]) for n in HIDDEN if cleaned.get(n) is not None]


def _model_field(model, name: str):
    """The model field a filter names (``housing_type`` on a permit is its project's)."""
    for path in (name, f"project__{name}"):
        current, field = model, None
        try:
            for part in path.split("__"):
                field = current._meta.get_field(part)
                current = field.related_model
        except (FieldDoesNotExist, AttributeError):  # not a field on this path: try the next
            continue
        return field
    return None
