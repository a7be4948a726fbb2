"""Writes on accounts: API tokens. (User and role administration is issue #6's.)"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token

from fangguan.core.audit import log_security
from fangguan.core.context import current
from fangguan.core.models import Outcome, SecurityAction

from . import security
from .choices import Role
from .models import ApiToken, User
from .roles import has_role, person_link


class LoginRefused(PermissionDenied):
    """Right or wrong credentials, the login is refused (locked, throttled, password expired)."""


def token_issue(*, username: str, password: str, otp: str | None = None, request=None) -> tuple[str, ApiToken]:
    """Check the credentials (and the second factor where required) and issue a token; the
    clear key is returned once, never stored."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        refused = security.status(username, current().source_ip)
        if refused.refused:
            raise LoginRefused(refused.message())
        raise PermissionDenied(_("Wrong username or password."))
    if security.password_expired(user):
        raise LoginRefused(_("Your password has expired. Log in on the web and choose a new one."))
    if security.otp_required(user):
        if not security.has_second_factor(user):
            raise LoginRefused(_("Your role needs two-step login: set it up on the web first."))
        if not otp or match_token(user, otp.strip()) is None:
            log_security(actor=user, action=SecurityAction.OTP_FAILED, outcome=Outcome.FAILURE, detail={"channel": "api"})
            log_security(actor=None, actor_name=user.username, action=SecurityAction.LOGIN_FAILED,
                         outcome=Outcome.FAILURE, detail={"channel": "api", "reason": "second factor"})
            security.after_failure(user.username, current().source_ip)
            raise PermissionDenied(_("A valid one-time code (otp) is required."))
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=ApiToken.hash(key),
            prefix=key[:8],
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS),
        )
        log_security(actor=user, action=SecurityAction.TOKEN_ISSUED, instance=token, object_type="token")
    return key, token


def token_user(key: str) -> User | None:
    """The active user behind a live token, or None."""
    token = (
        ApiToken.objects.live()
        .select_related("user")
        .annotate(person_id=person_link("user"))
        .filter(key_hash=ApiToken.hash(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._fangguan_person_id = token.person_id  # read by roles.grants: one query less per call
    return token.user


def token_revoke(*, actor: User, token: ApiToken) -> None:
    """The owner or the security administrator ends a token before it expires."""
    if token.user_id != actor.pk and not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        log_security(actor=actor, action=SecurityAction.TOKEN_REVOKED, instance=token, object_type="token",
                     outcome=Outcome.SUCCESS)
