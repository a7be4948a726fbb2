from __future__ import annotations

from .models import Notification


def unread_count(user) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()
