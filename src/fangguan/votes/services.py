"""Every write to owners' votes: drafting, attaching documents, and the workflow's steps —
opening (freezing the electorate and the rule), ballots on the phone and on paper, closing
(counting once and sealing the result), cancelling.

Steps go through ``machine.MACHINE.perform``: the vote's row locked, 403 before 409, nothing
written on a refusal. Ballots are rows added under that lock, numbered per owner, and unique
per (owner, number) in the database: two parallel ballots of one owner cannot both be stored,
and every change of mind is kept. The result is computed once at the close, stored, and its
digest written into the change log, which the audit chain seals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangguan.core.audit import log_change
from fangguan.core.machine import ActionConflict
from fangguan.core.models import ChangeAction
from fangguan.core.services import record_create, record_delete, record_update
from fangguan.registry.models import Building, Home, ManagementArea

from . import electorate, events
from .choices import FAMILY_OF, Channel, Choice, EventKind, ScopeKind
from .counting import Tally, Thresholds, decide
from .machine import MACHINE, window_open
from .models import Ballot, DecisionRule, Vote, VoteDocument, Voter, VoteResult, VoterPerson
from .scopes import organising_kind
from .selectors import tallies

DEFAULT_OPTIONS = ["同意", "不同意", "弃权"]
DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


# --- Drafting -------------------------------------------------------------------------------


def _scope(area: ManagementArea, kind: str, scope: dict) -> dict:
    """The owners concerned, checked against the area: buildings, a stairwell unit or homes of it."""
    if kind == ScopeKind.AREA:
        return {"area": area.pk}
    if kind == ScopeKind.BUILDINGS:
        ids = sorted({int(b) for b in scope.get("buildings") or [] if str(b).isdigit()})
        found = set(Building.objects.filter(pk__in=ids, area=area).values_list("pk", flat=True))
        if not ids or found != set(ids):
            raise ValidationError({"scope": [_("Name buildings of this management area.")]})
        return {"buildings": ids}
    if kind == ScopeKind.UNIT:
        unit = scope.get("unit") or {}
        building, number = unit.get("building"), str(unit.get("unit") or "").strip()
        if not (isinstance(building, int) and number
                and Home.objects.filter(building_id=building, building__area=area, unit=number).exists()):
            raise ValidationError({"scope": [_("Name a stairwell unit (building and unit) of this management area.")]})
        return {"unit": {"building": building, "unit": number}}
    if kind == ScopeKind.HOMES:
        ids = sorted({int(h) for h in scope.get("homes") or [] if str(h).isdigit()})
        found = set(Home.objects.filter(pk__in=ids, building__area=area).values_list("pk", flat=True))
        if not ids or found != set(ids):
            raise ValidationError({"scope": [_("Name homes of this management area.")]})
        return {"homes": ids}
    raise ValidationError({"scope": [_("Say which owners are concerned.")]})


def vote_create(*, actor, area: ManagementArea, matter: str, title: str, scope_kind: str, scope: dict,
                opens_at: dt.datetime, closes_at: dt.datetime, question: str = "", options=None,
                hide_interim: bool = True) -> Vote:
    """Draft a vote. The organising body is the owners' committee of the area, or where it has
    none in office, the neighbourhood committee or the town office (``scopes.organising_kind``)."""
    kind = organising_kind(actor, area)
    if kind is None:
        raise PermissionDenied(_("Votes in this management area are organised by its owners' committee."))
    vote = Vote(estate=area.estate, area=area, matter=matter, title=(title or "").strip(),
                question=(question or "").strip(), options=options or DEFAULT_OPTIONS, scope_kind=scope_kind,
                scope=_scope(area, scope_kind, scope or {}), opens_at=opens_at, closes_at=closes_at,
                hide_interim=hide_interim, organiser_kind=kind, organiser=actor)
    vote = record_create(actor=actor, instance=vote)
    events.write(vote, EventKind.CREATED, actor, timezone.now())
    return vote


def vote_update(*, actor, vote: Vote, changes: dict) -> Vote:
    """Change a draft (the organiser); its scope is checked again against its area."""
    changes = dict(changes)
    if "scope_kind" in changes or "scope" in changes:
        changes["scope"] = _scope(vote.area, changes.get("scope_kind", vote.scope_kind),
                                  changes.get("scope", vote.scope))
    return record_update(actor=actor, instance=vote, changes=changes)


def vote_delete(*, actor, vote: Vote) -> None:
    record_delete(actor=actor, instance=vote)


def document_add(*, actor, vote: Vote, title: str, upload) -> VoteDocument:
    """Attach a document to a draft (PDF, JPEG or PNG, as its bytes say)."""
    content_type = _sniff(upload)
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError({"file": [_("Attach a PDF, JPEG or PNG file.")]})
    document = VoteDocument(vote=vote, title=(title or upload.name)[:200], content_type=content_type,
                            uploaded_by=actor)
    document.file.save(upload.name.rsplit("/", 1)[-1][-80:] or "document", upload, save=False)
    return record_create(actor=actor, instance=document)


def _sniff(upload) -> str:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return ""


# --- The workflow ---------------------------------------------------------------------------


def act(actor, vote: Vote, action: str, *, now: dt.datetime | None = None, **params) -> Vote:
    """Take one step (``open``, ``cast``, ``record_paper``, ``close``, ``cancel``) as ``actor``;
    403 / 409 / 422 change nothing."""
    handler = HANDLERS.get(action)
    if handler is None:
        raise ValidationError({"action": [_("Unknown action.")]})

    def apply(locked, caps, at):
        return handler(actor, locked, at, params)

    def write_event(locked, transition, before, note, data, at):
        if transition.event != EventKind.BALLOT:  # a ballot is its own record (``Ballot``)
            events.write(locked, transition.event, actor, at, note=note, data=data)

    return MACHINE.perform(actor, vote, action, apply=apply, write_event=write_event, now=now,
                           lock=lambda qs: qs.select_related("estate", "area", "rule"))


def _open(actor, vote: Vote, now, p):
    if now >= vote.closes_at:
        raise ValidationError({"closes_at": [_("The voting window has already ended.")]})
    day = timezone.localdate(now)
    rule = DecisionRule.objects.in_force(FAMILY_OF[vote.matter], day)
    if rule is None:
        raise ValidationError({"matter": [_("No decision rule is in force for this matter.")]})
    electorate.freeze(vote, day)
    figures = electorate.totals(vote)
    if not figures["homes"]:
        raise ValidationError({"scope": [_("No homes are concerned by this vote.")]})
    vote.rule, vote.opened_at = rule, now
    vote.elector_homes, vote.elector_area_m2, vote.elector_owners = figures["homes"], figures["area_m2"], figures["owners"]
    vote.electorate_digest = electorate.digest(vote)
    return "", {"rule": rule.pk, "electorate": {"homes": figures["homes"], "area_m2": str(figures["area_m2"]),
                                                "owners": figures["owners"]}, "digest": vote.electorate_digest}


def _ballot(vote: Vote, voter: Voter, *, choice, channel, person_id, cast_by, scan=None, at) -> Ballot:
    if choice not in Choice.values:
        raise ValidationError({"choice": [_("Choose yes, no or abstain.")]})
    if not window_open(vote, at):
        raise ActionConflict(_("Ballots are taken from %(opens)s until %(closes)s.") % {
            "opens": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M"),
            "closes": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")})
    seq = (Ballot.objects.filter(voter=voter).aggregate(m=Max("seq"))["m"] or 0) + 1
    ballot = Ballot(vote=vote, voter=voter, seq=seq, choice=choice, channel=channel, person_id=person_id,
                    cast_by=cast_by, at=at)
    if scan is not None:
        ballot.scan.save(scan.name.rsplit("/", 1)[-1][-80:] or "ballot", scan, save=False)
    ballot.full_clean()
    ballot.save()
    return ballot


def _home_voter(vote: Vote, home) -> Voter:
    voter = Voter.objects.filter(vote=vote, elector_homes__home_id=home).first() if isinstance(home, int) else None
    if voter is None:
        raise ValidationError({"home": [_("This home is not concerned by this vote.")]})
    return voter


def _cast(actor, vote: Vote, now, p):
    """An owner's own ballot: for the one owner they are; with several (a home of their own and
    one held with a co-owner), ``home`` says which."""
    from fangguan.accounts.roles import OWNER, grants

    person = next(g.person_id for g in grants(actor) if g.kind == OWNER)
    mine = VoterPerson.objects.filter(vote=vote, person_id=person).select_related("voter")
    if p.get("home") is not None:
        voter = _home_voter(vote, p["home"])
        if not mine.filter(voter=voter).exists():
            raise ValidationError({"home": [_("This home is not yours.")]})
    else:
        voters = [vp.voter for vp in mine]
        if len(voters) != 1:
            raise ValidationError({"home": [_("Say for which of your homes you vote.")]})
        voter = voters[0]
    vote.recorded_ballot = _ballot(vote, voter, choice=p.get("choice"), channel=Channel.APP, person_id=person,
                                   cast_by=actor, at=now)
    return "", {"ballot": vote.recorded_ballot.pk}


def _record_paper(actor, vote: Vote, now, p):
    """A paper ballot entered by staff for a home's owner, with the scan of the signed ballot."""
    if p.get("scan") is None:
        raise ValidationError({"paper_scan": [_("Attach the scan of the signed paper ballot.")]})
    from fangguan.core.images import check_image

    check_image(p["scan"], field="paper_scan")
    voter = _home_voter(vote, p.get("home"))
    vote.recorded_ballot = _ballot(vote, voter, choice=p.get("choice"), channel=Channel.PAPER, person_id=None,
                                   cast_by=actor, scan=p["scan"], at=now)
    return "", {"ballot": vote.recorded_ballot.pk}


