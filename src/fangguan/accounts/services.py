"""Writes on accounts: API tokens, the second factor, organisations and memberships changed in
the IT administrators' pages. Each checks, writes and logs in one transaction; the pages only
call these."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token

from fangguan.core.audit import log_security
from fangguan.core.context import current
from fangguan.core.models import Outcome, SecurityAction

from . import security
from .choices import Role
from .models import ApiToken, TokenScope, User
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


def token_user(key: str, scopes: tuple[str, ...] = (TokenScope.API,)) -> User | None:
    """The active user behind a live token of one of ``scopes``, or None. The API takes only
    ``api`` tokens, so a client system's Open311 key opens nothing else. The token's scope is kept
    on the user (``api_token_scope``) for the views that narrow what it may do."""
    token = (
        ApiToken.objects.live()
        .select_related("user")
        .annotate(person_id=person_link("user"))
        .filter(key_hash=ApiToken.hash(key), scope__in=scopes, user__is_active=True, user__is_system=False)
        .first()
    )
    if token is None:
        return None
    token.user.api_token_scope = token.scope
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._fangguan_person_id = token.person_id  # read by roles.grants: one query less per call
    return token.user


def open311_key_issue(*, actor: User | None, user: User, client: str, days: int) -> tuple[str, ApiToken]:
    """A long-lived, read-only Open311 key for a client system, acting as ``user`` (whose scope
    it reads). Issued by the security administrator (or from the command line, ``actor`` None);
    the clear key is returned once; revoked like any token."""
    if actor is not None and not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("Only the security administrator issues keys for client systems."))
    client = client.strip()
    if not client:
        raise ValidationError({"client": [_("Name the client system the key is for.")]})
    if not 1 <= days <= settings.FANGGUAN_OPEN311_KEY_MAX_DAYS:
        raise ValidationError({"days": [_("A key lives from 1 to %(max)s days.") % {"max": settings.FANGGUAN_OPEN311_KEY_MAX_DAYS}]})
    if not user.is_active or user.is_system:
        raise ValidationError({"user": [_("The account the key acts as must be an active person's account.")]})
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key), prefix=key[:8], scope=TokenScope.OPEN311_READ,
                                        client=client[:100], expires_at=timezone.now() + timedelta(days=days))
        log_security(actor=actor, actor_name="" if actor else "manage.py", action=SecurityAction.TOKEN_ISSUED,
                     instance=token, object_type="token", detail={"scope": token.scope, "client": token.client, "acts_as": user.username, "days": days})
    return key, token


def token_revoke(*, actor: User, token: ApiToken) -> None:
    """The owner or the security administrator ends a token before it expires."""
    if token.user_id != actor.pk and not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        log_security(actor=actor, action=SecurityAction.TOKEN_REVOKED, instance=token, object_type="token",
                     outcome=Outcome.SUCCESS)


def account_access_revoke(*, user: User, reason: str, keep_session: str | None = None) -> int:
    """End everything the account is logged in with — its live API tokens and its browser sessions
    (but ``keep_session``, the one that just changed the password) — after a lockout, a password
    change or a deactivation: a token issued before must not outlive them. Returns how many."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    now = timezone.now()
    with transaction.atomic():
        tokens = ApiToken.objects.live().filter(user=user).update(revoked_at=now)
        ended = []
        for session in Session.objects.filter(expire_date__gt=now).exclude(session_key=keep_session or ""):
            if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
                ended.append(session.session_key)
        Session.objects.filter(session_key__in=ended).delete()
        if tokens or ended:
            log_security(actor=user, action=SecurityAction.TOKEN_REVOKED, object_type="user", instance=user,
                         detail={"reason": reason, "tokens": tokens, "sessions": len(ended)})
    return tokens + len(ended)


# --- The second factor ----------------------------------------------------------------------


def otp_enrol_device(*, actor: User, device_id: int | None):
    """The authenticator being enrolled (unconfirmed), a fresh one replacing any stale one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=actor, confirmed=False, pk=device_id).first() if device_id else None
    if device is None:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    return device


def otp_enrol_confirm(*, actor: User, device, token: str) -> list[str] | None:
    """Confirm the authenticator with its first code: the one-time recovery codes (shown once),
    or None when the code is wrong (nothing changes). Logged in the security log."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    if device.user_id != actor.pk or not device.verify_token((token or "").strip()):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery, _created = StaticDevice.objects.get_or_create(user=actor, name="recovery")
        recovery.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(10)]
        for code in codes:
            recovery.token_set.create(token=code)
        log_security(actor=actor, action=SecurityAction.OTP_ENROLLED)
    return codes


# --- Organisations and memberships (the IT administrators' pages) ----------------------------


def organisation_save(*, actor: User, organisation, before: dict | None) -> None:
    """Save an organisation an administrator created or changed (``before``: its snapshot, None
    when new). Its kind and link decide what its staff see, so a change is both a record change
    (change log) and a permission change (security log, with the fields before and after)."""
    from fangguan.core.audit import log_change, log_update, snapshot
    from fangguan.core.models import ChangeAction

    with transaction.atomic():
        organisation.full_clean()
        organisation.save()
        after = snapshot(organisation)
        if before is None:
            log_change(actor=actor, action=ChangeAction.CREATE, instance=organisation, after=after)
            changed = sorted(after)
        else:
            log_update(actor=actor, instance=organisation, before=before)
            changed = sorted(k for k in after if after[k] != before.get(k) and k != "updated_at")
        if changed:
            log_security(actor=actor, action=SecurityAction.PERMISSION_CHANGE, instance=organisation,
                         object_type="organisation",
                         detail={"organisation": organisation.name, "created": before is None, "changed": changed,
                                 "before": {k: (before or {}).get(k) for k in changed},
                                 "after": {k: after[k] for k in changed},
                                 "members": organisation.memberships.filter(active=True).count()})
