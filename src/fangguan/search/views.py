"""``/search/``: the top bar's search page — results grouped by type, each group's first results
with a way to page through that type (``type``, ``page``). Thin: ``selectors.search``.

The search forms send the query by POST, with the CSRF token, so a form never writes what was
typed into the address bar. A query that could be an identity number or a phone
(``Query.identifier``) is answered on the POST itself, and its "more" and page controls are small
POST forms too: the number never appears in a URL, so not in the browser's history, a bookmark or
a Referer (the logs already mask it). Any other query is sent on (303) to ``/search/?q=…``: names
and codes keep a plain GET address one can reload, keep or send. ``GET /search/?q=`` answers
every query as before, and the API (``GET /api/v1/search``) is unchanged.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from fangguan.core.text import ascii_digits

from . import pickers
from .kinds import BY_NAME, MAX_LENGTH, Query
from .selectors import MAX_OFFSET, PAGE_LIMIT, search


def _page(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) < 5 else 1


@require_http_methods(["GET", "POST"])
def search_page(request):
    data = request.POST if request.method == "POST" else request.GET
    q = data.get("q", "")
    kind = data.get("type", "")
    kind = kind if kind in BY_NAME else ""
    page = _page(data.get("page", "1"))
    query = Query.parse(q)
    if request.method == "POST" and not query.identifier:
        params = {"q": query.text, **({"type": kind} if kind else {}), **({"page": page} if page > 1 else {})}
        return HttpResponseRedirect(f"{reverse('search')}?{urlencode(params)}", status=303)
    offset = min((page - 1) * PAGE_LIMIT, MAX_OFFSET) if kind else 0
    results = search(request.user, q, kinds=[kind] if kind else None, offset=offset)
    # A number typed in full with one record of that number: straight to the record.
    if not kind and results.count == 1 and results.query.number is not None:
        return HttpResponseRedirect(results.items[0].url)
    hidden = results.query.identifier

    def go(**params) -> dict:
        """Where a control leads: a link, or for an identifier the fields of a POST form."""
        fields = {"q": results.query.text, **params}
        return {"fields": fields} if hidden else {"url": "?" + urlencode(fields)}

    groups = [{"group": g, "more": go(type=g.name, page=page + 1) if kind else go(type=g.name)}
              for g in results.groups]
    return render(request, "search/results.html", {
        "q": results.query.text, "results": results, "groups": groups, "kind": BY_NAME.get(kind), "page": page,
        "previous": go(type=kind, page=page - 1) if kind and page > 1 else None,
        "all": go() if kind else None,
    })


@require_GET
def committee_candidates(request):
    """The member picker's options (``/search/candidates/?committee=&q=``): an HTML fragment of
    ``role="option"`` items the form's picker (web/app.js) puts in its listbox as one types. The
    same answer as ``GET /api/v1/committees/{id}/candidates`` (``pickers``): 404 for a committee
    the user cannot see (or none named), 403 if they may not add a member to it."""
    raw = request.GET.get("committee", "")
    if not ascii_digits(raw, 12):
        raise Http404
    committee = pickers.committee_for_members(request.user, int(raw))
    found = pickers.committee_candidates(request.user, committee, request.GET.get("q", "")[:MAX_LENGTH * 2])
    return render(request, "search/_candidates.html", {"found": found, "prefix": _prefix(request.GET.get("for", ""))})


def _prefix(raw: str) -> str:
    """The options' id prefix: the picker's own id (unique in its page), letters, digits, - and _."""
    return raw if raw and len(raw) <= 40 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in raw) else "candidate"
