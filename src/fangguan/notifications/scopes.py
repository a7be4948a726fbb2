"""Notifications are their recipient's alone: nobody else reads them, not even the bureau."""

from __future__ import annotations

from fangguan.core.scopes import NOTHING, FieldGrant, Rule, register_scope

READ_MARK = FieldGrant(fields=frozenset({"read_at"}))


class OwnRule(Rule):
    """Its recipient reads it and marks it read; it is written by the system (``services.notify``),
    never added or deleted by a user."""

    def visible(self, qs, user):
        return qs.filter(recipient=user)

    def fields(self, user, record):
        return READ_MARK if record.recipient_id == user.pk else NOTHING


def register_all() -> None:
    from .models import Notification

    register_scope(Notification, OwnRule())
