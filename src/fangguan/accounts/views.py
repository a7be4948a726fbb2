"""Account pages: change password (with the password rules and history), second factor."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from fangguan.core.audit import log_security
from fangguan.core.models import SecurityAction


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        log_security(actor=self.request.user, action=SecurityAction.PASSWORD_CHANGED)
        return response
