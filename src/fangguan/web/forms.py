"""Forms of the generic registry pages, built from the same declarations the API uses.

The lists' filter form is ``fangguan.registry.forms.FilterForm``, the one the development lists
use too (its choices come from the user's scope in one place, ``registry.forms.scope_choices``).

``RecordForm`` is generated from a resource's ``create_in`` schema (the API's input contract)
with model fields' labels, widgets and choices. It only parses input: validation that matters
(model ``clean``, constraints, scope) happens in the services, whose errors are put back next to
the fields. Foreign-key choices are limited to records the user can see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fangguan.core.resources import Resource
from fangguan.registry import models as m
from fangguan.registry.forms import DateInput, labelled, style

from .tables import pages, resource_of

# Models with too many rows for a select: it offers only the record already chosen (``?building=3``
# from the parent record's "Add" button, or the current value), or all of them when there are few.
# A committee member's person is chosen with a search-as-you-type picker instead (``PersonPicker``).
LARGE = (m.Building, m.Home, m.Person)
LARGE_SELECT_LIMIT = 300


def choices_queryset(model: type[models.Model], user) -> models.QuerySet:
    """Records of ``model`` the user can see, with what their labels (``__str__``) need joined."""
    qs = model.objects.visible_to(user)
    name = resource_of(model)
    if name and pages()[name].related:
        qs = qs.select_related(*pages()[name].related)
    return qs


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class PersonPicker(forms.Widget):
    """A search-as-you-type picker (issue 18): a combobox the user types a name, its pinyin or
    initials into, a listbox of the matching people (``search/candidates/``, asked by web/app.js
    after a pause in typing; arrow keys and Enter choose) and the hidden input the form posts.
    ``committee``: the committee whose estate's people it offers, when the form has no committee
    field of its own (else the page reads that field's value at each query)."""

    template_name = "web/widgets/person_picker.html"

    def __init__(self, *, queryset, committee: int | None = None, attrs=None):
        super().__init__(attrs)
        self.queryset, self.committee = queryset, committee

    def id_for_label(self, id_):
        return f"{id_}_search" if id_ else id_  # the label names the box one types into

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        context = super().get_context(name, value, attrs)
        chosen = None
        if value not in (None, ""):
            try:
                chosen = self.queryset.filter(pk=int(value)).values("id", "name", "id_number_masked").first()
            except (TypeError, ValueError):
                chosen = None
        context["widget"].update(chosen=chosen, committee=self.committee, url=reverse("search-candidates"))
        return context


# --- Create and edit ----------------------------------------------------------------------------

# Personal numbers are typed in clear, never shown back (the service encrypts and masks them).
PERSONAL = {"id_number": _("identity number"), "phone": _("phone")}
# A person registered with their right in a home (``PersonIn.share``), flattened into the form.
SHARE_FIELDS = ("home", "kind", "share_percent", "since")


def input_names(resource: Resource, *, edit: bool) -> list[str]:
    """The form's fields: the API input schema's, ``share`` expanded, PATCH drops on edit."""
    names = []
    for name in resource.create_in.model_fields:
        if edit and name in resource.patch_drop:
            continue
        if name == "share" and resource.model is m.Person:
            names += [f"share_{s}" for s in SHARE_FIELDS]
        else:
            names.append(name)
    return names


class RecordForm(forms.Form):
    """Create or edit one record of a resource; ``names`` are the fields this user may set."""

    def __init__(self, data=None, *, resource: Resource, user, names: list[str], instance=None, initial=None):
        super().__init__(data, initial=initial)
        self.resource, self.instance = resource, instance
        self.fields_named = set(names)
        for name in names:
            self.fields[name] = self._field(name, user)
        style(self)

    def _field(self, name: str, user) -> forms.Field:
        model = self.resource.model
        if model is m.Person and name in PERSONAL:
            help_text = _("Leave blank to keep the current value.") if self.instance else ""
            return forms.CharField(label=PERSONAL[name], required=False, max_length=40, help_text=help_text,
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
        if model is m.Person and name.startswith("share_"):
            field = self._model_field(m.HomeShare, name.removeprefix("share_"), user)
            field.required = False
            field.label = labelled(capfirst(_("home share")), field.label)
            return field
        return self._model_field(model, name, user)

    def _model_field(self, model, name: str, user) -> forms.Field:
        model_field = model._meta.get_field(name)
        if (model, name) == (m.CommitteeMember, "person"):
            return self._member_person(model_field, user)
        if model_field.is_relation:
            related = model_field.related_model
            qs = choices_queryset(related, user)
            help_text = ""
            if related in LARGE:
                chosen = self._chosen(self._form_name(model, name))
                if chosen is not None:
                    qs = qs.filter(pk=chosen)
                elif qs.count() > LARGE_SELECT_LIMIT:
                    qs = qs.none()
                    help_text = _("Too many to list here: open this form with the “Add” button on the parent record's page.")
            return forms.ModelChoiceField(qs, label=capfirst(model_field.verbose_name), help_text=help_text,
                                          required=not model_field.blank)
        field = model_field.formfield()
        if isinstance(model_field, models.DateField):
            field.widget = DateInput()
        return field

    def _member_person(self, model_field, user) -> forms.Field:
        """A committee member's person: one of the people with a right in a home of the
        committee's estate, found by typing (issue 18). The field accepts exactly the people the
        picker offers (``search.pickers.estate_people``) for the committee posted or pre-filled;
        the page asks the picker's fragment for the options of the committee chosen now."""
        from fangguan.search.pickers import estate_people  # web sits above search

        committee_id = self._chosen("committee")
        committee = (m.OwnersCommittee.objects.visible_to(user).select_related("area").filter(pk=committee_id).first()
                     if committee_id is not None else None)
        qs = estate_people(user, committee) if committee is not None else m.Person.objects.none()
        fixed = committee.pk if committee is not None and "committee" not in self.fields_named else None
        return forms.ModelChoiceField(
            qs, label=capfirst(model_field.verbose_name), required=not model_field.blank,
            help_text=_("Type a name, its pinyin or initials: the people with a home in the committee's estate."),
            widget=PersonPicker(queryset=qs, committee=fixed))

    def _chosen(self, name: str) -> int | None:
        """The id already picked for a field (posted, or pre-filled from the query string)."""
        value = (self.data.get(self.add_prefix(name)) if self.is_bound else None) or self.initial.get(name)
        if isinstance(value, models.Model):
            return value.pk
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def _form_name(self, model, name: str) -> str:
        return f"share_{name}" if model is m.HomeShare and self.resource.model is m.Person else name

    def clean(self):
        cleaned = super().clean()
        if "share_home" in self.fields and cleaned.get("share_home") and not cleaned.get("share_since"):
            self.add_error("share_since", _("Give the date the right in the home began."))
        self.model_checks([n for n in self.fields if n in cleaned])
        return cleaned

    def model_checks(self, names: list[str]) -> None:
        """The model's own field rules (ranges, formats, lengths: ``Model.clean_fields``) on the
        values the form accepted, so one submit reports every field's error at once — a missing
        name and a latitude of 95 together — instead of the model's after the form's are fixed.
        The rules stay the model's (one place); the service runs them again, with ``clean()``
        and the scope, before it saves."""
        model = self.resource.model
        names = [n for n in names if n not in self.errors and n in self.cleaned_data
                 and not (model is m.Person and (n in PERSONAL or n.startswith("share_")))
                 and _model_field(model, n) is not None and not _model_field(model, n).many_to_many]
        if not names:
            return
        base = self.instance
        candidate = model(**{f.attname: getattr(base, f.attname) for f in model._meta.concrete_fields}) if base else model()
        for name in names:
            setattr(candidate, name, self.cleaned_data[name])
        try:
            candidate.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in names])
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)

    # What the services get --------------------------------------------------------------------

    def data_for_create(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Field values for ``registry_create``/``person_create``, and the person's share, if any."""
        if self.resource.model is not m.Person:
            return _drop_none_defaults(self.resource, dict(self.cleaned_data)), None
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("share_")}
        share = None
        if self.cleaned_data.get("share_home"):
            share = {s: self.cleaned_data[f"share_{s}"] for s in SHARE_FIELDS}
            share = {k: v for k, v in share.items() if v not in (None, "")}
        return _drop_none_defaults(self.resource, data), share

    def changes(self) -> dict[str, Any]:
        """Only the fields whose value differs from the record's (blank personal numbers: kept)."""
        changes = {}
        for name, value in self.cleaned_data.items():
            if name in PERSONAL and self.resource.model is m.Person:
                if value:
                    changes[name] = value
                continue
            current = getattr(self.instance, name)
            if isinstance(current, models.Model) or isinstance(value, models.Model):
                if getattr(current, "pk", None) != getattr(value, "pk", None):
                    changes[name] = value
            elif value != current:
                changes[name] = value
        return changes

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ValidationError next to the fields it names (else at the top)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            target = name if name in self.fields else f"share_{name}" if f"share_{name}" in self.fields else None
            for error in errors:
                self.add_error(target, error)


