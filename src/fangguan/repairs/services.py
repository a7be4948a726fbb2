"""Every write to repair requests: creation, the actions of the state machine, photos, the clock.

Each runs in one transaction. Actions go through ``machine.MACHINE.perform`` (``core.machine``):
the request re-read under a row lock, the actor checked against ``machine.TABLE`` (403
``ActionForbidden`` before 409 ``ActionConflict``), the action's handler, ``full_clean()``, save,
a change-log row of the fields that changed, and ``events.write`` — the typed event and its side
effects (outbox, hotline outcome, notifications), called explicitly, committed or rolled back
with the change. A refused action raises before anything is written. Writes the platform makes
itself (the clock, the 12345 bridge) name the system actor (``core.actors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fangguan.core import clock
from fangguan.core.actors import system_actor
from fangguan.core.audit import log_change, log_update, snapshot
from fangguan.core.context import audit_context, current
from fangguan.core.db import lock_referenced
from fangguan.core.disk import ensure_room, size_of
from fangguan.core.machine import SYSTEM, ActionConflict, ActionForbidden
from fangguan.core.models import ChangeAction
from fangguan.core.services import record_update
from fangguan.registry.models import Building, Estate, Home
from fangguan.registry.scopes import serving_staff

from . import conf, deadlines, events, figures
from .choices import (
    WORKING,
    Channel,
    Deadline,
    EventKind,
    HandOff,
    Level,
    PhotoStage,
    Place,
    Status,
)
from .machine import (
    DISPATCHER,
    MACHINE,
    REPORTER,
    TABLE,
    TECHNICIAN,
    escalation_level,
    waiting_levels,
)
from .models import Category, Escalation, Photo, RepairEvent, RepairRequest, Supervision
from .scopes import filing_role, serving_company_id


class TooManyRequests(Exception):
    """The reporter's daily limit is reached (HTTP 429)."""


# --- Events and the records beside a request ------------------------------------------------

record_event = events.write


def _add(actor, instance: models.Model) -> models.Model:
    """Validate, save and change-log a record the request's services create beside it (photos,
    escalations, supervision notes)."""
    instance.full_clean()
    instance.save()
    log_change(actor=actor, action=ChangeAction.CREATE, instance=instance, after=snapshot(instance))
    return instance


def _change(actor, instance: models.Model, **changes) -> models.Model:
    """Validate, save and change-log a change to such a record (an acknowledgement, an answer)."""
    before = snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    log_update(actor=actor, instance=instance, before=before)
    return instance


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# --- Photos ---------------------------------------------------------------------------------


