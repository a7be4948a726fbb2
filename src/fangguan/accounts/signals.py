"""Web logins, logouts and failed logins go to the security log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fangguan.core.audit import log_security
from fangguan.core.models import Outcome, SecurityAction


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log_security(actor=user, action=SecurityAction.LOGIN, detail={"channel": "web"})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_security(actor=user, action=SecurityAction.LOGOUT, detail={"channel": "web"})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    """Log the failure; a refused attempt (locked account, throttled address) is logged as
    denied and does not count towards a new lock. Then lock or throttle if due."""
    from fangguan.core.context import current

    from . import security

    username = str(credentials.get("username", ""))[:150]  # what an investigator needs; never the password
    ip = current().source_ip
    refused = security.status(username, ip)
    detail = {"channel": (request.path if request is not None else "api")[:64]}
    if refused.refused:
        detail["reason"] = "account locked" if refused.account_locked_until else "address throttled"
    log_security(actor=None, actor_name=username, action=SecurityAction.LOGIN_FAILED,
                 outcome=Outcome.DENIED if refused.refused else Outcome.FAILURE, detail=detail)
    if not refused.refused:
        security.after_failure(username, ip)
