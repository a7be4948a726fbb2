"""Every web page asks for a login.

``LoginRequiredMiddleware``: a visitor without a session (never logged in, or the session
expired) who opens any page is sent to the login page and, once logged in, back to that page. A
page's htmx request (a filter, a form in a panel) cannot follow a redirect into a fragment, so it
gets ``HX-Redirect`` to the login page with the page it came from as ``next``. Only the login
itself, health, the monitoring system's /metrics (by token), static files, language switching,
OIDC and the machine interfaces (the API and Open311, which answer 401 or are public by design)
are left open.

(When the database does not answer, pages and the API get a 503 from ``ops.outage``.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse

OPEN_PREFIXES = ("/login/", "/healthz", "/metrics", "/static/", "/i18n/", "/api/", "/open311/", "/oidc/", "/favicon")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and not user.is_authenticated and not request.path.startswith(OPEN_PREFIXES)
                and request.path != reverse("logout")):
            return login_redirect(request)
        return self.get_response(request)


def login_redirect(request):
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "") if current.path else "/"
        response = HttpResponse(status=200)
        response["HX-Redirect"] = redirect_to_login(back)["Location"]
        return response
    back = request.get_full_path() if request.method == "GET" else request.path
    return redirect_to_login(back)
