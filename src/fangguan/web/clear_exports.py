"""The clear export's page (issue 14): a bureau or town-office user with the reveal permission
exports a list — the rows the list's filters select — with identity numbers and phones in clear,
stating the reason and purpose (and the one-time code where the role needs a second factor). The
page only collects the form: every rule, the log and the watermark are ``registry.exports.
export_clear``'s, the same call the API makes."""

from __future__ import annotations

import pydantic
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fangguan.accounts import security
from fangguan.accounts.roles import may_reveal
from fangguan.registry.exports import (
    CLEAR_EXPORTS,
    clear_export_limit,
    export_clear,
    import_spec_of,
)
from fangguan.registry.forms import FilterForm, style

from .tables import pages


class ClearExportForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), min_length=2, max_length=200,
                             help_text=gettext_lazy("Why you need the personal data in clear; kept in the security log."))
    purpose = forms.CharField(label=gettext_lazy("Purpose"), min_length=2, max_length=200,
                              help_text=gettext_lazy("What the file will be used for; printed in the file's watermark."))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")],
                               initial="xlsx", widget=forms.RadioSelect)
    otp = forms.CharField(label=gettext_lazy("One-time code"), required=False, max_length=12)

    def __init__(self, *args, needs_otp: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_otp:
            del self.fields["otp"]
        style(self)
        self.fields["format"].widget.attrs["class"] = "form-check-input"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def clear_export(request, resource):
    if resource not in CLEAR_EXPORTS:
        raise Http404
    res = pages()[resource]
    if request.method == "GET" and not may_reveal(request.user):
        raise PermissionDenied(_("You may not view unmasked personal data."))
    filter_form = FilterForm(request.GET, resource=res, user=request.user)
    filter_form.is_valid()
    try:
        filters = res.filters(**filter_form.filter_params())
    except pydantic.ValidationError:
        filters = None
    form = ClearExportForm(request.POST or None, needs_otp=security.otp_required(request.user))
    if filters is None:
        form.add_error(None, _("The filter values are not valid."))
    elif request.method == "POST" and form.is_valid():
        qs = res.order(filters.filter(res.queryset(request.user)), None)
        data = form.cleaned_data
        try:
            return export_clear(request.user, res, qs, data["format"], filters.dict(), reason=data["reason"],
                                purpose=data["purpose"], otp=data.get("otp") or None)
        except ValidationError as exc:  # the row limit, a reason with control characters …
            form.add_error(None, exc)
        except PermissionDenied as exc:
            if may_reveal(request.user):  # the second factor: the form says so
                form.add_error("otp" if "otp" in form.fields else None, str(exc))
            else:
                raise
    cleaned = getattr(filter_form, "cleaned_data", {})
    in_force = [(filter_form.fields[name].label, cleaned.get(name)) for name in filter_form.filter_params()
                if name in filter_form.fields]
    rows = import_spec_of(res).export_count(filters.filter(res.queryset(request.user)), request.user) if filters else None
    return render(request, "web/registry/clear_export.html", {
        "resource": res, "resource_name": res.name, "model_meta": res.model._meta, "form": form,
        "in_force": in_force, "rows": rows, "limit": clear_export_limit(), "query": request.GET.urlencode(),
    })
