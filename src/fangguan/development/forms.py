"""Web forms of development records: the model's own fields and rules (``clean()`` runs through
the form and again in the service), references limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.roles import is_bureau, town_ids
from fangguan.registry.forms import FilterForm
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
LABELS = {"residential": _("with a residential share"), "ready": _("ready for supply")}


def filter_form(data, *, resource, user) -> FilterForm:
    """A development list's filter panel: the registry's lists' one filter form (same controls,
    choices from the user's scope, pages), under the API's own parameter names (``from``, ``to``,
    ``town`` …), so the progress page's drill-down links, the API and this panel read the same
    query string."""
    return FilterForm(data, resource=resource, user=user, hidden=HIDDEN, labels=LABELS)
