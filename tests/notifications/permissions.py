"""Notifications: everyone signed in has an inbox of their own; a notification of someone else's
is "not found". World: one notification for yezhu."""

from __future__ import annotations

from fangguan.notifications import services
from fangguan.notifications.models import Notification
from tests.kit.permissions import Case, api_ids, demo_users, expect
from tests.kit.permissions import world as built


def world() -> dict:
    users = demo_users()
    (note,) = services.notify([users["yezhu"]], title="您的报修已受理")
    return {"note": note, "users": users}


def _mine(role, user) -> set:
    return set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))


def _read_state():
    return tuple(Notification.objects.order_by("pk").values_list("pk", "read_at"))


SPEC = [
    Case("GET", "api/v1/notifications", "/api/v1/notifications", expect(200), rows=_mine, got=api_ids),
    Case("POST", "api/v1/notifications/read-all", "/api/v1/notifications/read-all", expect(200), snapshot=_read_state),
    Case("POST", "api/v1/notifications/<notification_id>/read", lambda: f"/api/v1/notifications/{built()['note'].pk}/read",
         expect(404, yezhu=200), snapshot=_read_state),
    Case("GET", "notifications/", "/notifications/", expect(200)),
    Case("POST", "notifications/<int:pk>/read/", lambda: f"/notifications/{built()['note'].pk}/read/", expect(404, yezhu=302),
         snapshot=_read_state),
    Case("POST", "notifications/read-all/", "/notifications/read-all/", expect(302), snapshot=_read_state),
]
