"""The human pages: login, home, and one generic set of registry pages for every resource.

Views are thin on purpose. What a user sees comes from ``Resource.queryset`` (``visible_to``),
what narrows a list from the resource's FilterSchema (the API's), what may be changed from
``core.scopes`` (``can``, ``fields_for``), and every write from ``registry.services`` — the same pieces the
API uses, so the two doors cannot disagree. A record outside the user's scope is a 404; a record
the user sees but may not change is a 403 (Django's handler renders ``403.html``).
"""

from __future__ import annotations

import pydantic
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangguan.accounts.roles import is_business, is_it_admin, may_reveal
from fangguan.core.resources import PAGE_SIZES, Resource
from fangguan.core.scopes import ADD, DELETE, can, fields_for, fields_many
from fangguan.core.services import BULK_EDIT_LIMIT, BulkRefused
from fangguan.registry import models as m
from fangguan.registry import services
from fangguan.registry.exports import CLEAR_EXPORTS
from fangguan.registry.forms import FilterForm

from .forms import (
    PERSONAL,
    BulkEditForm,
    LoginForm,
    RecordForm,
    RevealForm,
    bulk_names,
    initial_from,
    initial_of,
    input_names,
)
from .history import history_for
from .preferences import chosen_columns, saved_filters
from .tables import (
    SECTIONS,
    columns_for,
    detail_fields,
    flags_of,
    page_extras,
    pages,
    rows_for,
    section_label,
)

