"""The server-error page: Chinese, with the request id, rendered without the database (no
context processors: the error may be the database itself). An error that is the database being
unreachable (raised inside a middleware, e.g. the session lookup) gets the 503 instead
(``ops.outage``)."""

from __future__ import annotations

import sys

from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from fangguan.ops.outage import is_outage, unavailable


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    return HttpResponseServerError(render_to_string(template_name, {"request_id": getattr(request, "id", "")}))
