"""Notifications are their recipient's alone: nobody else reads them, not even the bureau."""

from __future__ import annotations

from fangguan.core.scopes import NOTHING, FieldGrant, register_scope

READ_MARK = FieldGrant(fields=frozenset({"read_at"}))


class OwnRule:
    def visible(self, qs, user):
        return qs.filter(recipient=user)

    def writable(self, user, instance):
        return READ_MARK if instance.recipient_id == user.pk else NOTHING

    def creatable(self, user) -> bool:
        return False  # written by the system (services.notify), never by a user


def register_all() -> None:
    from .models import Notification

    register_scope(Notification, OwnRule())
