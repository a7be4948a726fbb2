"""``/search/?q=``: the top bar's search page — results grouped by type, each group's first
results with a link to page through that type (``&type=…&page=…``). Thin: ``selectors.search``."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from .kinds import BY_NAME
from .selectors import MAX_OFFSET, PAGE_LIMIT, search


def _page(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 5 else 1


@require_GET
def search_page(request):
    q = request.GET.get("q", "")
    kind = request.GET.get("type", "")
    kind = kind if kind in BY_NAME else ""
    page = _page(request)
    offset = min((page - 1) * PAGE_LIMIT, MAX_OFFSET) if kind else 0
    results = search(request.user, q, kinds=[kind] if kind else None, offset=offset)
    # A number typed in full with one record of that number: straight to the record.
    if not kind and results.count == 1 and results.query.number is not None:
        return HttpResponseRedirect(results.items[0].url)

    def link(**params) -> str:
        return "?" + urlencode({"q": results.query.text, **params})

    groups = [{"group": g, "more_url": link(type=g.name, page=page + 1) if kind else link(type=g.name)}
              for g in results.groups]
    return render(request, "search/results.html", {
        "q": results.query.text, "results": results, "groups": groups, "kind": BY_NAME.get(kind), "page": page,
        "previous_url": link(type=kind, page=page - 1) if kind and page > 1 else "",
        "all_url": link() if kind else "",
    })
