"""The system actor: the platform itself, for writes no person makes — the repair clock, the
hotline and Open311 bridges, commands, the demo loader.

It is one user row (``is_system``, created by a migration of ``accounts``), so every write —
a person's or the system's — goes through the same services, permission checks and change log,
and the log names "system" with the cause (``clock``, ``command:load_demo`` …) from
``core.context``. It cannot log in: no usable password, refused by the authentication backend
and by the token service.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "system"


def is_system(user) -> bool:
    return bool(getattr(user, "is_system", False))


def system_actor():
    """The system user (created on first use where the migration's row is gone, e.g. after a
    test flushed the users table)."""
    User = get_user_model()
    user = User.objects.filter(is_system=True).first()
    if user is None:
        user, _created = User.objects.get_or_create(
            username=SYSTEM_USERNAME, defaults={"is_system": True})
        if not user.is_system:  # pragma: no cover - a person registered under the reserved name
            raise RuntimeError("the username 'system' is reserved for the system actor")
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
