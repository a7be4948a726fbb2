"""Request-scoped audit context: a request id on every request and response."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from .context import audit_context


def client_ip(request) -> str:
    """The peer address. Behind a proxy the deployer sets FANGGUAN_TRUSTED_PROXY_HOPS (docs)."""
    return request.META.get("REMOTE_ADDR", "")


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