def check_image(upload) -> tuple[str, int, int]:
    """(content type, width, height) of an uploaded photo, or ValidationError: ``core.images``'
    check (a real image, its bytes and pixels within the limits) with the photo size limit."""
    from fangguan.core.images import check_image as check

    if upload.size > conf.max_photo_bytes():
        raise ValidationError({"photos": [_("A photo may be at most %(mb)s MB.") % {
            "mb": conf.max_photo_bytes() // (1024 * 1024)}]})
    return check(upload, field="photos", max_bytes=conf.max_photo_bytes(), not_image=_("“%(name)s” is not a photo."))


def add_photos(actor, request: RepairRequest, files: Iterable, stage: str = PhotoStage.REPORT) -> list[Photo]:
    files = list(files or ())
    if not files:
        return []
    have = Photo.objects.filter(request=request, stage=stage).count()
    if have + len(files) > conf.max_photos():
        raise ValidationError({"photos": [_("At most %(n)s photos.") % {"n": conf.max_photos()}]})
    checked = [(upload, *check_image(upload)) for upload in files]  # every one before any is kept
    ensure_room(sum(size_of(upload) for upload in files))  # room for all, or none is written
    photos = []
    for upload, content_type, width, height in checked:
        photo = Photo(request=request, stage=stage, content_type=content_type, width=width, height=height,
                      uploaded_by=actor)
        photo.image.save(upload.name.rsplit("/", 1)[-1][-80:] or "photo", upload, save=False)
        photos.append(_add(actor, photo))
    return photos


def attach_photos(actor, request: RepairRequest, files: Iterable) -> list[Photo]:
    """Photos added to a request after filing (the API): the reporter's while it is open, the
    serving company's (as completion photos) while the work is in progress or just completed.
    The same content check and limit as at filing; all or none are kept."""
    from .machine import COMPANY, OPEN

    caps = MACHINE.capacities_of(actor, request)
    if caps & COMPANY:
        stage, allowed = PhotoStage.COMPLETION, (Status.IN_PROGRESS, Status.COMPLETED)
    elif REPORTER in caps:
        stage, allowed = PhotoStage.REPORT, OPEN
    else:
        raise ActionForbidden(_("You may not do this to this request."))
    if request.status not in allowed:
        raise ActionConflict(_("Photos cannot be added to a request in this state."))
    files = list(files or ())
    if not files:
        raise ValidationError({"photos": [_("Choose at least one photo.")]})
    with transaction.atomic():
        return add_photos(actor, request, files, stage)


# --- Creation -------------------------------------------------------------------------------


def _resolve(model, value, field: str):
    if value is None or isinstance(value, model):
        return value
    lookup = {"code": value} if model is Category else {"pk": value}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise ValidationError({field: [_("No such record: %(id)s.") % {"id": value}]})
    return obj


def create_request(actor, *, estate, category, description, urgent=False, home=None, building=None,
                   place="", channel=Channel.APP, external_id=None, contact_name="", contact_phone="",
                   agreed_complete: deadlines.Due | None = None, received_at=None, photos=(),
                   now=None) -> RepairRequest:
    """File a request. The system actor files for the bridges (12345, Open311). The category sets
    the urgency; a resident's ``urgent`` is only a request for it, staff's sets it. A 12345 order
    brings the completion deadline agreed with the hotline (``agreed_complete``) and the moment
    the hotline took the call (``received_at``), from which the response clock runs. The same
    (channel, external id) twice returns the first request."""
    now = now or timezone.now()
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    if external_id:
        existing = RepairRequest.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return existing
    if category in (None, ""):
        raise ValidationError({"category": [_("Choose a repair category.")]})
    estate = _resolve(Estate, estate, "estate")
    category = _resolve(Category, category, "category")
    home = _resolve(Home, home, "home")
    building = _resolve(Building, building, "building")
    if category is None or not category.active:
        raise ValidationError({"category": [_("Choose a category from the catalogue.")]})
    if home is not None and building is None:
        building = home.building
    if (building is not None and building.estate_id != estate.pk) or (home is not None and home.building_id != building.pk):
        raise ValidationError({"home" if home is not None else "building": [
            _("This home or building is not in the estate chosen.")]})
    if home is not None and not place:
        place = Place.HOME
    day = now.astimezone(deadlines.LOCAL).date()
    role = filing_role(actor, estate, home, channel, day)
    if role is None:
        raise ActionForbidden(_("You may not report a repair for this estate."))
    if role == REPORTER and channel != Channel.APP:
        channel = Channel.APP
    effective_urgent = bool(category.urgent or (urgent and role != REPORTER))
    due = deadlines.for_new_request(start=received_at or now, category=category, urgent=effective_urgent,
                                    onsite_office=estate.has_onsite_office, agreed_complete=agreed_complete)
    with transaction.atomic():
        if role == REPORTER:
            midnight = dt.datetime.combine(day, dt.time(0), tzinfo=deadlines.LOCAL)
            # lock the reporter's row so two parallel submissions cannot both pass the limit. NO KEY
            # UPDATE: it still queues a second submission behind the first, but not the rows that only
            # point at the user (an event's actor, a ballot …: FOR KEY SHARE) — a plain FOR UPDATE
            # deadlocked with them under load (bench/soak.py, docs/performance.md "Soak").
            get_user_model().objects.select_for_update(no_key=True).filter(pk=actor.pk).first()
            if RepairRequest.objects.filter(reporter=actor, created_at__gte=midnight).count() >= conf.daily_limit():
                raise TooManyRequests(_("You have filed %(n)s requests today, the most allowed; please call the "
                                        "property office for anything more.") % {"n": conf.daily_limit()})
        req = RepairRequest(
            estate=estate, building=building, home=home, place=place, category=category,
            company_id=serving_company_id(estate, building, day), description=(description or "").strip(),
            urgent=effective_urgent, urgent_requested=bool(urgent), channel=channel,
            external_id=external_id or None, reporter=actor if role == REPORTER else None, created_by=actor,
            contact_name=contact_name or "", contact_phone=contact_phone or "", created_at=now,
            agreed_complete_at=agreed_complete.at if agreed_complete is not None else None,
        )
        due.apply(req)
        req.possible_duplicate_of = _possible_duplicate(req, now)
        # the earlier request is locked (FOR KEY SHARE) before the figures' cells, as every action
        # on it locks it before them; left to the deferred foreign-key check at COMMIT, a
        # dispatcher working on it and this filing deadlocked (bench/soak.py)
        lock_referenced(RepairRequest, req.possible_duplicate_of_id)
        req.full_clean()
        try:
            with transaction.atomic():
                req.save()
        except IntegrityError:
            existing = RepairRequest.objects.filter(channel=channel, external_id=external_id).first()
            if external_id and existing is not None:
                return existing
            raise
        log_change(actor=actor, action=ChangeAction.CREATE, instance=req, after=snapshot(req))
        figures.changed(None, req)  # the figures' cells, in this transaction
        add_photos(actor, req, photos, PhotoStage.REPORT)
        record_event(req, EventKind.CREATED, actor, now, note=req.description[:200], to_status=req.status,
                     data={"channel": channel, "urgent": req.urgent, "urgent_requested": req.urgent_requested,
                           "response_due_at": _iso(req.response_due_at),
                           "complete_due_at": _iso(req.complete_due_at),
                           "possible_duplicate_of": req.possible_duplicate_of_id})
    return req


def _possible_duplicate(req: RepairRequest, now: dt.datetime) -> RepairRequest | None:
    """The latest request for the same place and category within the duplicate window."""
    qs = RepairRequest.objects.filter(
        estate=req.estate, category=req.category, merged_into__isnull=True,
        created_at__gte=now - dt.timedelta(hours=conf.duplicate_hours()), created_at__lte=now)
    if req.home_id:
        qs = qs.filter(home=req.home)
    else:
        qs = qs.filter(home__isnull=True, building=req.building, place=req.place)
    return qs.order_by("-created_at", "-pk").first()


# --- Actions --------------------------------------------------------------------------------


def _text(params, name: str, *, required: bool, limit: int = 1000) -> str:
    value = str(params.get(name) or "").strip()
    if required and not value:
        raise ValidationError({name: [_("This field is required.")]})
    return value[:limit]


def _when(value, field: str) -> dt.datetime:
    """A datetime from a datetime, a date (its end, Shanghai) or an ISO string."""
    if isinstance(value, str):
        parsed = parse_datetime(value) or parse_date(value)
        if parsed is None:
            raise ValidationError({field: [_("Enter a valid date.")]})
        value = parsed
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=deadlines.LOCAL)
    if isinstance(value, dt.date):
        return deadlines.end_of_day(value)
    raise ValidationError({field: [_("This field is required.")]})


def _day(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(deadlines.LOCAL).date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value or ""))
    if parsed is None:
        raise ValidationError({field: [_("Enter a valid date.")]})
    return parsed


def _company_user(request: RepairRequest, user_or_id, day: dt.date):
    """The assignee must be active staff of a company serving the estate."""
    pk = getattr(user_or_id, "pk", user_or_id)
    assignee = serving_staff(request.estate_id, day).filter(pk=pk).first() if isinstance(pk, int) else None
    if assignee is None:
        raise ValidationError({"assignee": [_("Assign someone of the company that serves this estate.")]})
    return assignee


def act(actor, request: RepairRequest, action: str, *, now=None, **params) -> RepairRequest:
    """Take ``action`` on ``request`` as ``actor`` (the system actor for the clock). Raises
    ActionForbidden (403), ActionConflict (409) or ValidationError (422) and changes nothing."""
    handler = HANDLERS.get(action)
    if handler is None:
        raise ValidationError({"action": [_("Unknown action.")]})

    counted = {}

    def apply(req, caps, at):
        counted["before"] = figures.row_of(req)  # as locked, before the action
        return handler(actor, req, caps, at, params)

    def write_event(req, transition, before, note, data, at):
        figures.changed(counted["before"], req)  # the figures' cells, in the action's transaction
        record_event(req, transition.event, actor, at, note=note, from_status=before, to_status=req.status,
                     data=data)

    req = MACHINE.perform(actor, request, action, apply=apply, write_event=write_event, now=now,
                          lock=lambda qs: qs.select_related("estate", "category"))
    request.refresh_from_db()
    return req


def _respond(req, now):
    if req.responded_at is None:
        req.responded_at = now


def _own_work(actor, req, caps):
    """A technician works on what is theirs (or not yet anyone's); dispatchers on anything."""
    if DISPATCHER not in caps and req.assignee_id not in (None, getattr(actor, "pk", None)):
        raise ActionForbidden(_("This request is assigned to someone else."))


def _accept(actor, req, caps, now, p):
    _respond(req, now)
    return _text(p, "note", required=False), {}


def _assign(actor, req, caps, now, p):
    if p.get("assignee") in (None, ""):
        raise ValidationError({"assignee": [_("This field is required.")]})
    assignee = _company_user(req, p["assignee"], now.astimezone(deadlines.LOCAL).date())
    req.assignee = assignee
    _respond(req, now)
    return _text(p, "note", required=False), {"assignee": assignee.pk, "assignee_name": str(assignee)}


def _start(actor, req, caps, now, p):
    _own_work(actor, req, caps)
    if req.assignee_id is None:
        req.assignee = actor
    _respond(req, now)
    return _text(p, "note", required=False), {"assignee": req.assignee_id}


def _complete(actor, req, caps, now, p):
    _own_work(actor, req, caps)
    req.completed_at = now
    photos = add_photos(actor, req, p.get("photos") or (), PhotoStage.COMPLETION)
    return _text(p, "note", required=False), {"photos": [ph.pk for ph in photos]}


def _defer(actor, req, caps, now, p):
    reason = _text(p, "reason", required=True)
    until = _day(p.get("until"), "until")
    today = now.astimezone(deadlines.LOCAL).date()
    if not today < until <= today + dt.timedelta(days=180):
        raise ValidationError({"until": [_("Defer to a day after today, at most 180 days ahead.")]})
    old = req.complete_due_at
    req.deferred_until = until
    _respond(req, now)
    deadlines.after_deferral(req, until).apply(req)
    return reason, {"until": until.isoformat(), "complete_due_at": [_iso(old), _iso(req.complete_due_at)]}


def _reject(actor, req, caps, now, p):
    reason = _text(p, "reason", required=True)
    _respond(req, now)
    req.closed_at = now
    return reason, {}


def _change_urgency(actor, req, caps, now, p):
    reason = _text(p, "reason", required=True)
    if "urgent" not in p or not isinstance(p["urgent"], bool):
        raise ValidationError({"urgent": [_("This field is required.")]})
    if p["urgent"] == req.urgent:
        raise ActionConflict(_("The request already has this urgency."))
    old = (req.response_due_at, req.complete_due_at)
    req.urgent = p["urgent"]
    deadlines.after_urgency_change(req, req.urgent).apply(req)
    return reason, {"urgent": req.urgent,
                    "response_due_at": [_iso(old[0]), _iso(req.response_due_at)],
                    "complete_due_at": [_iso(old[1]), _iso(req.complete_due_at)]}


def _escalate(actor, req, caps, now, p):
    note = _text(p, "note", required=True, limit=500)
    level = escalation_level(caps)  # not already waiting there: the table's guard
    esc = _add(actor, Escalation(request=req, level=level, deadline=Deadline.MANUAL, sent_at=now, sent_by=actor,
                                 note=note))
    return note, {"level": level, "deadline": Deadline.MANUAL, "escalation": esc.pk}


def _acknowledge(actor, req, caps, now, p):
    pending = req.escalations.filter(level__in=waiting_levels(caps), state=HandOff.SENT)
    if p.get("escalation"):
        pending = pending.filter(pk=p["escalation"]) if isinstance(p["escalation"], int) else pending.none()
    waiting = list(pending.order_by("pk"))
    if not waiting:
        raise ActionConflict(_("There is no escalation waiting for you on this request."))
    for esc in waiting:
        _change(actor, esc, state=HandOff.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
    return _text(p, "note", required=False), {"escalations": [esc.pk for esc in waiting]}


def _supervise(actor, req, caps, now, p):
    note = _text(p, "note", required=True)
    due = _when(p.get("answer_due") or p.get("answer_due_at"), "answer_due")
    if due <= now:
        raise ValidationError({"answer_due": [_("The answer must be due after now.")]})
    sup = _add(actor, Supervision(request=req, by=actor, note=note, created_at=now, answer_due_at=due))
    return note, {"supervision": sup.pk, "answer_due_at": _iso(due)}


def _answer(actor, req, caps, now, p):
    answer = _text(p, "answer", required=True)
    pending = req.supervisions.filter(answered_at__isnull=True)
    if p.get("supervision"):
        pending = pending.filter(pk=p["supervision"]) if isinstance(p["supervision"], int) else pending.none()
    sup = pending.order_by("created_at", "pk").first()
    if sup is None:
        raise ActionConflict(_("There is no supervision note waiting for an answer."))
    _change(actor, sup, answer=answer, answered_at=now, answered_by=actor)
    return answer, {"supervision": sup.pk, "late": now > sup.answer_due_at}


def _confirm(actor, req, caps, now, p):
    rating = p.get("rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Rate from 1 to 5.")]})
    req.rating, req.comment, req.closed_at = rating, _text(p, "comment", required=False, limit=500), now
    return req.comment, {"rating": rating}


