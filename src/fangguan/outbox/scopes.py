"""Who sees the outbox: the bureau manages subscribers and reads the delivery log; auditors read.
Nobody else — event payloads are for other systems, not for users."""

from __future__ import annotations

from fangguan.accounts.roles import is_bureau, reads_everything
from fangguan.core.scopes import ADD, EVERYTHING, NOTHING, Rule, register_scope


class BureauRule(Rule):
    """Read by the bureau and auditors; subscribers added and changed by the bureau (switched off,
    never deleted: their delivery log refers to them); events and deliveries by the system only."""

    def __init__(self, *, writable: bool):
        self._writable = writable

    def visible(self, qs, user):
        return qs if reads_everything(user) else qs.none()

    def fields(self, user, record):
        return EVERYTHING if self._writable and is_bureau(user) else NOTHING

    def allows(self, user, action, record):
        return action == ADD and self._writable and is_bureau(user)


def register_all() -> None:
    from .models import Delivery, DeliveryAttempt, OutboxEvent, Subscriber

    register_scope(Subscriber, BureauRule(writable=True))
    for model in (OutboxEvent, Delivery, DeliveryAttempt):
        register_scope(model, BureauRule(writable=False))
