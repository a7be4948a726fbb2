"""The pages behind a list's "Columns" and "Saved filters" controls: one user's own settings,
kept through ``preferences`` (no record of the office changes, so nothing here is scoped beyond
the user: a list page that shows nobody's rows still has columns)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangguan.registry.forms import FilterForm

from . import preferences
from .tables import label_of
from .views import _resource


def _list_url(resource, query: str = "") -> str:
    url = reverse("registry-list", args=[resource.name])
    return f"{url}?{query}" if query else url


@login_required
@require_http_methods(["GET", "POST"])
def list_columns(request, resource):
    """Choose which columns the list shows and in what order (a number per column), or go back
    to the list's own. Works without JavaScript: a checkbox and a position per column."""
    res = _resource(resource)
    offered = preferences.available_columns(res)
    chosen = [c.key for c in preferences.chosen_columns(request.user, res)]
    link = next(c.key for c in offered.values() if c.link)
    if request.method == "POST":
        if "reset" in request.POST:
            preferences.reset_columns(request.user, res)
            messages.success(request, _("The list shows its own columns again."))
            return redirect(_list_url(res))
        picked = [k for k in request.POST.getlist("show") if k]

        def position(key):
            try:
                return int(request.POST.get(f"order-{key}", ""))
            except ValueError:
                return 10_000
        keys = sorted(dict.fromkeys(picked), key=lambda k: (position(k), list(offered).index(k) if k in offered else 0))
        try:
            preferences.choose_columns(request.user, res, keys)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Columns saved: %(n)s shown.") % {
                "n": len(preferences.chosen_columns(request.user, res))})
            return redirect(_list_url(res))
    ordered = chosen + [k for k in offered if k not in chosen]
    rows = [{"key": k, "label": label_of(res.model, offered[k]), "shown": k in chosen, "position": i + 1,
             "required": k == link} for i, k in enumerate(ordered)]
    return render(request, "web/registry/columns.html", {
        "resource": res, "resource_name": res.name, "model_meta": res.model._meta, "rows": rows})


def _allowed(res, user) -> set[str]:
    return {*FilterForm({}, resource=res, user=user).fields, "ordering"} - {"page"}


@login_required
@require_POST
def filter_save(request, resource):
    """Keep the list's current filters (the query string the form posts) under a name."""
    res = _resource(resource)
    allowed = _allowed(res, request.user)
    try:
        saved = preferences.save_filter(request.user, res, name=request.POST.get("name", ""),
                                        query=request.POST.get("query", ""), allowed=allowed)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_list_url(res, preferences.clean_query(request.POST.get("query", ""), allowed)))
    messages.success(request, _("Filter saved as “%(name)s”.") % {"name": saved.name})
    return redirect(_list_url(res, saved.query))


@login_required
@require_POST
def filter_delete(request, resource, pk):
    """Delete one of one's own saved filters; anyone else's is not found."""
    res = _resource(resource)
    if not preferences.delete_filter(request.user, res, pk):
        raise Http404
    messages.success(request, _("Saved filter deleted."))
    return redirect(_list_url(res))