SECTION_ROWS = 20
DETAIL_HISTORY = 10


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        from django.conf import settings

        from fangguan.core import ratelimit
        from fangguan.core.middleware import client_ip

        if not ratelimit.allow("login", client_ip(request), settings.FANGGUAN_RATE_LOGIN):
            return render(request, "429.html", status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from django.conf import settings

        from fangguan.accounts import oidc

        context = super().get_context_data(**kwargs)
        context["oidc_name"] = settings.FANGGUAN_OIDC_ISSUER_NAME if oidc.enabled() else ""
        return context


logout_view = auth_views.LogoutView.as_view()


@login_required
def home(request):
    """Each role's working day (``web.homes``): the bureau's is the dashboard; IT administrators
    get their tools (and the audit administrator the security log)."""
    from .homes import context_for, home_kind

    user = request.user
    if not is_business(user):
        from .audit import menu_items

        return render(request, "web/home.html", {"it_admin": is_it_admin(user), "audit_links": menu_items(user)})
    kind = home_kind(user)
    if kind == "bureau":
        from fangguan.dashboard.views import dashboard

        return dashboard(request)
    return render(request, "web/home.html", context_for(user, kind))


def _resource(name: str) -> Resource:
    try:
        return pages()[name]
    except KeyError:
        raise Http404 from None


def _page_context(resource: Resource, **extra) -> dict:
    return {"resource": resource, "resource_name": resource.name, "model_meta": resource.model._meta, **extra}


# --- List --------------------------------------------------------------------------------------


def _headers(resource: Resource, ordering: str, user) -> list[dict]:
    """The user's column headings with the ordering a click asks for (ascending first, then descending)."""
    headers = columns_for(resource, columns=chosen_columns(user, resource))
    for h in headers:
        key = h["sort"]
        h["state"] = "asc" if ordering == key else "desc" if key and ordering == f"-{key}" else ""
        h["next"] = f"-{key}" if h["state"] == "asc" else key
    return headers


def filtered(params, resource: Resource, user) -> tuple[FilterForm, list[str], dict, object]:
    """The list's filter form, its problems, the valid parameters and the user's rows they select:
    one reading of a list's query string, for the page and for "all rows matching this filter"."""
    form = FilterForm(params, resource=resource, user=user)
    form.is_valid()
    problems, params = form.messages(), form.filter_params()
    try:
        filters = resource.filters(**params)
    except pydantic.ValidationError:
        problems.append(_("The filter values are not valid."))
        filters = resource.filters()
    return form, problems, params, filters.filter(resource.queryset(user))


def listing(request, resource: Resource) -> dict:
    """Filter, order and page the user's rows; bad parameters become messages, not errors."""
    form, problems, params, qs = filtered(request.GET, resource, request.user)
    ordering = request.GET.get("ordering", "")
    try:
        qs = resource.order(qs, ordering or None)
    except ValidationError as exc:
        problems += exc.messages
        ordering = ""
        qs = resource.order(qs, None)
    per_page = form.cleaned_data.get("per_page") or PAGE_SIZES[0]
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    headers = _headers(resource, ordering, request.user)
    exported = {name: request.GET[name] for name in params} | ({"ordering": ordering} if ordering else {})
    rows = rows_for(page_extras(resource, request.user, list(page.object_list)), headers)
    # bulk edit: a tick box on the rows this user may change (one question per grant, not per row)
    bulkable = resource.create_in is not None and bool(bulk_names(resource, None))
    if bulkable:
        grants = fields_many(request.user, [row["obj"] for row in rows])
        for row in rows:
            row["selectable"] = bool(grants.get(row["obj"].pk))
        bulkable = any(row["selectable"] for row in rows)
    return {
        "form": form, "problems": problems, "page": page, "headers": headers, "ordering": ordering,
        "rows": rows, "bulk": bulkable, "bulk_limit": BULK_EDIT_LIMIT, "elided": page.paginator.get_elided_page_range(page.number),
        "filtered": bool(params), "chips": form.chips(),
        "saved_filters": saved_filters(request.user, resource), "current_query": urlencode(exported),
        # the API's export of the same rows (scoped, masked and logged there)
        "exports": {fmt: f"{reverse('api:api-root')}{resource.name}/export?{urlencode(exported | {'format': fmt})}"
                    for fmt in ("xlsx", "csv")},
        # too many rows to write within a request: the buttons ask for a background export instead
        "export_background": _exports_in_background(request.user, resource, qs, page.paginator.count),
        "export_params": exported,
        # the same rows with identity numbers and phones in clear: a deliberate act on its own page
        "clear_export": (f"{reverse('registry-clear-export', args=[resource.name])}?{urlencode(exported)}"
                         if resource.name in CLEAR_EXPORTS and may_reveal(request.user) else None),
    }


def _exports_in_background(user, resource: Resource, qs, count: int) -> bool:
    """Whether the list's export is a background job — the same question its API answers
    (``registry.exports``): a file has at least one row per record, so a long list surely is;
    a short one is counted as the file would be (cheap, it is short)."""
    from fangguan.exports.models import background_threshold
    from fangguan.registry.exports import export_count

    if count > background_threshold():
        return True
    return bool(count) and export_count(user, resource, qs) > background_threshold()


def _import_url(request, res: Resource) -> str | None:
    """The upload page for this list's kind, when the user may import it."""
    from fangguan.imports.specs import kinds_for

    if res.name in {spec.kind for spec in kinds_for(request.user)}:
        return reverse("imports:new") + f"?kind={res.name}"
    return None


@login_required
@require_GET
def record_list(request, resource):
    """The list; an htmx request for ``#results`` gets only the table (same URL, same state)."""
    res = _resource(resource)
    partial = request.headers.get("HX-Target") == "results" and not request.headers.get("HX-History-Restore-Request")
    template = "web/registry/_results.html" if partial else "web/registry/list.html"
    context = _page_context(res, may_create=can(request.user, ADD, res.model), import_url=_import_url(request, res),
                            **listing(request, res))
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- Detail and history ------------------------------------------------------------------------


def _section(user, section, obj) -> dict:
    """Related records as the related resource's own list filtered to this record (same scope)."""
    related, added = pages()[section.resource], pages()[section.add or section.resource]
    qs = related.order(related.filters(**{section.filter: obj.pk}).filter(related.queryset(user)), None)
    headers = columns_for(related, without=section.filter)
    # "Add" is offered where the new record's form takes this record (as ``?estate=3`` pre-fills)
    prefilled = added.create_in is not None and bool(initial_from({section.filter: obj.pk}, input_names(added, edit=False)))
    return {
        "label": section_label(section), "resource": related, "filter": section.filter,
        "count": qs.count(), "headers": headers, "rows": rows_for(qs[:SECTION_ROWS], headers),
        "add_url": (f"{reverse('registry-create', args=[added.name])}?{section.filter}={obj.pk}"
                    if prefilled and can(user, ADD, added.model) else None),
    }


@login_required
@require_GET
def record_detail(request, resource, pk):
    res = _resource(resource)
    obj = get_object_or_404(res.queryset(request.user), pk=pk)
    grant = fields_for(request.user, obj)
    history, history_count = history_for(request.user, res, obj.pk, limit=DETAIL_HISTORY)
    return render(request, "web/registry/detail.html", _page_context(
        res, obj=obj, fields=detail_fields(obj), grant=grant, flags=flags_of(obj),
        may_edit=bool(grant) and res.create_in is not None, may_delete=res.deletable and can(request.user, DELETE, obj),
        may_reveal=isinstance(obj, m.Person) and may_reveal(request.user),
        sections=[_section(request.user, s, obj) for s in SECTIONS.get(res.name, ())],
        history=history, history_count=history_count,
    ))


@login_required
@require_GET
def record_history(request, resource, pk):
    res = _resource(resource)
    history, count = history_for(request.user, res, pk)  # raises 404 unless the user may see it
    obj = res.model.objects.visible_to(request.user).filter(pk=pk).first()
    return render(request, "web/registry/history.html", _page_context(
        res, obj=obj, pk=pk, history=history, history_count=count))


# --- Create, edit, delete ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request, resource):
    res = _resource(resource)
    if res.create_in is None:
        raise Http404
    if not can(request.user, ADD, res.model):
        raise PermissionDenied(_("You may not add records of this kind."))
    names = input_names(res, edit=False)
    form = RecordForm(request.POST or None, resource=res, user=request.user, names=names,
                      initial=initial_from(request.GET, names))
    if request.method == "POST" and form.is_valid():
        data, share = form.data_for_create()
        try:
            if res.model is m.Person:
                obj = services.person_create(actor=request.user, data=data, share=share)
            else:
                obj = services.registry_create(actor=request.user, model=res.model, data=data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(record)s was added.") % {"record": obj})
            return redirect("registry-detail", res.name, obj.pk)
    return render(request, "web/registry/form.html", _page_context(res, form=form, obj=None))


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, resource, pk):
    """Edit the fields this user may change — all, or only some (a company: an estate's contacts)."""
    res = _resource(resource)
    if res.create_in is None:
        raise Http404
    obj = get_object_or_404(res.model.objects.visible_to(request.user), pk=pk)
    grant = fields_for(request.user, obj)
    if not grant:
        raise PermissionDenied(_("You may not change this record."))
    names = [n for n in input_names(res, edit=True) if grant.all or n in grant.fields]
    form = RecordForm(request.POST or None, resource=res, user=request.user, names=names, instance=obj,
                      initial=initial_of(obj, names))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("registry-detail", res.name, obj.pk)
        try:
            services.registry_update(actor=request.user, instance=obj, changes=changes)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("registry-detail", res.name, obj.pk)
    return render(request, "web/registry/form.html", _page_context(res, form=form, obj=obj, partial_grant=not grant.all))


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request, resource, pk):
    """GET asks for confirmation (works without JS); POST deletes through the service."""
    res = _resource(resource)
    obj = get_object_or_404(res.model.objects.visible_to(request.user), pk=pk)
    if not res.deletable or not can(request.user, DELETE, obj):
        raise PermissionDenied(_("You may not delete this record."))
    if request.method == "POST":
        label = str(obj)
        try:
            services.registry_delete(actor=request.user, instance=obj)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("registry-detail", res.name, pk)
        messages.success(request, _("%(record)s was deleted.") % {"record": label})
        return redirect("registry-list", res.name)
    return render(request, "web/registry/confirm_delete.html", _page_context(res, obj=obj))


