"""我的导出: the user's background exports with their progress (an htmx poll of the table while a
job is unfinished), asking for one from a big list's page, and downloading a ready file. Thin: the
work is in ``services``; the list's own module checks the filters (``sources``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .api import file_response
from .choices import ExportFormat
from .models import ExportJob, keep_days
from .sources import get_source, label_of

PAGE_SIZE = 50


def _jobs(user):
    return ExportJob.objects.visible_to(user)


@login_required
@require_GET
def job_list(request):
    """The list; an htmx request for ``#export-jobs`` gets only the table, which polls itself
    every two seconds while some job is still queued or running."""
    jobs = list(_jobs(request.user)[:PAGE_SIZE])
    for job in jobs:
        job.label = label_of(job.source)
    context = {"jobs": jobs, "polling": any(not j.finished for j in jobs), "keep_days": keep_days()}
    if request.headers.get("HX-Target") == "export-jobs":
        return render(request, "exports/_jobs.html", context)
    return render(request, "exports/list.html", context)


@login_required
@require_POST
def job_new(request):
    """Ask for a background export of a list with the filters of its page (the form beside a big
    list's 导出 buttons); back to the list page with the problem if the filters are not valid."""
    source_name, fmt = request.POST.get("list", ""), request.POST.get("format", "")
    try:
        source = get_source(source_name)
    except KeyError:
        raise Http404 from None
    params = {k: v for k, v in request.POST.items() if k not in ("list", "format", "csrfmiddlewaretoken", "next")}
    back = request.POST.get("next", "")
    if fmt not in ExportFormat.values:
        fmt = ExportFormat.XLSX
    try:
        job = source.start(request.user, params, fmt)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("exports:list")
    messages.success(request, _("The export of %(list)s (%(rows)s rows) runs in the background; you will be "
                                "notified when the file is ready.") % {"list": label_of(job.source),
                                                                       "rows": job.rows_total})
    return redirect("exports:list")


@login_required
@require_GET
def download(request, pk):
    """The file of a ready export, for its owner only (anyone else: 404); every download is logged."""
    job = get_object_or_404(_jobs(request.user), pk=pk)
    if not job.ready:
        raise Http404
    return file_response(request.user, job)
