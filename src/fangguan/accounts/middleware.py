"""Staff whose password has expired can do nothing on the web but change it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .security import password_expired


class PasswordExpiryMiddleware:
    ALLOWED_PREFIXES = ("/account/", "/logout/", "/static/", "/i18n/", "/healthz", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED_PREFIXES)
                and password_expired(user)):
            messages.warning(request, _("Your password has expired. Choose a new one to continue."))
            return redirect(reverse("password_change"))
        return self.get_response(request)


class SecondFactorMiddleware:
    """Where a second factor is required, a session without one can only verify or enrol."""

    ALLOWED_PREFIXES = ("/account/otp/", "/logout/", "/static/", "/i18n/", "/healthz", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .security import has_second_factor, otp_required

        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED_PREFIXES)
                and otp_required(user) and not user.is_verified()):
            target = "otp_verify" if has_second_factor(user) else "otp_enrol"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
