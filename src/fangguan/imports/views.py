"""The import pages: upload → dry-run report → apply → progress → result. Thin: the work is in
``services`` (jobs) and ``engine`` (rows); the progress bar is an htmx poll of ``job_status``
until the job has finished, then the page reloads itself with the full report."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangguan.core.exports import CONTENT_TYPES

from .api import error_sheet_response
from .choices import JobStatus, Mode
from .engine import live_progress
from .models import ImportJob, max_upload_bytes
from .services import import_apply, import_create
from .specs import get_spec, kinds_for
from .workbooks import template_workbook


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(s.kind, s.label) for s in kinds_for(user)]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"


def _jobs(user):
    return ImportJob.objects.visible_to(user)


@login_required
@require_GET
def job_list(request):
    if not kinds_for(request.user):
        raise PermissionDenied(_("You may not import records."))
    jobs = list(_jobs(request.user)[:50])
    labels = {s.kind: s.label for s in kinds_for(request.user)}
    for job in jobs:
        job.kind_label = labels.get(job.kind, job.kind)
    return render(request, "imports/list.html", {"jobs": jobs, "kinds": kinds_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    kinds = kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("You may not import records."))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user,
                      initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_create(actor=request.user, kind=form.cleaned_data["kind"], upload=upload,
                                filename=upload.name, dry_run=True)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("imports:detail", job.pk)
    return render(request, "imports/new.html", {"form": form, "kinds": kinds,
                                                "limit_mb": f"{max_upload_bytes() / 1024 / 1024:g}"})


def _context(job: ImportJob) -> dict:
    spec = get_spec(job.kind)
    applied_by = ImportJob.objects.filter(source=job).order_by("-pk").first() if job.dry_run else None
    return {"job": job, "spec": spec, "progress": live_progress(job), "applied_by": applied_by,
            "may_apply": job.dry_run and job.status == JobStatus.SUCCEEDED and applied_by is None,
            "valid_rows": job.created + job.updated + job.unchanged}


@login_required
@require_GET
def job_detail(request, pk):
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return render(request, "imports/detail.html", _context(job))


@login_required
@require_GET
def job_status(request, pk):
    """The progress fragment htmx polls; once the job has finished the page reloads in full."""
    job = get_object_or_404(_jobs(request.user), pk=pk)
    response = render(request, "imports/_status.html", _context(job))
    if job.finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_apply(request, pk):
    job = get_object_or_404(_jobs(request.user), pk=pk)
    mode = request.POST.get("mode", Mode.ALL_OR_NOTHING)
    if not job.dry_run or job.status != JobStatus.SUCCEEDED:
        raise PermissionDenied(_("Only a finished dry run can be applied."))
    try:
        applied = import_apply(actor=request.user, job=job, mode=mode)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("imports:detail", job.pk)
    return redirect("imports:detail", applied.pk)


@login_required
@require_GET
def error_sheet(request, pk):
    job = get_object_or_404(_jobs(request.user), pk=pk)
    if not job.error_sheet:
        raise Http404
    return error_sheet_response(job)


@login_required
@require_GET
def template_download(request, kind):
    try:
        spec = get_spec(kind)
    except KeyError:
        raise Http404 from None
    response = HttpResponse(template_workbook(spec), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response