# --- Bulk edit ---------------------------------------------------------------------------------

# A record's own name for people: never the same value for many records at once.
OWN_NAMES = frozenset({"name", "title"})


def bulk_names(resource: Resource, may: set[str] | None) -> list[str]:
    """The fields a bulk edit offers: the edit form's (``may``: only those every chosen record's
    grant covers; None: all), less what is each record's own — its name, a unique field, a field
    that names it within a unique constraint (a code, a room number), personal numbers — and
    references to records too numerous for a select (buildings, homes, people)."""
    model = resource.model
    own = set(OWN_NAMES) | (set(PERSONAL) if model is m.Person else set())
    for constraint in [*model._meta.constraints, *({"fields": f} for f in model._meta.unique_together)]:
        fields = constraint.fields if hasattr(constraint, "fields") else constraint["fields"]
        own |= {n for n in fields or () if not model._meta.get_field(n).is_relation}
    names = []
    for name in input_names(resource, edit=True):
        field = _model_field(model, name)
        if field is None or name in own or field.unique or (may is not None and name not in may):
            continue
        if field.is_relation and field.related_model in LARGE:
            continue
        names.append(name)
    return names


class BulkEditForm(RecordForm):
    """One value for each ticked field, given to every chosen record. A field is changed only
    when its "change" box is ticked (so an empty value can mean "clear it"); every ticked field
    is checked at once, against the model's field rules on one of the chosen records
    (``sample``); the service then validates each record whole."""

    def __init__(self, data=None, *, resource: Resource, user, names: list[str], sample):
        super().__init__(data, resource=resource, user=user, names=names, instance=sample)
        self.names = names
        self.needed = {}
        for name in names:
            field = self.fields[name]
            self.needed[name], field.required = field.required, False
            self.fields[f"apply_{name}"] = forms.BooleanField(
                label=_("Change %(field)s") % {"field": field.label}, required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input app-bulk-apply"}))

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"apply_{n}"], self[n]) for n in self.names]

    def chosen(self) -> list[str]:
        cleaned = getattr(self, "cleaned_data", {})
        return [n for n in self.names if cleaned.get(f"apply_{n}")]

    def clean(self):
        cleaned = forms.Form.clean(self)
        chosen = self.chosen()
        for name in self.names:
            if name not in chosen:  # a value typed into a field left unticked is not used
                self._errors.pop(name, None)
                cleaned.pop(name, None)
            elif self.needed[name] and cleaned.get(name) in (None, ""):
                self.add_error(name, forms.Field.default_error_messages["required"])
        if not chosen:
            self.add_error(None, _("Tick at least one field to change."))
        self.model_checks(chosen)
        return cleaned

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.chosen()}


