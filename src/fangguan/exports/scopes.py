"""Who sees an export job: its owner, and nobody else — not the bureau, not an auditor. The file
holds what the owner's scope let them see; another user's scope differs, so showing them the file
would leak rows. Auditors find every export and every download in the security log."""

from __future__ import annotations

from fangguan.core.scopes import ADD, EVERYTHING, NOTHING, Rule, register_scope


class OwnExportRule(Rule):
    """A job is its owner's: they ask for it (any list they may see) and it runs as them; nobody
    changes it by hand (the worker and the expiry move it along)."""

    def visible(self, qs, user):
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        return qs.filter(owner=user)

    def fields(self, user, record):
        return EVERYTHING if record.owner_id == user.pk else NOTHING

    def allows(self, user, action, record):
        return action == ADD and getattr(user, "is_authenticated", False) and (
            record is None or record.owner_id == user.pk)


def register_all() -> None:
    from .models import ExportJob

    register_scope(ExportJob, OwnExportRule())
