"""Plan pages: the list of plans, a plan's progress on a day, the final evaluation report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Plan


@login_required
@require_GET
def plans(request):
    return render(request, "planning/plans.html", {"plans": Plan.objects.visible_to(request.user)})