def _drop_none_defaults(resource: Resource, data: dict[str, Any]) -> dict[str, Any]:
    """Empty optional inputs take the model default (e.g. a blank CharField is "", not None)."""
    out = {}
    for name, value in data.items():
        field = _model_field(resource.model, name)
        if value is None and field is not None and not field.null:
            continue
        out[name] = value
    return out


def initial_from(params, names: list[str]) -> dict[str, Any]:
    """Pre-filled values from the query string (``?estate=3`` from an estate's page)."""
    initial = {n: params[n] for n in names if params.get(n)}
    if "share_home" in names and params.get("home"):  # a person registered from a home's page
        initial["share_home"] = params["home"]
    return initial


def initial_of(instance, names: list[str]) -> dict[str, Any]:
    initial = {}
    for name in names:
        if name in PERSONAL and isinstance(instance, m.Person):
            continue
        field = _model_field(type(instance), name)
        if field is not None:
            initial[name] = getattr(instance, field.attname)
    return initial


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Which value"), choices=list(PERSONAL.items()), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), min_length=2, max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("The reason is kept in the security log with your name."))

    def __init__(self, *args, person: m.Person, **kwargs):
        super().__init__(*args, **kwargs)
        present = [(k, v) for k, v in PERSONAL.items() if getattr(person, f"{k}_masked")]
        self.fields["field"].choices = present
        style(self)
        self.fields["field"].widget.attrs["class"] = "form-check-input"


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Note that both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self):
        """A locked account or throttled address gets its own message, not "wrong password"."""
        from fangguan.accounts.security import status
        from fangguan.core.context import current

        try:
            return super().clean()
        except ValidationError:
            refused = status(self.cleaned_data.get("username", ""), current().source_ip)
            if refused.refused:
                raise ValidationError(refused.message(), code="locked") from None
            raise
