"""The authentication backend: Django's, refusing while an account is locked or the address is
throttled (so every login path — web, API token, admin — obeys the same lockout)."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from fangguan.core.middleware import client_ip

from . import security


class LockoutBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        ip = client_ip(request) if request is not None else ""
        if username and security.status(username, ip).refused:
            raise PermissionDenied  # Django stops here and signals a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user) -> bool:
        """The system actor (``core.actors``) never logs in, whatever its password field holds."""
        return not getattr(user, "is_system", False) and super().user_can_authenticate(user)
