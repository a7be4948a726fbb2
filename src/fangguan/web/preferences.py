"""A user's own list settings: which columns a list shows and in what order, and named filters.

The columns a user may choose from are the list's own (``tables.COLUMNS``) and the model's other
plain fields — those the detail page shows, without secrets, long texts or a relation the list
does not already join — so a chosen column never costs a query per row. The row's link column is
always shown (it is how a row opens)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from fangguan.core.resources import Resource
from fangguan.core.text import has_control_characters

from .models import ListLayout, SavedFilter
from .tables import COLUMNS, HIDDEN_FIELDS, Column, _numeric

MAX_SAVED_FILTERS = 50  # per user and list: a menu, not a store


def available_columns(resource: Resource) -> dict[str, Column]:
    """Every column the list may show, the list's own first, keyed by their path."""
    own = {c.key: c for c in COLUMNS[resource.name]}
    hidden = HIDDEN_FIELDS | getattr(resource.model, "audit_exclude", frozenset())
    extra = {}
    for field in resource.model._meta.concrete_fields:
        if field.name in own or field.name in hidden or (not field.editable and not field.name.endswith("_masked")):
            continue
        if isinstance(field, models.TextField | models.JSONField | models.BinaryField):
            continue
        if field.is_relation and field.name not in resource.related:
            continue
        extra[field.name] = Column(field.name, numeric=_numeric(field.name) or isinstance(
            field, models.IntegerField | models.DecimalField | models.FloatField) and not field.name.endswith("year"))
    return own | extra


def _link_key(resource: Resource) -> str:
    return next(c.key for c in COLUMNS[resource.name] if c.link)


def chosen_columns(user, resource: Resource) -> tuple[Column, ...]:
    """The columns ``user`` shows on this list: their choice where they made one (keys no longer
    offered are dropped), else the list's own."""
    layout = ListLayout.objects.filter(user=user, resource=resource.name).values_list("columns", flat=True).first()
    if not layout:
        return COLUMNS[resource.name]
    offered = available_columns(resource)
    cols = [offered[k] for k in layout if k in offered]
    link = _link_key(resource)
    if link not in {c.key for c in cols}:
        cols.insert(0, offered[link])
    return tuple(cols)


def choose_columns(user, resource: Resource, keys: list[str]) -> ListLayout:
    """Keep ``keys`` (in this order) as the user's columns of the list. Unknown or repeated
    columns are refused; the link column is kept even when left out."""
    offered = available_columns(resource)
    unknown = [k for k in keys if k not in offered]
    if unknown:
        raise ValidationError({"columns": [_("No such column: %(keys)s.") % {"keys": "、".join(unknown)}]})
    if len(set(keys)) != len(keys):
        raise ValidationError({"columns": [_("A column is chosen twice.")]})
    link = _link_key(resource)
    if link not in keys:
        keys = [link, *keys]
    layout, _created = ListLayout.objects.update_or_create(user=user, resource=resource.name,
                                                           defaults={"columns": list(keys)})
    return layout


def reset_columns(user, resource: Resource) -> None:
    """Back to the list's own columns."""
    ListLayout.objects.filter(user=user, resource=resource.name).delete()


def clean_query(query: str, allowed: set[str]) -> str:
    """Only the list's own parameters (its filters, sort and page size), without the page number:
    a saved filter names rows, not a place in them."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k in allowed and v]
    return urlencode(pairs)


def save_filter(user, resource: Resource, *, name: str, query: str, allowed: set[str]) -> SavedFilter:
    """Keep the list's current filters under ``name`` (the same name again replaces them)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the filter a name.")]})
    if len(name) > 60 or has_control_characters(name):
        raise ValidationError({"name": [_("The name must be at most 60 characters of text.")]})
    query = clean_query(query, allowed)
    if not query:
        raise ValidationError({"name": [_("Set a filter first: there is nothing to save.")]})
    if len(query) > 2000:
        raise ValidationError({"name": [_("These filters are too long to save.")]})
    with transaction.atomic():
        mine = SavedFilter.objects.select_for_update().filter(user=user, resource=resource.name)
        if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED_FILTERS:
            raise ValidationError({"name": [_("At most %(n)s saved filters per list: delete one first.")
                                            % {"n": MAX_SAVED_FILTERS}]})
        saved, _created = SavedFilter.objects.update_or_create(user=user, resource=resource.name, name=name,
                                                               defaults={"query": query})
    return saved


def saved_filters(user, resource: Resource) -> models.QuerySet:
    return SavedFilter.objects.filter(user=user, resource=resource.name)


def delete_filter(user, resource: Resource, pk: int) -> bool:
    """Delete one of the user's own saved filters; another's is not found (False)."""
    deleted, _rows = SavedFilter.objects.filter(user=user, resource=resource.name, pk=pk).delete()
    return bool(deleted)
