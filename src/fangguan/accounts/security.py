"""Login security (等保 2.0 level 3): account lockout, throttling of an address that fails across
many accounts, and password age — computed from the security log itself.

Why not a separate attempts table (django-axes): the security log already records every failed
login with account, address and time, append-only; deciding from it means one source of truth
for "what happened" and "what we did about it" (the lockout is itself a logged event). Axes locks
by account or by address, but cannot express "throttle an address only when it fails across
many accounts", which offices sharing one address need.

Rules (each a setting, defaults from issue #6):
- FANGGUAN_LOCKOUT_FAILURES (5) failed logins within FANGGUAN_LOCKOUT_WINDOW_MINUTES (15) lock
  that account for FANGGUAN_LOCKOUT_MINUTES (15): even the right password is refused meanwhile.
  Only failures after the last lockout count, so a lock is not renewed by its own expiry.
- An address whose failures span FANGGUAN_THROTTLE_ACCOUNTS (20) different accounts within the
  window is refused for the lockout time. Successful logins never count: an office logging in
  dozens of times a minute is never refused.
- Staff passwords expire after FANGGUAN_PASSWORD_MAX_AGE_DAYS (90).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.core.audit import log_security
from fangguan.core.models import Outcome, SecurityAction, SecurityEvent


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, name, default))


@dataclass(frozen=True)
class LoginStatus:
    account_locked_until: dt.datetime | None = None
    address_blocked_until: dt.datetime | None = None

    @property
    def refused(self) -> bool:
        return bool(self.account_locked_until or self.address_blocked_until)

    def message(self) -> str:
        until = self.account_locked_until or self.address_blocked_until
        local = timezone.localtime(until).strftime("%H:%M")
        if self.account_locked_until:
            return _("This account is locked after repeated failed logins. Try again after %(time)s or ask "
                     "the security administrator.") % {"time": local}
        return _("Too many failed logins from your address for different accounts. Try again after %(time)s.") % {
            "time": local}


def _failures(**where) -> SecurityEvent:
    return SecurityEvent.objects.filter(action=SecurityAction.LOGIN_FAILED, outcome=Outcome.FAILURE, **where)


def status(username: str, ip: str, now: dt.datetime | None = None) -> LoginStatus:
    """Whether a login for ``username`` from ``ip`` is refused right now, and until when."""
    now = now or timezone.now()
    lock = _minutes("FANGGUAN_LOCKOUT_MINUTES", 15)
    last_lock = (
        SecurityEvent.objects.filter(action=SecurityAction.LOCKOUT, actor_name=username, at__gt=now - lock)
        .order_by("-at").values_list("at", flat=True).first()
    )
    blocked = None
    if ip:
        last_block = (
            SecurityEvent.objects.filter(action=SecurityAction.ADDRESS_THROTTLED, source_ip=ip, at__gt=now - lock)
            .order_by("-at").values_list("at", flat=True).first()
        )
        blocked = last_block + lock if last_block else None
    return LoginStatus(account_locked_until=last_lock + lock if last_lock else None, address_blocked_until=blocked)


def after_failure(username: str, ip: str, now: dt.datetime | None = None) -> None:
    """Called after each logged failure: lock the account or throttle the address if due."""
    now = now or timezone.now()
    window = _minutes("FANGGUAN_LOCKOUT_WINDOW_MINUTES", 15)
    since = now - window
    last_lock = (
        SecurityEvent.objects.filter(action=SecurityAction.LOCKOUT, actor_name=username)
        .order_by("-at").values_list("at", flat=True).first()
    )
    if last_lock and last_lock > since:
        since = last_lock
    limit = getattr(settings, "FANGGUAN_LOCKOUT_FAILURES", 5)
    if username and _failures(actor_name=username, at__gt=since).count() >= limit:
        log_security(actor=None, actor_name=username, action=SecurityAction.LOCKOUT, outcome=Outcome.SUCCESS,
                     detail={"failures": limit, "minutes": int(_minutes("FANGGUAN_LOCKOUT_MINUTES", 15).seconds / 60)})
        from .models import User
        from .services import account_access_revoke

        locked = User.objects.filter(username=username).first()
        if locked is not None:  # a token issued before the lock must not keep working
            account_access_revoke(user=locked, reason="lockout")
    accounts = getattr(settings, "FANGGUAN_THROTTLE_ACCOUNTS", 20)
    if ip and not status(ip=ip, username="", now=now).address_blocked_until:
        spread = _failures(source_ip=ip, at__gt=now - window).values("actor_name").distinct().count()
        if spread >= accounts:
            log_security(actor=None, actor_name="", action=SecurityAction.ADDRESS_THROTTLED, outcome=Outcome.SUCCESS,
                         detail={"accounts": spread})


def password_expired(user, now: dt.datetime | None = None) -> bool:
    """Staff (anyone holding a role) must change their password every N days; residents not."""
    days = getattr(settings, "FANGGUAN_PASSWORD_MAX_AGE_DAYS", 90)
    if not days or not user.memberships.filter(active=True).exists():
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > dt.timedelta(days=days)


def otp_required(user) -> bool:
    """Bureau staff and the three IT administrators need a second factor when it is enforced."""
    from .choices import ADMIN_ROLES, OrgKind
    from .roles import grants

    if not getattr(settings, "FANGGUAN_OTP_REQUIRED", False):
        return False
    return any(g.kind == OrgKind.BUREAU or g.role in ADMIN_ROLES for g in grants(user))


def has_second_factor(user) -> bool:
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))