# --- Bulk edit ----------------------------------------------------------------------------------


def _bulk_selection(request, res: Resource):
    """The chosen records: the ticked rows (``pk``), or every row matching the list's filter
    (``all`` with the list's ``query``), read through the user's scope. A ticked id the user
    cannot see is "not found", as on a record's own page. Returns (records, query, problem)."""
    query = request.POST.get("query", "")
    if request.POST.get("all"):
        from django.http import QueryDict

        _form, _problems, _params, qs = filtered(QueryDict(query), res, request.user)
        count = qs.count()
        if count > BULK_EDIT_LIMIT:
            return [], query, _("%(n)s records match this filter; at most %(limit)s can be changed at once. "
                                "Narrow the filter first.") % {"n": count, "limit": BULK_EDIT_LIMIT}
        return list(res.order(qs, None)), query, None
    try:
        pks = sorted({int(pk) for pk in request.POST.getlist("pk")})
    except ValueError:
        raise Http404 from None
    if len(pks) > BULK_EDIT_LIMIT:
        return [], query, _("At most %(limit)s records can be changed at once; %(n)s were chosen.") % {
            "limit": BULK_EDIT_LIMIT, "n": len(pks)}
    records = list(res.order(res.queryset(request.user).filter(pk__in=pks), None))
    if len(records) != len(pks):
        raise Http404
    return records, query, None


