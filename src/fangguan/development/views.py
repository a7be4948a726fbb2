"""Web lists of development records: the API's resource table, filters and scope, rendered as a
table. The progress page's drill-down links land here with the same filter parameters."""

from __future__ import annotations

import pydantic
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangguan.core.resources import PAGE_SIZES
from fangguan.core.scopes import ADD, can, fields_for, fields_many

from . import services
from .forms import filter_form, form_for
from .resources import RESOURCES
from .tables import COLUMNS, cells


@login_required
@require_GET
def record_list(request, resource):
    res = RESOURCES.get(resource)
    if res is None:
        raise Http404
    form = filter_form(request.GET, resource=res, user=request.user)
    form.is_valid()  # a bad value is a message beside the panel, never an error page
    problems, params = form.messages(), form.filter_params()
    try:
        filters = res.filters(**params)
    except pydantic.ValidationError:
        problems.append(_("The filter values are not valid."))
        filters, params = res.filters(), {}
    qs = res.order(filters.filter(res.queryset(request.user)), None)
    per_page = form.cleaned_data.get("per_page") or PAGE_SIZES[0]
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    columns = COLUMNS[res.name]
    editable = {pk for pk, grant in fields_many(request.user, list(page.object_list)).items() if grant}
    return render(request, "development/list.html", {
        "resource": res, "resource_name": res.name, "title": res.model._meta.verbose_name_plural,
        "page": page, "columns": [label for label, _getter in columns],
        "rows": [{"cells": cells(obj, columns), "edit": reverse("development:edit", args=[res.name, obj.pk])
                  if obj.pk in editable else ""} for obj in page.object_list],
        "params": params, "problems": problems, "query": urlencode(params), "form": form,
        "filtered": bool(params), "chips": form.chips(),
        "elided": page.paginator.get_elided_page_range(page.number),
        "new_url": reverse("development:new", args=[res.name]) if can(request.user, ADD, res.model) else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_form(request, resource, pk=None):
    """Create or change one record through ``services``; not yours is 404, read-only is 403."""
    res = RESOURCES.get(resource)
    if res is None:
        raise Http404
    obj = get_object_or_404(res.model.objects.visible_to(request.user), pk=pk) if pk else None
    if not (can(request.user, ADD, res.model) if obj is None else fields_for(request.user, obj).all):
        raise PermissionDenied(_("You may not change this record."))
    form = form_for(res.name, request.user, data=request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if obj is None:
                saved = services.development_create(actor=request.user, model=res.model, data=data)
            else:
                saved = services.development_update(actor=request.user, instance=obj, changes=data)
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(None if field == "__all__" or field not in form.fields else field, errors)
        else:
            messages.success(request, _("Saved: %(record)s.") % {"record": saved})
            return redirect(reverse("development:list", args=[res.name]))
    return render(request, "development/form.html", {
        "resource": res, "resource_name": res.name, "form": form, "obj": obj,
        "title": res.model._meta.verbose_name,
    }, status=422 if request.method == "POST" else 200)
