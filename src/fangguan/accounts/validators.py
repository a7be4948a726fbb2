"""Password rules beyond Django's own (length, similarity to the username, common passwords):
character classes and no reuse of recent passwords (等保 2.0: complexity and periodic change)."""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self):
        return _("Your password must mix at least %(n)d of: lower-case letters, capital letters, digits, "
                 "other characters.") % {"n": self.min_classes}


class NotUsernameValidator:
    def validate(self, password, user=None):
        if user is not None and user.username and user.username.lower() in password.lower():
            raise ValidationError(_("Your password may not contain your username."), code="password_username")

    def get_help_text(self):
        return _("Your password may not contain your username.")


class PasswordHistoryValidator:
    """The last ``count`` passwords may not be used again; also keeps the history and the date."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or not user.pk:
            return
        recent = list(user.password_history.values_list("password", flat=True)[: self.count])
        if user.password:
            recent.append(user.password)
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                ngettext("You used this password recently; choose one you have not used in your last %(n)d.",
                         "You used this password recently; choose one you have not used in your last %(n)d.",
                         self.count) % {"n": self.count},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        """Django calls this after a new password is saved."""
        from .models import PasswordHistory, User

        if user is None or not user.pk:
            return
        now = timezone.now()
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now
        stale = user.password_history.values_list("pk", flat=True)[self.count:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("You may not reuse any of your last %(n)d passwords.") % {"n": self.count}
