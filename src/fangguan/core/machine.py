"""Workflows as tables: the states, the actions, who may take each, and the refusals — in ONE
table per workflow, which the service, the pages (which buttons to offer) and an exhaustive
generated test all read (after django-fsm's transitions with a permission each).

A module declares its table and how a user relates to one of its records (its *capacities*:
reporter, dispatcher, organiser, owner concerned …), and runs every action through
``Machine.perform``, which in one transaction: locks the row, refuses with 403
(``ActionForbidden``: not for this actor) before 409 (``ActionConflict``: not in this state) —
changing nothing —, lets the module's handler apply the action, moves the state, validates,
saves, writes a change-log row of the fields that changed and the module's typed event. Side
effects (outbox, notifications) are the module's, called explicitly by its event writer.

The system actor (``core.actors``) has the one capacity ``SYSTEM``: a table says which actions
the platform itself may take (the clock's escalations and auto-close).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .actors import is_system
from .audit import log_update, snapshot

SYSTEM = "system"
STAY = None  # the action records an event and leaves the state as it is


class ActionForbidden(PermissionDenied):
    """Not allowed for this actor (HTTP 403)."""


class ActionConflict(Exception):
    """Not allowed in the record's present state (HTTP 409)."""


@dataclass(frozen=True)
class Transition:
    moves: Mapping[str, str | None]  # from state -> to state (STAY: unchanged)
    who: frozenset[str]  # the capacities that may take it
    event: str  # the kind of the event it writes
    # what else must hold for it to make sense now (a note waiting for an answer, an escalation
    # waiting to be acknowledged): (record, capacities) -> None, or the refusal's message (409)
    guard: Callable | None = None


Capacities = Callable[..., frozenset[str]]  # (user, record, today) -> capacities


@dataclass(frozen=True)
class Machine:
    table: Mapping[str, Transition]
    capacities: Capacities
    state_field: str = "status"
    internal: frozenset[str] = frozenset()  # actions only the platform takes (not offered to clients)
    forbidden: str = gettext_lazy("You may not do this to this record.")
    conflict: str = gettext_lazy("Not possible in the present state (“%(state)s”).")  # %(state)s: its label

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.table)

    @property
    def public_actions(self) -> tuple[str, ...]:
        return tuple(a for a in self.table if a not in self.internal)

    def capacities_of(self, user, record, today: dt.date | None = None) -> frozenset[str]:
        if is_system(user):
            return frozenset({SYSTEM})
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return frozenset()
        return self.capacities(user, record, today)

    def permits(self, user, action: str, record, today: dt.date | None = None) -> bool:
        """Whether the table lets ``user`` take ``action`` on ``record`` — whatever its state."""
        transition = self.table.get(action)
        return transition is not None and bool(self.capacities_of(user, record, today) & transition.who)

    def allowed(self, user, record, today: dt.date | None = None) -> list[str]:
        """The actions to offer ``user`` on ``record`` now: theirs by capacity, possible in its
        state, and making sense now (its guard)."""
        caps = self.capacities_of(user, record, today)
        state = getattr(record, self.state_field)
        return [a for a in self.public_actions if state in self.table[a].moves and caps & self.table[a].who
                and not (self.table[a].guard and self.table[a].guard(record, caps))]

    def check(self, user, record, action: str, today: dt.date | None = None) -> tuple[Transition, frozenset[str]]:
        """The transition and the actor's capacities, or a refusal: 422 for an unknown action,
        403 before 409 (an outsider learns nothing about the record's state)."""
        transition = self.table.get(action)
        if transition is None:
            raise ValidationError({"action": [_("Unknown action.")]})
        caps = self.capacities_of(user, record, today)
        if not caps & transition.who:
            raise ActionForbidden(str(self.forbidden))
        if getattr(record, self.state_field) not in transition.moves:
            raise ActionConflict(str(self.conflict) % {"state": _state_label(record, self.state_field)})
        refusal = transition.guard(record, caps) if transition.guard else None
        if refusal:
            raise ActionConflict(str(refusal))
        return transition, caps

    def perform(self, actor, record: models.Model, action: str, *, apply: Callable, write_event: Callable,
                now: dt.datetime | None = None, lock: Callable[[models.QuerySet], models.QuerySet] | None = None):
        """Take ``action`` on ``record`` as ``actor``; returns the saved (locked) record.

        ``apply(locked, caps, now) -> (note, data)`` does the action's own work (or raises, and
        nothing is written); ``write_event(locked, transition, from_state, note, data, now)``
        writes the module's typed event and calls its side effects.
        """
        now = now or timezone.now()
        model = type(record)
        with transaction.atomic():
            qs = model._default_manager.select_for_update(of=("self",))  # only this row, whatever is joined
            locked = (lock(qs) if lock else qs).get(pk=record.pk)
            transition, caps = self.check(actor, locked, action, timezone.localdate(now))
            before_state = getattr(locked, self.state_field)
            before = snapshot(locked)
            note, data = apply(locked, caps, now)
            target = transition.moves[before_state]
            if target is not STAY:
                setattr(locked, self.state_field, target)
            locked.full_clean()
            locked.save()
            log_update(actor=actor, instance=locked, before=before)
            write_event(locked, transition, before_state, note, data, now)
        return locked


def _state_label(record, field: str) -> str:
    display = getattr(record, f"get_{field}_display", None)
    return str(display()) if display else str(getattr(record, field))
