"""The operations page (the system administrator's) and ``/metrics`` (a monitoring system's, by
token). Both show ``gauges.read()``; who may see them is decided in ``gauges``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import gauges
from . import metrics as prometheus


@login_required
@require_GET
def overview(request):
    if not gauges.may_read(request.user):
        raise PermissionDenied(_("You may not see the operations page."))
    from fangguan.imports.choices import JobStatus

    g = gauges.read()
    jobs = [(JobStatus(status).label, g.import_jobs.get(status, 0), status) for status in JobStatus.values]
    return render(request, "ops/overview.html", {"g": g, "jobs": jobs})


@require_GET
def metrics(request):
    ok = gauges.metrics_token_ok(request.headers.get("Authorization", ""))
    if ok is None:
        response = JsonResponse({"detail": _("Authentication required.")}, status=401,
                                json_dumps_params={"ensure_ascii": False})
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not ok:
        return JsonResponse({"detail": _("You may not do this.")}, status=403, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(prometheus.render(), content_type=prometheus.CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
