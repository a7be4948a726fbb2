"""One's own notifications over the API: list (newest first, ``unread=true`` for the unread
ones), mark one read, mark all read. Anyone else's notification is 404."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from fangguan.core.api import Id, get_or_404, paginate

from .models import Notification
from .services import mark_all_read, mark_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    topic: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationList(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class Marked(Schema):
    marked: int


def _out(n: Notification) -> dict:
    return {"id": n.pk, "topic": n.topic, "title": n.title, "body": n.body, "url": n.url,
            "created_at": n.created_at, "read_at": n.read_at}


@router.get("", response=NotificationList, operation_id="list_notifications")
def list_notifications(request, unread: bool = False, limit: int | None = None, offset: int | None = None):
    mine = Notification.objects.visible_to(request.user)
    qs = mine.filter(read_at__isnull=True) if unread else mine
    count, items = paginate(qs, limit, offset)
    return {"count": count, "unread": mine.filter(read_at__isnull=True).count(), "items": [_out(n) for n in items]}


@router.post("/read-all", response=Marked, operation_id="read_all_notifications")
def read_all(request):
    return {"marked": mark_all_read(request.user)}


@router.post("/{notification_id}/read", response=NotificationOut, operation_id="read_notification")
def read(request, notification_id: Id):
    notification = get_or_404(Notification.objects.visible_to(request.user), notification_id)
    return _out(mark_read(request.user, notification))