def _reopen(actor, req, caps, now, p):
    comment = _text(p, "comment", required=False, limit=500) or _text(p, "reason", required=True, limit=500)
    old = (req.response_due_at, req.complete_due_at)
    deadlines.after_reopen(req, now).apply(req)
    req.responded_at = req.completed_at = None
    req.deferred_until = None
    req.reopen_count += 1
    req.comment = comment
    return comment, {"response_due_at": [_iso(old[0]), _iso(req.response_due_at)],
                     "complete_due_at": [_iso(old[1]), _iso(req.complete_due_at)]}


def _cancel(actor, req, caps, now, p):
    req.closed_at = now
    return _text(p, "reason", required=False), {}


def _merge(actor, req, caps, now, p):
    into_id = p.get("into")
    target = None
    if isinstance(into_id, int) and not isinstance(into_id, bool) and into_id != req.pk:
        target = RepairRequest.objects.visible_to(actor).filter(pk=into_id, estate_id=req.estate_id).first()
    if target is None or not target.is_open or target.merged_into_id:
        raise ValidationError({"into": [_("Merge into another open request of the same estate.")]})
    lock_referenced(RepairRequest, target.pk)  # before the figures' cells (see create_request)
    req.merged_into, req.closed_at = target, now
    return _text(p, "note", required=False), {"into": target.pk}


