"""The server-error page: Chinese, with the request id, rendered without the database (no
context processors: the error may be the database itself)."""

from __future__ import annotations

from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    return HttpResponseServerError(render_to_string(template_name, {"request_id": getattr(request, "id", "")}))
