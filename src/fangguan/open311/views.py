"""Open311 GeoReport v2, JSON only, over the repair requests.

Every call needs the same Bearer token as the API (``Authorization: Bearer …``) or the spec's
``api_key`` parameter carrying a token — best a client system's own Open311 key (long-lived, read
only, opening nothing but Open311: ``manage.py open311_key``); the answer is what that token's user may see
(``RepairRequest.objects.visible_to``). ``service_request_id`` is the request's id,
``service_code`` the category code, ``expected_datetime`` the completion deadline, ``status``
``open`` or ``closed`` (closed, rejected, cancelled). Answers carry no personal data: no
description, contact, reporter, home or note — the place is the estate (and building), its
position the estate's. Errors are the spec's array ``[{"code", "description"}]`` with a Chinese
description. ``POST requests.json`` files a request as the token's user: ``address_id`` is our
estate id (or ``lat``/``long`` within 1 km of an estate), channel ``open311`` (a resident's own
report counts as theirs: ``repairs.services`` files it as from the app).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fangguan.accounts.models import TokenScope
from fangguan.accounts.services import token_user
from fangguan.core.text import ascii_digits

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
CLOSED = ("closed", "rejected", "cancelled")
NEAREST_KM = 1.0


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False,
                        json_dumps_params={"ensure_ascii": False})


def _ok(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _user(request):
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else (request.GET.get("api_key") or request.POST.get("api_key") or "")
    return token_user(key, (TokenScope.API, TokenScope.OPEN311_READ)) if key else None


def open311(methods):
    """Format, method and token checks every GeoReport call shares."""

    def decorate(view):
        @csrf_exempt
        def wrapper(request, *args, fmt: str, **kwargs):
            if fmt != "json":
                return _error(400, _("Only the JSON format is offered (.json)."))
            if request.method not in methods:
                return _error(405, _("Method not allowed."))
            user = _user(request)
            if user is None:
                return _error(401, _("A valid API token is required (Authorization: Bearer, or api_key)."))
            if request.method != "GET" and getattr(user, "api_token_scope", None) == TokenScope.OPEN311_READ:
                return _error(403, _("This client system's key may only read."))
            request.user = user
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                return _error(403, str(exc) or _("You may not do this."))
            except ValidationError as exc:
                messages = [f"{field}: {m}" if field != "__all__" else m for field, ms in getattr(
                    exc, "message_dict", {"__all__": exc.messages}).items() for m in ms]
                return _error(400, "；".join(messages))

        return wrapper

    return decorate


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _service(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": _("urgent repair") if category.urgent else _("ordinary repair"),
    }


def _service_request(r) -> dict:
    estate = r.estate
    address = estate.name + (f" {r.building.number}" if r.building_id else "")
    return {
        "service_request_id": str(r.pk),
        "status": "closed" if r.status in CLOSED else "open",
        "status_notes": r.get_status_display(),
        "service_name": r.category.name,
        "service_code": r.category.code,
        "agency_responsible": r.company.name if r.company_id else None,
        "service_notice": None,
        "requested_datetime": _iso(r.created_at),
        "updated_datetime": _iso(r.updated_at),
        "expected_datetime": _iso(r.complete_due_at),
        "address": address,
        "address_id": str(estate.pk),
        "zipcode": None,
        "lat": float(estate.latitude) if estate.latitude is not None else None,
        "long": float(estate.longitude) if estate.longitude is not None else None,
        "media_url": None,
    }


def _visible(user):
    from fangguan.repairs.models import RepairRequest

    return RepairRequest.objects.visible_to(user).select_related("estate", "category", "company", "building")


@open311(("GET",))
def services(request):
    from fangguan.repairs.models import Category

    return _ok([_service(c) for c in Category.objects.visible_to(request.user).filter(active=True)])


@open311(("GET",))
def service_definition(request, code: str):
    """GeoReport v2 service definition: the extra attributes a service asks for. None of ours
    asks for any (``metadata`` is false in the list), so ``attributes`` is empty; an unknown or
    withdrawn code is 404."""
    from fangguan.repairs.models import Category

    category = Category.objects.visible_to(request.user).filter(active=True, code=code[:30]).first()
    if category is None:
        return _error(404, _("No such service."))
    return _ok({"service_code": category.code, "attributes": []})


def _date(value: str, name: str):
    try:
        moment = parse_datetime(value.replace(" ", "+")) if value else None
    except ValueError:  # well formed but no such moment: 2025-02-30, month 13, hour 25
        moment = None
    if value and (moment is None or moment.tzinfo is None):
        raise ValidationError({name: [_("Give a date and time in ISO 8601 with its offset, e.g. 2026-01-05T08:00:00+08:00.")]})
    return moment


def _list(request) -> JsonResponse:
    qs = _visible(request.user)
    ids = [v.strip() for v in request.GET.get("service_request_id", "").split(",") if v.strip()]
    if ids:
        if not all(ascii_digits(v) and 0 < int(v) < 2**63 for v in ids):
            return _ok([])
        return _ok([_service_request(r) for r in qs.filter(pk__in=[int(v) for v in ids])[:MAX_RESULTS]])
    start = _date(request.GET.get("start_date", ""), "start_date")
    end = _date(request.GET.get("end_date", ""), "end_date")
    if start and end and start > end:
        raise ValidationError({"end_date": [_("The end date is before the start date.")]})
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    codes = [v.strip() for v in request.GET.get("service_code", "").split(",") if v.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {v.strip() for v in request.GET.get("status", "").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        raise ValidationError({"status": [_("Status is open or closed.")]})
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    return _ok([_service_request(r) for r in qs.order_by("-created_at", "-pk")[:MAX_RESULTS]])


def _nearest_estate(lat: float, lng: float):
    from fangguan.registry.models import Estate

    best, best_km = None, NEAREST_KM
    box = 0.02  # about 2 km: the candidates around the point
    for estate in Estate.objects.filter(latitude__range=(lat - box, lat + box), longitude__range=(lng - box, lng + box)):
        dy = (float(estate.latitude) - lat) * 111.2
        dx = (float(estate.longitude) - lng) * 111.2 * math.cos(math.radians(lat))
        km = math.hypot(dx, dy)
        if km <= best_km:
            best, best_km = estate, km
    return best


def _create(request) -> JsonResponse:
    from fangguan.registry.models import Estate
    from fangguan.repairs.services import TooManyRequests, create_request

    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        return _error(400, _("service_code is required."))
    address_id = data.get("address_id", "").strip()
    estate = None
    if address_id:
        estate = Estate.objects.filter(pk=int(address_id)).first() if ascii_digits(address_id) else None
    elif data.get("lat") and data.get("long"):
        try:
            lat, lng = float(data["lat"]), float(data["long"])
        except ValueError:
            return _error(400, _("lat and long must be numbers."))
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            return _error(400, _("lat and long must be numbers."))
        estate = _nearest_estate(lat, lng)
    else:
        return _error(400, _("Say where: address_id (the estate id) or lat and long."))
    if estate is not None and not Estate.objects.visible_to(request.user).filter(pk=estate.pk).exists():
        estate = None  # not yours reads as not there: the same answer as an address that does not exist
    if estate is None:
        return _error(400, _("No estate of the district at this address."))
    description = data.get("description", "").strip()
    if not description:
        return _error(400, _("description is required."))
    try:
        req = create_request(request.user, estate=estate, category=code, description=description[:2000],
                             channel="open311")
    except TooManyRequests as exc:
        return _error(429, str(exc))
    return _ok([{"service_request_id": str(req.pk), "service_notice": _("Received; completion due %(due)s.") % {
        "due": _iso(req.complete_due_at)}, "account_id": None}], status=201)


@open311(("GET", "POST"))
def requests_(request):
    if request.method == "POST":
        return _create(request)
    return _list(request)


@open311(("GET",))
def request_one(request, request_id: str):
    if not ascii_digits(request_id) or not 0 < int(request_id) < 2**63:
        return _error(404, _("No such service request."))
    r = _visible(request.user).filter(pk=int(request_id)).first()
    if r is None:
        return _error(404, _("No such service request."))
    return _ok([_service_request(r)])
