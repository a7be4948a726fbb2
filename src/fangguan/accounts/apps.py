from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangguan.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    url_prefix = "account/"

    def ready(self) -> None:
        from fangguan.core.api import register_token_authenticator

        from . import signals  # noqa: F401  (login/logout events into the security log)
        from .services import token_user

        register_token_authenticator(token_user)
