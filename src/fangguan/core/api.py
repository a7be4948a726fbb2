"""The HTTP API (/api/v1/): authentication, error shapes and list paging shared by every app.

Authentication is a Bearer token (``POST /api/v1/auth/token``) or the browser session (with
CSRF). Errors always answer JSON with a ``detail`` in the user's language (Chinese by default):
404 for "does not exist" and "not yours" alike, 403 for "yours to read but not to change",
422 for bad input with the field errors.
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.http import Http404 as _Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyQuery, HttpBearer, SessionAuth
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from .machine import ActionConflict

Number = Annotated[Any, PlainSerializer(lambda v: None if v is None else float(v), return_type=float | None, when_used="always")]


# The function that turns a bearer token into its user: ``accounts`` (above core) registers it
# from its ``AppConfig.ready``.
_token_user = None


def register_token_authenticator(token_user) -> None:
    global _token_user
    _token_user = token_user


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = _token_user(token) if _token_user is not None else None
        if user is not None:
            request.user = user
        return user


class SessionUser(SessionAuth):
    """The logged-in browser session (CSRF-checked for writes)."""


# --- Hostile input: what every body and every input schema refuses ---------------------------


def bad_text(value: str) -> bool:
    """A NUL byte (PostgreSQL cannot store it; it cuts strings in C tools) or an unpaired
    surrogate (not a character: it cannot be encoded, so it would fail deep in a write)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_bad_text(data: Any) -> bool:
    if isinstance(data, str):
        return bad_text(data)
    if isinstance(data, dict):
        return any(_has_bad_text(k) or _has_bad_text(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_bad_text(v) for v in data)
    return False


class BodyRefused(Exception):
    """A body refused before any schema sees it (status, message in the user's language)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class StrictJsonParser(Parser):
    """Bodies are JSON objects sent as ``application/json``: no other content type is read as JSON
    (``text/plain`` or none: 415), no array or ``null`` as a whole body, no NUL or unpaired
    surrogate in any text or key (422)."""

    def parse_body(self, request: HttpRequest):
        ctype = (request.content_type or "").lower()
        if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
            raise BodyRefused(415, _("Send the body as JSON (Content-Type: application/json)."))
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BodyRefused(400, _("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise BodyRefused(422, _("The request body must be a JSON object."))
        if _has_bad_text(data):
            raise BodyRefused(422, _("Text may not contain NUL characters or unpaired surrogates."))
        return data


class InSchema(Schema):
    """The base of every input schema: unknown fields are refused (422, not silently ignored), and
    no text holds a NUL or an unpaired surrogate (whatever door it came through: JSON, form)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_bad_text(cls, value):
        if _has_bad_text(value):
            raise ValueError(_("Text may not contain NUL characters or unpaired surrogates."))
        return value


class Error(Schema):
    """Every error answer: a message in the user's language, and each field's messages for 422."""

    detail: str
    errors: dict[str, list[str]] | None = None


# Every answer an operation can give besides its own, and when: (status, description, applies).
# ``op`` is the operation's OpenAPI object, ``method`` its HTTP method.
ERROR_ANSWERS = [
    (400, "The request could not be read: a NUL character, a body that is not JSON.", lambda op, method: True),
    (401, "Authentication required: no valid token or session.", lambda op, method: bool(op.get("security"))),
    (403, "Not allowed for this account (nothing was changed).", lambda op, method: bool(op.get("security"))),
    (404, "No such record, or not one this account may see (the path's, or one the body names).",
     lambda op, method: "requestBody" in op or any(p.get("in") == "path" for p in op.get("parameters", []))),
    (409, "Not possible in the record's present state (nothing was changed).", lambda op, method: method != "get"),
    (413, "The request body is too large.", lambda op, method: "requestBody" in op),
    (422, "Invalid input: ``errors`` holds the message of each field.",
     lambda op, method: "requestBody" in op or bool(op.get("parameters"))),
]


def document_errors(schema: dict) -> dict:
    """Add the error answers each operation can give to the OpenAPI document, with their shape
    ``{"detail", "errors"}``: the handlers below and ``core.middleware.ApiErrorMiddleware`` answer
    them for every operation alike, so they are stated once here rather than on each route. The
    fuzz test checks every answer is documented (schemathesis ``status_code_conformance``)."""
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Error", Error.model_json_schema(ref_template="#/components/schemas/{model}"))
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, description, applies in ERROR_ANSWERS:
                if applies(op, method) and status not in op["responses"] and str(status) not in op["responses"]:
                    op["responses"][status] = {"description": description, "content": ref}
    return schema


class FangguanAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = FangguanAPI(
    title="Fangguan API",
    version="1",
    description="智慧房管平台 API. Authenticate with POST /api/v1/auth/token, then send Authorization: Bearer <token>.",
    auth=[BearerAuth(), SessionUser()],
    urls_namespace="api",
    parser=StrictJsonParser(),
)


def token_or_session(view):
    """Guards the OpenAPI schema and docs: readable with a token or a logged-in session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and BearerAuth().authenticate(request, header[7:].strip()):
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return JsonResponse({"detail": _("Authentication required.")}, status=401)

    return wrapper


api.docs_decorator = token_or_session


# Ids are 64-bit: anything larger is "not found" (or invalid), never a database overflow.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def get_or_404(qs, pk: int):
    """One record of an (already scoped) queryset, 404 if absent — or if the id cannot exist."""
    if not 0 < pk <= MAX_ID:
        raise _Http404
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise _Http404 from None


def body_ref(qs, pk: int | None, field: str):
    """The record a request body names by id, from an (already scoped) queryset: ``None`` for no
    id; an id that does not exist or that the caller may not see is bad input of that field
    (422 "No such record", as ``core.crud.resolve_references`` answers for the registry) — the
    path's record is the one that answers 404."""
    if pk is None:
        return None
    found = qs.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise ValidationError({field: [_("No such record: %(id)s.") % {"id": pk}]})
    return found


# A plain pydantic model read from the record's attributes: ninja's Schema would wrap every
# nested record of a list page in its DjangoGetter.
class Ref(BaseModel):
    """A related record as lists and details show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class Page(Schema):
    count: int
    items: list[Any]


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def clamp_limit(limit: int | None) -> int:
    """Too large a limit is clamped to the maximum, never refused."""
    if limit is None:
        return settings.API_DEFAULT_LIMIT
    return max(1, min(int(limit), settings.API_MAX_LIMIT))


def paginate(qs, limit: int | None, offset: int | None) -> tuple[int, list]:
    limit = clamp_limit(limit)
    offset = min(max(0, int(offset or 0)), MAX_ID // 2)
    return qs.count(), list(qs[offset : offset + limit])


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, errs in exc.message_dict.items() for msgs in [errs]}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = _errors(exc)
    first = next(iter(errors.values()))[0]
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def _ninja_validation_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "payload", "path", "filters")]
        errors.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", ""))
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(ActionConflict)
def _conflict(request, exc):
    """A workflow action not possible in the record's present state (``core.machine``)."""
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, BodyRefused):  # ninja wraps every parse failure as "Cannot parse request body"
        return api.create_response(request, {"detail": cause.message}, status=cause.status)
    if str(exc).startswith("Cannot parse request body"):
        return api.create_response(request, {"detail": _("The request body is not valid JSON.")}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


class Pong(Schema):
    ok: bool


@api.get("/ping", response=Pong, operation_id="ping", tags=["health"], summary="Authenticated no-op")
def ping(request):
    """Authenticates and does nothing else: the cost of the stack itself, which the benchmarks
    (``make bench``) set each endpoint beside. /healthz is not that: it also plans migrations."""
    return {"ok": True}


__all__ = ["api", "Error", "Ref", "Number", "ref", "paginate", "clamp_limit", "APIKeyQuery", "InSchema", "bad_text"]