def _close(actor, req, caps, now, p):
    req.closed_at = now
    return _("No answer from the reporter within %(n)s days.") % {"n": conf.auto_close_days()}, {}


HANDLERS = {
    "accept": _accept, "assign": _assign, "start": _start, "complete": _complete, "defer": _defer,
    "reject": _reject, "change_urgency": _change_urgency, "escalate": _escalate, "acknowledge": _acknowledge,
    "supervise": _supervise, "answer": _answer, "confirm": _confirm, "reopen": _reopen, "cancel": _cancel,
    "merge": _merge, "close": _close,
}
assert set(HANDLERS) == set(TABLE), "every action of the table has a handler"


# --- The clock ------------------------------------------------------------------------------


def _missing(level: str, deadline: str):
    return ~Exists(Escalation.objects.filter(request=OuterRef("pk"), level=level, deadline=deadline,
                                             due_at=OuterRef(deadlines.DUE_FIELD[deadline])))


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """What the clock does at ``now``, as the system actor: close completed requests nobody
    answered, send overdue requests to the neighbourhood committee, and past the grace period to
    the town office. Idempotent: each hand-off is unique per (request, level, deadline, due), so
    running it twice at the same instant (or every minute) adds nothing new."""
    now = now or timezone.now()
    system = system_actor()
    counts = {"closed": 0, "to_committee": 0, "to_town": 0}
    with audit_context(cause=current().cause or "clock"):
        cutoff = now - dt.timedelta(days=conf.auto_close_days())
        for req in RepairRequest.objects.filter(status=Status.COMPLETED, completed_at__lte=cutoff).order_by("pk"):
            act(system, req, "close", now=now)
            counts["closed"] += 1
        working = RepairRequest.objects.filter(status__in=WORKING)

        def late(level, deadline, before):
            return (working.filter(deadlines.late_q(deadline, before)).filter(_missing(level, deadline))
                    .order_by(deadlines.DUE_FIELD[deadline], "pk").values_list("pk", flat=True))

        sent = clock.sweep(now=now, ladder=deadlines.ladder(), deadlines=(Deadline.RESPONSE, Deadline.COMPLETION),
                           late=late, escalate_one=lambda pk, level, deadline, at: _escalate_by_clock(
                               system, pk, level, deadline, at))
        counts["to_committee"], counts["to_town"] = sent[Level.COMMITTEE], sent[Level.TOWN]
    return counts


