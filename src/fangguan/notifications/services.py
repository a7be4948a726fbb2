"""``notify``: the one way to tell users something. The inbox row is written in the caller's
transaction; the other channels are sent after it commits, by the background worker, so a slow
SMS gateway never holds up a request (and a rolled-back change notifies nobody)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.utils import timezone

from fangguan.core.services import record_update

from . import channels
from .models import Notification

log = logging.getLogger("fangguan.notifications")

_channels_off: ContextVar[bool] = ContextVar("notifications_channels_off", default=False)


@contextmanager
def channels_off():
    """Inbox only inside this block — for loaders replaying history (the demo), which must not
    queue thousands of SMS."""
    token = _channels_off.set(True)
    try:
        yield
    finally:
        _channels_off.reset(token)


def notify(users, *, title: str, body: str = "", url: str = "", topic: str = "") -> list[Notification]:
    """One notification per distinct active user; channels follow after commit."""
    seen, rows = set(), []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=str(title)[:200], body=str(body), url=url[:500], topic=topic))
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    if channels.enabled() and not _channels_off.get():
        ids = [n.pk for n in created]
        if all(ids):
            transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from .tasks import send_channels_task

    send_channels_task(ids)


def send_channels(ids: list[int]) -> None:
    """Send each notification through every enabled channel; a failing channel is logged on the
    notification and does not stop the others."""
    for notification in Notification.objects.filter(pk__in=ids).select_related("recipient"):
        results = dict(notification.channels)
        for channel in channels.enabled():
            if channel in results:
                continue
            try:
                results[channel] = {"status": "sent", "detail": channels.backend(channel).send(notification.recipient, notification)}
            except channels.ChannelSkipped as exc:
                results[channel] = {"status": "skipped", "detail": str(exc)}
            except Exception as exc:  # a gateway's failure must not lose the other channels
                log.warning("notification %s via %s failed: %s", notification.pk, channel, exc)
                results[channel] = {"status": "failed", "detail": type(exc).__name__}
        Notification.objects.filter(pk=notification.pk).update(channels=results)


def mark_read(actor, notification: Notification) -> Notification:
    if notification.read_at is not None:
        return notification
    return record_update(actor=actor, instance=notification, changes={"read_at": timezone.now()})


def mark_all_read(actor) -> int:
    return Notification.objects.visible_to(actor).filter(read_at__isnull=True).update(read_at=timezone.now())
