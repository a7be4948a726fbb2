"""Who sees an import job: the user who started it (its report and error sheet hold the rows as
uploaded, personal data included), and nobody else. Auditors find imports in the change log,
where every written record names its job as the cause."""

from __future__ import annotations

from django.db.models import Q

from fangguan.core.scopes import ADD, EVERYTHING, NOTHING, Rule, register_scope


class OwnJobRule(Rule):
    """A job is its starter's: they add it (for a kind they may import) and it runs as them;
    nobody deletes a job (it is the record of what an import wrote)."""

    def visible(self, qs, user):
        return qs.filter(Q(created_by=user))

    def fields(self, user, record):
        return EVERYTHING if record.created_by_id == user.pk else NOTHING

    def allows(self, user, action, record):
        if action != ADD:
            return False
        from .specs import kinds_for

        return bool(kinds_for(user)) and (record is None or record.created_by_id == user.pk)


def register_all() -> None:
    from .models import ImportJob

    register_scope(ImportJob, OwnJobRule())