@login_required
@require_POST
def record_bulk_edit(request, resource):
    """Change chosen fields of many records at once (NetBox's bulk edit): the list posts the
    ticked rows (or "all N matching this filter") here, the page shows the fields every chosen
    record may take, and "apply" writes through ``registry.services.registry_bulk_update`` —
    each record checked by its rule, validated and logged on its own, all or nothing.

    A chosen record the user may not change refuses the whole batch (403, naming the records,
    nothing written): a district office changing "these 40 estates" expects all 40 changed or
    none, and to be told which ones were not theirs, not a silent partial result."""
    res = _resource(resource)
    if res.create_in is None:
        raise Http404
    list_url = reverse("registry-list", args=[res.name])
    records, query, problem = _bulk_selection(request, res)
    back = f"{list_url}?{query}" if query else list_url
    if problem:
        messages.error(request, problem)
        return redirect(back)
    if not records:
        messages.warning(request, _("Tick the records to change first."))
        return redirect(back)
    context = _page_context(res, records=records, shown=records[:BULK_SHOWN], query=query, back=back)
    grants = fields_many(request.user, records)
    refused = [obj for obj in records if not grants[obj.pk]]
    may: set[str] | None = None
    for obj in records:
        grant = grants[obj.pk]
        if not grant.all:
            may = set(grant.fields) if may is None else may & grant.fields
    names = bulk_names(res, may)
    if refused:
        return _bulk_refused(request, context, BulkRefused(refused))
    if not names:  # e.g. an owner's own phone: changed on the record's own page, one at a time
        return render(request, "web/registry/bulk_edit.html", {**context, "refused": [], "refusal": _(
            "None of the fields you may change on these records can be given to many records at once.")},
            status=403)
    form = BulkEditForm(request.POST if "apply" in request.POST else None, resource=res, user=request.user,
                        names=names, sample=records[0])
    if "apply" in request.POST and form.is_valid():
        try:
            result = services.registry_bulk_update(actor=request.user, instances=records, changes=form.changes())
        except BulkRefused as exc:
            return _bulk_refused(request, context, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            message = ngettext("%(n)s record was changed.", "%(n)s records were changed.", result.changed) % {
                "n": result.changed}
            if result.unchanged:
                message += " " + ngettext("%(n)s already had these values.", "%(n)s already had these values.",
                                          result.unchanged) % {"n": result.unchanged}
            messages.success(request, message)
            return redirect(back)
    return render(request, "web/registry/bulk_edit.html", {**context, "form": form})


BULK_SHOWN = 50  # chosen records listed by name on the bulk edit page


def _bulk_refused(request, context, exc: BulkRefused):
    return render(request, "web/registry/bulk_edit.html",
                  {**context, "refused": exc.records[:BULK_SHOWN], "refusal": exc.args[0]}, status=403)


# --- Reveal of personal data -------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_reveal(request, pk):
    """Show one unmasked value once, for a stated reason. The value travels only in this POST's
    response (never in a URL), the page is not cached, and the service logs every attempt —
    refusals included — in the security log."""
    person = get_object_or_404(m.Person.objects.visible_to(request.user), pk=pk)
    if request.method == "GET" and not may_reveal(request.user):
        raise PermissionDenied(_("You may not view unmasked personal data."))
    form = RevealForm(request.POST or None, person=person)
    value = None
    if request.method == "POST" and form.is_valid():
        field, reason = form.cleaned_data["field"], form.cleaned_data["reason"]
        try:
            value = services.person_reveal(actor=request.user, person=person, field=field, reason=reason)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            revealed = {"label": PERSONAL[field], "value": value}
            return render(request, "web/registry/reveal.html", _page_context(
                pages()["people"], obj=person, form=RevealForm(person=person), revealed=revealed))
    return render(request, "web/registry/reveal.html", _page_context(pages()["people"], obj=person, form=form))
