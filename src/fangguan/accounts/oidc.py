"""Identity-provider login (OIDC), off by default: connects the city's 随申办 / 法人一证通 logins
by configuration.

Set FANGGUAN_OIDC_ISSUER_NAME (the button's label) and the provider's endpoints and client
(FANGGUAN_OIDC_CLIENT_ID, …_CLIENT_SECRET, …_AUTHORIZATION_ENDPOINT, …_TOKEN_ENDPOINT,
…_USERINFO_ENDPOINT, …_JWKS_ENDPOINT, optionally …_USERNAME_CLAIM, default ``preferred_username``).
The provider proves who the person is; what they may do still comes from their memberships, so
an identity is matched to an existing, active account and never creates one.
"""

from __future__ import annotations

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class FangguanOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        username = claims.get(settings.FANGGUAN_OIDC_USERNAME_CLAIM)
        if not username:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=username, is_active=True)

    def create_user(self, claims):
        return None  # accounts and roles are given by the administrators, never by the provider


def enabled() -> bool:
    return bool(getattr(settings, "FANGGUAN_OIDC_CLIENT_ID", ""))
