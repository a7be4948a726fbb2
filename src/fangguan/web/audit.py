"""The audit pages: the change log across every record, and the security log (logins, failures,
lockouts, reveals, exports, permission changes), filtered, paged and exported.

Who reads which (三员分立 and the role table):

- the change log: the bureau and the audit office — the roles that read every business record
  (the log holds masked snapshots of business records, so IT administrators do not read it);
- the security log: auditors and the audit administrator (``accounts.roles.reads_security_log``),
  as the admin and the audit API already decide.

Anyone else gets 403 and no link in the menu. Every export is written to the security log (who,
which list, which filters, how many rows) before the file is produced.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from fangguan.accounts.roles import reads_everything, reads_security_log
from fangguan.core.audit import log_security, object_type_of
from fangguan.core.exports import file_response
from fangguan.core.models import ChangeAction, ChangeLog, Outcome, SecurityAction, SecurityEvent
from fangguan.core.scopes import registered_models

from .forms import DateInput, style
from .tables import pages

PER_PAGE = 50
EXPORT_LIMIT = 100_000  # rows per export file; narrow the filters for more

# Record types that are not business records but appear in the security log.
ACCOUNT_TYPES = {"user": gettext_lazy("user account"), "membership": gettext_lazy("role membership"),
                 "organisation": gettext_lazy("organisation"), "apitoken": gettext_lazy("API token"),
                 "securityevent": gettext_lazy("security log")}


def may_read_changes(user) -> bool:
    return reads_everything(user)


def may_read_security(user) -> bool:
    return reads_security_log(user)


def menu_items(user) -> list[dict]:
    items = []
    if may_read_changes(user):
        items.append({"name": "audit-changes", "label": _("Change log"), "url": reverse("audit-changes")})
    if may_read_security(user):
        items.append({"name": "audit-security", "label": _("Security log"), "url": reverse("audit-security")})
    return items


def record_types() -> dict[str, str]:
    """Every object type the logs name, with its label (the model's verbose name)."""
    types = {object_type_of(model): capfirst(str(model._meta.verbose_name)) for model in registered_models()}
    return {**types, **{k: capfirst(str(v)) for k, v in ACCOUNT_TYPES.items()}}


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)
    request_id = forms.CharField(label=gettext_lazy("Request id"), required=False, max_length=64)

    def __init__(self, data, *, actions):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["action"].choices = everything + [(k, capfirst(str(v))) for k, v in actions]
        self.fields["object_type"].choices = everything + sorted(record_types().items(), key=lambda kv: kv[1])
        self.extra_fields()
        style(self)

    def extra_fields(self) -> None:
        pass

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def apply(self, qs: QuerySet) -> QuerySet:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("user"):
            qs = qs.filter(actor_name__icontains=data["user"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        zone = timezone.get_current_timezone()
        if data.get("since"):
            qs = qs.filter(at__gte=dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone))
        if data.get("until"):
            qs = qs.filter(at__lt=dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
        if data.get("request_id"):
            qs = qs.filter(request_id=data["request_id"].strip())
        return self.apply_extra(qs, data)

    def apply_extra(self, qs: QuerySet, data: dict) -> QuerySet:
        return qs

    def used(self) -> dict[str, str]:
        """The filters set, as the query string carries them (exports repeat them)."""
        if not self.is_valid():
            return {}
        return {k: self.data[k] for k in self.fields if self.data.get(k)}


class ChangeFilterForm(AuditFilterForm):
    def extra_fields(self) -> None:
        self.fields["record"] = forms.CharField(
            label=_("Record or address"), required=False, max_length=100,
            widget=forms.TextInput(attrs={"type": "search", "placeholder": _("name, number or address")}))
        self.fields["object_id"] = forms.IntegerField(label=_("Record number"), required=False, min_value=1)

    def apply_extra(self, qs, data):
        if data.get("record"):
            qs = qs.filter(object_repr__icontains=data["record"].strip())
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"])
        return qs


class SecurityFilterForm(AuditFilterForm):
    def extra_fields(self) -> None:
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome"), required=False, choices=[("", _("All"))] + list(Outcome.choices))
        self.fields["address"] = forms.CharField(
            label=_("Source address"), required=False, max_length=64,
            widget=forms.TextInput(attrs={"placeholder": _("e.g. 10.1.2. (starts with)")}))

    def apply_extra(self, qs, data):
        if data.get("outcome"):
            qs = qs.filter(outcome=data["outcome"])
        if data.get("address"):
            qs = qs.filter(source_ip__startswith=data["address"].strip())
        return qs


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _summary(values) -> str:
    """A log entry's before/after as ``field=value`` pairs, short."""
    if not values:
        return ""
    if isinstance(values, dict):
        text = "; ".join(f"{k}={v}" for k, v in values.items())
    else:
        text = str(values)
    return text if len(text) <= 300 else text[:299] + "…"


def _record_url(object_type: str, object_id) -> str | None:
    if object_id is None:
        return None
    for name, resource in pages().items():
        if object_type_of(resource.model) == object_type:
            return reverse("registry-detail", args=[name, object_id])
    return None


class Log:
    """One of the two logs: its rows, filters, columns and labels."""

    def __init__(self, kind: str):
        self.kind = kind
        if kind == "changes":
            self.model, self.form_class, self.actions = ChangeLog, ChangeFilterForm, ChangeAction.choices
            self.title = _("Change log")
            self.link_at = 6  # the record's name links to its page
        else:
            self.model, self.form_class, self.actions = SecurityEvent, SecurityFilterForm, SecurityAction.choices
            self.title = _("Security log")
            self.link_at = 7  # the record's number
        self.types = record_types()
        self.action_labels = {k: capfirst(str(v)) for k, v in self.actions}

    def columns(self) -> list[str]:
        common = [_("Time"), _("User")]
        if self.kind == "changes":
            return common + [_("Action"), _("Record type"), _("Record number"), _("Record"), _("Before"), _("After"),
                             _("Source"), _("Request id")]
        return common + [_("Source address"), _("Action"), _("Outcome"), _("Record type"), _("Record number"),
                         _("Detail"), _("Request id")]

    def row(self, entry) -> list:
        kind = self.types.get(entry.object_type, entry.object_type)
        action = self.action_labels.get(entry.action, entry.action)
        if self.kind == "changes":
            return [_when(entry.at), entry.actor_name, action, kind, entry.object_id, entry.object_repr,
                    _summary(entry.before), _summary(entry.after), entry.cause, entry.request_id]
        return [_when(entry.at), entry.actor_name, entry.source_ip, action, Outcome(entry.outcome).label
                if entry.outcome in Outcome.values else entry.outcome, kind, entry.object_id,
                _summary(entry.detail), entry.request_id]


def _log_page(request, kind: str, allowed) -> object:
    if not allowed(request.user):
        raise PermissionDenied(_("The audit pages are for auditors, the audit administrator and the bureau."))
    log = Log(kind)
    form = log.form_class(request.GET or None, actions=log.actions)
    qs = form.apply(log.model.objects.all()) if request.GET else log.model.objects.all()
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = qs.order_by("at", "id")[:EXPORT_LIMIT]
        count = rows.count()
        log_security(actor=request.user, action=SecurityAction.EXPORT, object_type=log.model._meta.model_name,
                     detail={"list": kind, "format": fmt, "rows": count, "filters": form.used()})
        name = f"{log.title}-{timezone.localtime():%Y%m%d-%H%M}"
        return file_response(fmt, name, [str(c) for c in log.columns()],
                             (log.row(e) for e in rows.iterator(chunk_size=2000)), sheet=log.title)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"cells": log.row(e), "url": _record_url(e.object_type, e.object_id)} for e in page.object_list]
    used = form.used()
    return render(request, "web/audit/log.html", {
        "log": log, "form": form, "page": page, "rows": rows, "columns": log.columns(),
        "elided": page.paginator.get_elided_page_range(page.number), "filtered": bool(used),
        "export_limit": EXPORT_LIMIT, "nav_current": f"audit-{kind}",
    })


@login_required
@require_GET
def change_log(request):
    return _log_page(request, "changes", may_read_changes)


@login_required
@require_GET
def security_log(request):
    return _log_page(request, "security", may_read_security)


__all__ = ["change_log", "security_log", "menu_items"]