def _escalate_by_clock(system, pk: int, level: str, deadline: str, now: dt.datetime) -> bool:
    with transaction.atomic():
        req = RepairRequest.objects.select_for_update().get(pk=pk)
        due = getattr(req, deadlines.DUE_FIELD[deadline])
        if not MACHINE.permits(system, "escalate", req) or req.status not in TABLE["escalate"].moves or due >= now:
            return False
        if Escalation.objects.filter(request=req, level=level, deadline=deadline, due_at=due).exists():
            return False
        esc = _add(system, Escalation(request=req, level=level, deadline=deadline, due_at=due, sent_at=now))
        record_event(req, EventKind.ESCALATED, system, now, from_status=req.status, to_status=req.status,
                     note=_("Past the %(deadline)s deadline.") % {"deadline": esc.get_deadline_display()},
                     data={"level": level, "deadline": deadline, "due_at": _iso(due), "escalation": esc.pk})
    return True


# --- The reporter's contact -----------------------------------------------------------------


def contact_of(request: RepairRequest) -> tuple[str, str]:
    """(name, phone) to call back: the contact the request carries, else its reporter's own."""
    from fangguan.accounts.roles import person_of

    if request.contact_phone or request.contact_name:
        return request.contact_name, request.contact_phone
    person = person_of(request.reporter) if request.reporter_id else None
    return (person.name, person.phone_clear()) if person is not None else ("", "")


