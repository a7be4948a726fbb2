"""Who sees an import job: the user who started it (its report and error sheet hold the rows as
uploaded, personal data included), and nobody else. Auditors find imports in the change log,
where every written record names its job as the cause."""

from __future__ import annotations

from django.db.models import Q

from fangguan.core.scopes import EVERYTHING, NOTHING, register_scope


class OwnJobRule:
    def visible(self, qs, user):
        return qs.filter(Q(created_by=user))

    def writable(self, user, instance):
        return EVERYTHING if instance.created_by_id == user.pk else NOTHING

    def creatable(self, user) -> bool:
        from .specs import kinds_for

        return bool(kinds_for(user))


def register_all() -> None:
    from .models import ImportJob

    register_scope(ImportJob, OwnJobRule())
