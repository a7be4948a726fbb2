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
    # The username tried is kept (it is what an investigator needs); never the password.
    log_security(
        actor=None,
        actor_name=str(credentials.get("username", ""))[:150],
        action=SecurityAction.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        detail={"channel": (request.path if request is not None else "api")[:64]},
    )
