"""Authentication endpoints: issue, list and revoke API tokens; who am I."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from fangguan.core import ratelimit
from fangguan.core.api import Error, InSchema, get_or_404
from fangguan.core.middleware import client_ip

from .choices import Role
from .models import ApiToken
from .roles import grants, has_role
from .services import LoginRefused, token_issue, token_revoke

router = Router(tags=["auth"])


class TokenIn(InSchema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class TokenInfo(Schema):
    id: int
    username: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_username(obj):
        return obj.user.username


class GrantOut(Schema):
    kind: str
    role: str
    town: int | None
    neighbourhood: int | None
    company: int | None
    committee: int | None
    person: int | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]


@router.post("/token", auth=None, response={200: TokenOut, 401: Error, 429: Error}, operation_id="issue_token")
def issue_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (valid for FANGGUAN_API_TOKEN_HOURS)."""
    if not ratelimit.allow("login", client_ip(request), settings.FANGGUAN_RATE_LOGIN):
        raise HttpError(429, _("Too many login requests from your address. Wait a minute and try again."))
    try:
        key, token = token_issue(username=payload.username, password=payload.password, otp=payload.otp,
                                 request=request)
    except LoginRefused as exc:
        raise HttpError(403, str(exc)) from None
    except PermissionDenied as exc:
        raise HttpError(401, str(exc)) from None
    return {"token": key, "expires_at": token.expires_at}


def _tokens_for(user):
    """One's own tokens; the security administrator sees everyone's."""
    if has_role(user, Role.SECURITY_ADMIN):
        return ApiToken.objects.select_related("user")
    return ApiToken.objects.filter(user=user).select_related("user")


@router.get("/tokens", response=list[TokenInfo], operation_id="list_tokens")
def list_tokens(request, username: str | None = None, live: bool | None = None):
    qs = _tokens_for(request.user).order_by("-created_at")
    if username:
        qs = qs.filter(user__username=username)
    if live:
        qs = qs.filter(pk__in=ApiToken.objects.live().values("pk"))
    return qs[:500]


@router.delete("/tokens/{int:token_id}", response={204: None}, operation_id="revoke_token")
def revoke_token(request, token_id: int):
    token = get_or_404(_tokens_for(request.user), token_id)
    token_revoke(actor=request.user, token=token)
    return 204, None


@router.get("/me", response=MeOut, operation_id="me")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "grants": [
            {"kind": g.kind, "role": g.role, "town": g.town_id, "neighbourhood": g.neighbourhood_id,
             "company": g.company_id, "committee": g.committee_id, "person": g.person_id}
            for g in grants(user)
        ],
    }
