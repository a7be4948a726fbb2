from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Messages to users: always in the app (the inbox), and through the configured channels
    (SMS, WeChat …), sent after the transaction commits by the background worker."""

    name = "fangguan.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    api_prefix = "/notifications"
    url_prefix = "notifications/"

    def ready(self) -> None:
        from . import channels, scopes

        scopes.register_all()
        channels.check_settings()

    def nav_section(self, user):
        from django.urls import reverse

        from fangguan.accounts.roles import is_it_admin

        from .selectors import unread_count

        if is_it_admin(user):
            return None
        unread = unread_count(user)
        label = _("Inbox (%(count)d unread)") % {"count": unread} if unread else _("Inbox")
        return {"label": _("Notifications"), "items": [
            {"name": "notifications", "label": label, "url": reverse("notifications:inbox"), "badge": unread},
        ]}
