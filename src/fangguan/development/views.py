"""Web lists of development records: the API's resource table, filters and scope, rendered as a
table. The progress page's drill-down links land here with the same filter parameters."""

from __future__ import annotations

import pydantic
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .resources import RESOURCES
from .tables import COLUMNS, cells

FILTER_NAMES = ("q", "town", "from", "to", "kind", "housing_type", "status", "planned_use", "residential", "ready",
                "project", "estate")


@login_required
@require_GET
def record_list(request, resource):
    res = RESOURCES.get(resource)
    if res is None:
        raise Http404
    fields = res.filters.model_fields
    aliases = {(info.alias or name) for name, info in fields.items()}
    params = {k: v for k, v in request.GET.items() if k in FILTER_NAMES and k in aliases and v != ""}
    problems = []
    try:
        filters = res.filters(**params)
    except pydantic.ValidationError:
        problems.append(_("The filter values are not valid."))
        filters, params = res.filters(), {}
    qs = res.order(filters.filter(res.queryset(request.user)), None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    columns = COLUMNS[res.name]
    return render(request, "development/list.html", {
        "resource": res, "resource_name": res.name, "title": res.model._meta.verbose_name_plural,
        "page": page, "columns": [label for label, _getter in columns],
        "rows": [cells(obj, columns) for obj in page.object_list], "params": params, "problems": problems,
        "query": "&".join(f"{k}={v}" for k, v in params.items()),
    })