def contact_reveal(*, actor, request: RepairRequest, reason: str) -> str:
    """The phone to call back, in clear: for the company serving the request and the grid, with the
    reveal permission and a reason — logged like every reveal (refusals too)."""
    from fangguan.accounts.roles import may_reveal
    from fangguan.core.audit import log_security
    from fangguan.core.models import Outcome, SecurityAction

    from .machine import COMPANY, GRID

    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": [_("Give the reason for viewing this personal data.")]})
    if not (may_reveal(actor) and MACHINE.capacities_of(actor, request) & (COMPANY | GRID)):
        log_security(actor=actor, action=SecurityAction.REVEAL, outcome=Outcome.DENIED, instance=request,
                     detail={"field": "contact_phone", "reason": reason[:200]})
        raise ActionForbidden(_("You may not view unmasked personal data."))
    log_security(actor=actor, action=SecurityAction.REVEAL, instance=request,
                 detail={"field": "contact_phone", "reason": reason[:200]})
    return contact_of(request)[1]


# --- Catalogue ------------------------------------------------------------------------------


def category_update(actor, category: Category, changes: dict) -> Category:
    """The bureau edits a category's limits (checked, validated and change-logged by core)."""
    return record_update(actor=actor, instance=category, changes=changes)


__all__ = ["create_request", "act", "tick", "add_photos", "attach_photos", "check_image", "category_update",
           "record_event", "ActionConflict", "ActionForbidden", "TooManyRequests", "SYSTEM", "TECHNICIAN",
           "RepairEvent"]
