"""The bureau's page of outbox subscribers: who receives which events, what is waiting or
failing, add one (its secret is shown once), switch one off or on."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangguan.core.scopes import ADD, can

from .models import DeliveryAttempt, DeliveryStatus, Subscriber
from .services import subscriber_create, subscriber_retry_now, subscriber_update


class SubscriberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    topics = forms.CharField(label=gettext_lazy("Topics"), initial="repairs.*",
                             help_text=gettext_lazy("Comma-separated patterns, e.g. repairs.*, hotline.*"))


@login_required
@require_http_methods(["GET", "POST"])
def subscriber_list(request):
    if not can(request.user, ADD, Subscriber):
        raise PermissionDenied(_("You may not manage subscribers."))
    form = SubscriberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topics = [t.strip() for t in form.cleaned_data["topics"].split(",") if t.strip()]
        try:
            subscriber, secret = subscriber_create(request.user, name=form.cleaned_data["name"],
                                                   url=form.cleaned_data["url"], topics=topics)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Subscriber %(name)s added. Its secret, shown only now: %(secret)s")
                             % {"name": subscriber.name, "secret": secret})
            return redirect("outbox:subscribers")
    pending = Q(deliveries__status=DeliveryStatus.PENDING)
    subscribers = Subscriber.objects.visible_to(request.user).annotate(
        pending=Count("deliveries", filter=pending),
        failing=Count("deliveries", filter=pending & Q(deliveries__attempts__gt=0)),
        delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DELIVERED)),
    )
    recent = (DeliveryAttempt.objects.visible_to(request.user).exclude(error="")
              .select_related("delivery__subscriber", "delivery__event").order_by("-at", "-pk")[:20])
    return render(request, "outbox/subscribers.html", {"form": form, "subscribers": subscribers, "recent": recent})


@login_required
@require_POST
def subscriber_toggle(request, pk: int):
    subscriber = get_object_or_404(Subscriber.objects.visible_to(request.user), pk=pk)
    subscriber_update(request.user, subscriber, active=not subscriber.active)
    return redirect("outbox:subscribers")


@login_required
@require_POST
def subscriber_retry(request, pk: int):
    subscriber = get_object_or_404(Subscriber.objects.visible_to(request.user), pk=pk)
    count = subscriber_retry_now(request.user, subscriber)
    messages.success(request, _("%(count)d waiting deliveries will be tried within a minute.") % {"count": count})
    return redirect("outbox:subscribers")
