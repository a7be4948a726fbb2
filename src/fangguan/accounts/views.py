"""Account pages: change password (with the password rules and history), second factor."""

import base64

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token

from fangguan.core.audit import log_security
from fangguan.core.context import current
from fangguan.core.models import Outcome, SecurityAction


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        log_security(actor=self.request.user, action=SecurityAction.PASSWORD_CHANGED)
        from .services import account_access_revoke

        account_access_revoke(user=self.request.user, reason="password change",
                              keep_session=self.request.session.session_key)
        return response


# --- Second factor (TOTP, with one-time recovery codes) -------------------------------------


def _qr_data_uri(url: str) -> str:
    """The provisioning URL as an SVG QR code in a data: URI (allowed by the CSP, no inline code)."""
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
def otp_enrol(request):
    """Enrol an authenticator app: scan the code, confirm with a first code, keep the recovery codes."""
    from .services import otp_enrol_confirm, otp_enrol_device

    device = otp_enrol_device(actor=request.user, device_id=request.session.get("otp_enrol_device"))
    request.session["otp_enrol_device"] = device.pk
    error = ""
    if request.method == "POST":
        codes = otp_enrol_confirm(actor=request.user, device=device, token=request.POST.get("token", ""))
        if codes is not None:
            otp_login(request, device)
            request.session.pop("otp_enrol_device", None)
            return render(request, "accounts/otp_recovery.html", {"codes": codes, "next": _next(request)})
        error = _("That code is not right. Check the time on your phone and enter the current code.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_enrol.html", {
        "qr": _qr_data_uri(device.config_url), "secret": secret, "error": error, "next": _next(request)})


@login_required
def otp_verify(request):
    """The second step of logging in: a code from the authenticator app or a recovery code."""
    from . import security

    error = ""
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("token", "").strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        user = request.user
        log_security(actor=user, action=SecurityAction.OTP_FAILED, outcome=Outcome.FAILURE, detail={"channel": "web"})
        log_security(actor=None, actor_name=user.username, action=SecurityAction.LOGIN_FAILED,
                     outcome=Outcome.FAILURE, detail={"channel": "web", "reason": "second factor"})
        security.after_failure(user.username, current().source_ip)
        if security.status(user.username, current().source_ip).refused:
            logout(request)
            return redirect("login")
        error = _("That code is not right.")
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next(request)})