def _close(actor, vote: Vote, now, p):
    if now < vote.closes_at:
        raise ActionConflict(_("The vote closes at %(closes)s.") % {
            "closes": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")})
    vote.closed_at = now
    result = count_and_seal(actor, vote, now)
    return "", {"quorum_met": result.quorum_met, "passed": result.passed, "digest": result.digest}


def _cancel(actor, vote: Vote, now, p):
    reason = str(p.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the vote is cancelled.")]})
    vote.cancel_reason = reason[:500]
    return reason[:500], {}


HANDLERS = {"open": _open, "cast": _cast, "record_paper": _record_paper, "close": _close, "cancel": _cancel}
assert set(HANDLERS) == set(MACHINE.table), "every step of the table has a handler"


# --- Counting and sealing -------------------------------------------------------------------


def ballots_digest(vote: Vote) -> str:
    """SHA-256 over every ballot taken (changes of mind included), in owner and number order."""
    h = hashlib.sha256()
    rows = (Ballot.objects.filter(vote=vote, at__lt=vote.closes_at).order_by("voter__key", "seq")
            .values_list("voter__key", "seq", "choice", "channel", "at"))
    for key, seq, choice, channel, at in rows.iterator(chunk_size=5000):
        h.update(f"{key}|{seq}|{choice}|{channel}|{at.astimezone(dt.UTC).isoformat()}\n".encode())
    return h.hexdigest()


def figures_of(vote: Vote) -> dict:
    """The decision on the frozen electorate and each owner's latest ballot before the close."""
    by_choice = tallies(vote, vote.closes_at)
    eligible = Tally(vote.elector_area_m2 or Decimal("0.00"), vote.elector_owners or 0)
    outcome = decide(Thresholds.of(vote.rule), eligible, by_choice[Choice.YES], by_choice[Choice.NO],
                     by_choice[Choice.ABSTAIN])
    return {
        "eligible": outcome.eligible, "participating": outcome.participating, "yes": outcome.yes, "no": outcome.no,
        "abstain": outcome.abstain, "quorum_met": outcome.quorum_met, "passed": outcome.passed,
    }


def seal_of(vote: Vote, figures: dict, ballots: str) -> str:
    """The result's digest: the electorate's, the ballots' and the figures, in one hash."""
    plain = {k: ({"area_m2": str(v.area), "owners": v.owners} if isinstance(v, Tally) else v)
             for k, v in figures.items()}
    body = json.dumps({"vote": vote.pk, "rule": vote.rule_id, "electorate": vote.electorate_digest,
                       "ballots": ballots, "figures": plain}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def count_and_seal(actor, vote: Vote, now: dt.datetime) -> VoteResult:
    figures = figures_of(vote)
    ballots = ballots_digest(vote)
    result = VoteResult(
        vote=vote, eligible_area_m2=figures["eligible"].area, eligible_owners=figures["eligible"].owners,
        participating_area_m2=figures["participating"].area, participating_owners=figures["participating"].owners,
        yes_area_m2=figures["yes"].area, yes_owners=figures["yes"].owners, no_area_m2=figures["no"].area,
        no_owners=figures["no"].owners, abstain_area_m2=figures["abstain"].area,
        abstain_owners=figures["abstain"].owners, quorum_met=figures["quorum_met"], passed=figures["passed"],
        ballots_digest=ballots, digest=seal_of(vote, figures, ballots), computed_at=now)
    result.full_clean()
    result.save()
    # into the change log, which the audit chain seals: the digest cannot be quietly replaced
    log_change(actor=actor, action=ChangeAction.CREATE, instance=result, object_type="voteresult",
               after={"vote": vote.pk, "digest": result.digest, "electorate": vote.electorate_digest,
                      "ballots": ballots, "quorum_met": result.quorum_met, "passed": result.passed})
    return result


def close_due(now: dt.datetime | None = None) -> int:
    """The clock: close every open vote whose window has ended, as the system actor."""
    from fangguan.core.actors import system_actor

    now = now or timezone.now()
    system = system_actor()
    closed = 0
    for vote in Vote.objects.filter(status="open", closes_at__lte=now).order_by("closes_at", "pk"):
        act(system, vote, "close", now=now)
        closed += 1
    return closed
