"""Request-scoped audit context: a request id on every request and response."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from .context import audit_context


def client_ip(request) -> str:
    """The client's address: the peer's, or — behind ``FANGGUAN_TRUSTED_PROXY_HOPS`` reverse proxies
    that each append the address they received from to X-Forwarded-For — the entry the outermost
    trusted proxy wrote (the ``hops``-th from the end). Entries before it were written by the
    client and are never believed; a header shorter than the hops, or not an address, falls back
    to the peer. Lockout by address, rate limits and every log line read this."""
    import ipaddress

    remote = request.META.get("REMOTE_ADDR", "")
    hops = int(getattr(settings, "FANGGUAN_TRUSTED_PROXY_HOPS", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        with audit_context(request_id=request.id, source_ip=client_ip(request), cause="web"):
            response = self.get_response(request)
        response["X-Request-Id"] = request.id
        if request.path.startswith("/api/"):
            # API answers hold personal and scoped data: never kept by a browser or a proxy cache
            add_never_cache_headers(response)
        return response


class ActorMiddleware:
    """Marks API requests so the change log says which door a change came through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            with audit_context(cause="api"):
                return self.get_response(request)
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user chose another language (the language cookie set by
    the switch in the top bar); the browser's Accept-Language is honoured only by the API, so a
    tool can ask for English messages."""

    def process_request(self, request):
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


# --- The API answers JSON, whatever went wrong --------------------------------------------------


def _api_error_message(status: int) -> str:
    from django.utils.translation import gettext as _

    return {
        400: _("The request is not valid."),
        401: _("Authentication required."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        429: _("Too many requests: try again later."),
    }.get(status, _("Something went wrong on the server; try again later."))


class ApiErrorMiddleware:
    """On /api/ paths every error is JSON ``{"detail": …}`` in the user's language (Chinese by
    default): an exception no handler took (500, logged as Django logs it, with the request id in
    the message), a body over the size limit (413), and Django's own HTML answers (unknown path
    404, 400, 405 …). A NUL in the query string is refused (400) before any view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            from django.utils.translation import gettext as _

            return self._json(request, 400, _("The request contains a NUL character."))
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return self._json(request, response.status_code, _api_error_message(response.status_code), response)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
        from django.utils.translation import gettext as _

        if isinstance(exception, RequestDataTooBig):
            return self._json(request, 413, _api_error_message(413))
        if isinstance(exception, TooManyFieldsSent):
            return self._json(request, 400, _("The request has too many fields."))
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404

        # Answered here as JSON rather than left to Django, whose 404/403/400 handlers render the
        # site's HTML pages (menus, the demo banner: database reads) only for __call__ to throw
        # them away — and a page that cannot render turned an API 404 into a 500.
        if isinstance(exception, Http404):
            return self._json(request, 404, _api_error_message(404))
        if isinstance(exception, PermissionDenied):
            return self._json(request, 403, _api_error_message(403))
        if isinstance(exception, SuspiciousOperation):
            import logging

            logging.getLogger(f"django.security.{exception.__class__.__name__}").error(
                str(exception), extra={"status_code": 400, "request": request})
            return self._json(request, 400, _api_error_message(400))
        if isinstance(exception, BadRequest):
            return self._json(request, 400, _api_error_message(400))
        from django.core import signals
        from django.utils.log import log_response

        response = self._json(request, 500, _("Something went wrong on the server; nothing more was done. Request %(id)s.")
                              % {"id": getattr(request, "id", "")})
        signals.got_request_exception.send(sender=None, request=request)
        log_response("%s: %s", "Internal Server Error", request.path, response=response, request=request,
                     exception=exception)
        return response

    @staticmethod
    def _json(request, status: int, detail: str, original=None):
        from django.http import JsonResponse

        response = JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})
        if original is not None:
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if original.has_header(header):
                    response[header] = original[header]
        add_never_cache_headers(response)
        return response
