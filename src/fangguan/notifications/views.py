"""The inbox page: one's notifications, newest first; opening one marks it read and follows its
link; "mark all read"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .services import mark_all_read, mark_read


@login_required
@require_GET
def inbox(request):
    mine = Notification.objects.visible_to(request.user)
    show_unread = request.GET.get("unread") == "1"
    page = Paginator(mine.filter(read_at__isnull=True) if show_unread else mine, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "show_unread": show_unread, "unread": mine.filter(read_at__isnull=True).count()})


@login_required
@require_POST
def read(request, pk: int):
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    mark_read(request.user, notification)
    target = notification.url
    if request.POST.get("follow") and target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    mark_all_read(request.user)
    return redirect("notifications:inbox")
