"""Demo repair history for the Jinshan demo (``load_demo``; AppConfig ``demo_loader``).

Two years of plausible requests (about 20,000 for the full demo's 296,000 homes), written in bulk: more requests in estates with more homes,
leaks and blocked drains in the plum-rain and typhoon months, burst pipes in the cold weeks,
companies of uneven quality (on-time rates differ), a few reopened, rejected or cancelled, and
— in the last weeks — open requests, some overdue and escalated to the committee and the town.
The demo accounts have their part: yezhu's own requests (one waiting for an answer), wuye's
queue, juweihui's and the town's escalations. Deterministic for a seed and a day.

With ``homes="sample"`` (what the tests load) no history is added: tests build their own
requests; ``build_history`` is tested on the sample estates directly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from fangguan.registry.models import Contract, Estate, Home

from .choices import Channel, Deadline, EventKind, HandOff, Level, Place, Status
from .deadlines import LOCAL, due_dates
from .models import CalendarDay, Category, Escalation, RepairEvent, RepairRequest

SEED = 20260707
# requests per home per year, before the season (kept low enough that `make run` loads the whole
# demo within its five minutes; the figures are rates and need no more)
RATE = 0.03
SEASON = {1: 1.3, 2: 1.0, 3: 0.9, 4: 0.9, 5: 1.0, 6: 1.4, 7: 1.5, 8: 1.4, 9: 1.2, 10: 0.9, 11: 0.9, 12: 1.2}
# which categories the month favours
WET = {"roof-leak": 3.0, "drain-blocked": 2.5, "water-leak": 1.5, "facade": 1.5}
COLD = {"water-leak": 2.5, "water-supply": 2.0, "power-out": 1.5}
BASE = {"water-leak": 14, "power-out": 6, "lift-trapped": 2, "fire-safety": 2, "drain-blocked": 10,
        "water-supply": 6, "lift-fault": 7, "roof-leak": 8, "door-access": 8, "lighting": 10, "facade": 4,
        "roads-parking": 4, "greening": 3, "sanitation": 5, "other": 5}
COMMONS = [Place.STAIRWELL, Place.LIFT, Place.GARAGE, Place.GROUNDS, Place.BUILDING, Place.OTHER]


def load(*, homes: str = "sample", out=None) -> dict[str, int]:
    if homes != "full":
        return {}
    return build_history(years=2, out=out)


def _weights(month: int, codes: list[str]) -> list[float]:
    extra = WET if month in (6, 7, 8, 9) else COLD if month in (12, 1, 2) else {}
    return [BASE.get(c, 3) * extra.get(c, 1.0) for c in codes]


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng, self.now = rng, now
        self.calendar = dict(CalendarDay.objects.values_list("day", "workday"))
        self.requests: list[RepairRequest] = []
        self.events: list[list[tuple]] = []  # per request: (kind, actor, at, from, to, note, data)
        self.escalations: list[list[dict]] = []

    def add(self, req: RepairRequest, quality: float, actor_for=None):
        """Play a request's life forward from its creation up to now."""
        rng, now = self.rng, self.now
        response, complete = due_dates(start=req.created_at, category=req.category, urgent=req.urgent,
                                       onsite_office=req.estate.has_onsite_office, calendar=self.calendar)
        req.response_due_at, req.complete_due_at = response.at, complete.at
        req.calendar_estimated = response.estimated or complete.estimated
        ev = [(EventKind.CREATED, None, req.created_at, "", Status.SUBMITTED, req.description[:200],
               {"channel": req.channel, "urgent": req.urgent})]
        esc: list[dict] = []
        t = req.created_at
        status = Status.SUBMITTED
        staff = actor_for

        def step(kind, at, to, note="", data=None):
            nonlocal status
            if at > now:
                return False
            ev.append((kind, staff, at, status, to, note, data or {}))
            status = to
            return True

        # response: on time with the company's quality, otherwise late
        window = (req.response_due_at - t).total_seconds()
        late = rng.random() > quality
        respond = t + dt.timedelta(seconds=window * (rng.uniform(0.05, 0.9) if not late else rng.uniform(1.05, 3)))
        if rng.random() < 0.02 and step(EventKind.CANCELLED, t + dt.timedelta(hours=rng.uniform(0.2, 6)),
                                        Status.CANCELLED, "已自行解决"):
            req.closed_at = ev[-1][2]
            return self._finish(req, status, ev, esc)
        if not step(EventKind.ACCEPTED, respond, Status.ACCEPTED):
            return self._overdue(req, status, ev, esc)
        req.responded_at = respond
        if rng.random() < 0.03:
            step(EventKind.REJECTED, respond + dt.timedelta(minutes=10), Status.REJECTED, "属于业主自用部位，建议自行维修")
            req.closed_at = ev[-1][2]
            return self._finish(req, status, ev, esc)
        start = respond + dt.timedelta(minutes=rng.uniform(10, 240))
        if not step(EventKind.STARTED, start, Status.IN_PROGRESS):
            return self._overdue(req, status, ev, esc)
        window = (req.complete_due_at - t).total_seconds()
        late = rng.random() > quality
        done = t + dt.timedelta(seconds=window * (rng.uniform(0.15, 0.95) if not late else rng.uniform(1.05, 2.5)))
        done = max(done, start + dt.timedelta(minutes=30))
        if not step(EventKind.COMPLETED, done, Status.COMPLETED, "已维修"):
            return self._overdue(req, status, ev, esc)
        req.completed_at = done
        if late:  # the clock sent it to the committee while the work was still going on
            sent = req.complete_due_at + dt.timedelta(minutes=1)
            esc.append({"level": Level.COMMITTEE, "deadline": Deadline.COMPLETION, "due_at": req.complete_due_at,
                        "sent_at": sent, "state": HandOff.ACKNOWLEDGED,
                        "acknowledged_at": sent + dt.timedelta(hours=rng.uniform(1, 20))})
            ev.append((EventKind.ESCALATED, None, sent, Status.IN_PROGRESS, Status.IN_PROGRESS, "",
                       {"level": Level.COMMITTEE, "deadline": Deadline.COMPLETION}))
        if rng.random() < 0.06:  # not fixed: reopened, then fixed again
            again = done + dt.timedelta(hours=rng.uniform(4, 48))
            staff_before, staff = staff, None
            if not step(EventKind.REOPENED, again, Status.REOPENED, "还是有问题"):
                staff = staff_before
                return self._finish(req, status, ev, esc)
            staff = staff_before
            req.reopen_count = 1
            req.responded_at = req.completed_at = None
            response, complete = due_dates(start=again, category=req.category, urgent=req.urgent,
                                           onsite_office=req.estate.has_onsite_office, calendar=self.calendar)
            req.response_due_at, req.complete_due_at = response.at, complete.at
            fixed = again + (complete.at - again) * rng.uniform(0.2, 0.9)
            if not step(EventKind.ACCEPTED, again + dt.timedelta(hours=1), Status.ACCEPTED):
                return self._finish(req, status, ev, esc)
            req.responded_at = again + dt.timedelta(hours=1)
            if not (step(EventKind.STARTED, again + dt.timedelta(hours=2), Status.IN_PROGRESS)
                    and step(EventKind.COMPLETED, fixed, Status.COMPLETED, "已返修")):
                return self._overdue(req, status, ev, esc)
            req.completed_at = fixed
            done = fixed
        answer = done + dt.timedelta(hours=rng.uniform(2, 200))
        staff = None
        if rng.random() < 0.6 and answer < done + dt.timedelta(days=7):
            rating = rng.choices([5, 4, 3, 2, 1], weights=[50 * quality, 30, 10, 5, 5 / quality])[0]
            if step(EventKind.CONFIRMED, answer, Status.CLOSED, "", {"rating": rating}):
                req.rating, req.closed_at = rating, answer
        elif step(EventKind.CLOSED, done + dt.timedelta(days=7), Status.CLOSED, "报修人 7 天内未确认，自动办结。"):
            req.closed_at = done + dt.timedelta(days=7)
        return self._finish(req, status, ev, esc)

    def _overdue(self, req, status, ev, esc):
        """Still open now: escalated as the clock would have done it."""
        from . import conf

        grace = dt.timedelta(hours=conf.escalation_grace_hours())
        for deadline, due, met in ((Deadline.RESPONSE, req.response_due_at, req.responded_at),
                                   (Deadline.COMPLETION, req.complete_due_at, req.completed_at)):
            if met is not None or due >= self.now:
                continue
            for level, sent in ((Level.COMMITTEE, due), (Level.TOWN, due + grace)):
                if sent >= self.now:
                    continue
                acked = self.rng.random() < 0.5
                esc.append({"level": level, "deadline": deadline, "due_at": due, "sent_at": sent,
                            "state": HandOff.ACKNOWLEDGED if acked else HandOff.SENT,
                            "acknowledged_at": sent + dt.timedelta(hours=2) if acked else None})
                ev.append((EventKind.ESCALATED, None, sent, status, status, "", {"level": level, "deadline": deadline}))
        return self._finish(req, status, ev, esc)

    def _finish(self, req, status, ev, esc):
        req.status = status
        self.requests.append(req)
        self.events.append(sorted(ev, key=lambda e: e[2]))
        self.escalations.append(esc)

    def save(self) -> dict[str, int]:
        RepairRequest.objects.bulk_create(self.requests, batch_size=2000)
        events, escalations = [], []
        for req, evs, escs in zip(self.requests, self.events, self.escalations, strict=True):
            events += [RepairEvent(request=req, kind=k, actor=a, at=at, from_status=f, to_status=to, note=n, data=d)
                       for k, a, at, f, to, n, d in evs]
            escalations += [Escalation(request=req, **e) for e in escs]
        RepairEvent.objects.bulk_create(events, batch_size=5000)
        Escalation.objects.bulk_create(escalations, batch_size=5000)
        from .figures import rebuild

        rebuild()  # the figures' cells of everything loaded (bulk writes bypass the services)
        return {"repair_requests": len(self.requests), "repair_events": len(events),
                "repair_escalations": len(escalations)}


def build_history(*, years: int = 3, rate: float = RATE, estates=None, seed: int = SEED, now=None,
                  out=None) -> dict[str, int]:
    """Write ``years`` of requests up to ``now`` for ``estates`` (default: every estate with homes)."""
    from fangguan.accounts.models import User

    rng = random.Random(seed)
    now = now or timezone.now()
    builder = _Builder(rng, now)
    categories = list(Category.objects.filter(active=True).order_by("sort_order", "code"))
    codes = [c.code for c in categories]
    estates = list((estates if estates is not None else Estate.objects.all())
                   .annotate(n_homes=Count("buildings__homes")).filter(n_homes__gt=0).select_related("town")
                   .order_by("pk"))
    homes_by_estate = defaultdict(list)
    for pk, building_id, estate_id in Home.objects.filter(building__estate__in=estates).order_by("pk").values_list(
            "pk", "building_id", "building__estate_id"):
        homes_by_estate[estate_id].append((pk, building_id))
    contracts = defaultdict(list)
    for c in Contract.objects.filter(area__estate__in=estates).select_related("area"):
        contracts[c.area.estate_id].append(c)
    quality = {}
    users = {u.username: u for u in User.objects.filter(username__in=["wuye", "yezhu"])}
    wuye_company = None
    if "wuye" in users:
        wuye_company = users["wuye"].memberships.values_list("organisation__company_id", flat=True).first()
    start_day = (now.astimezone(LOCAL) - dt.timedelta(days=365 * years)).date().replace(day=1)
    for estate in estates:
        homes = homes_by_estate[estate.pk]
        day = start_day
        while day <= now.astimezone(LOCAL).date():
            month_days = ((day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - day).days
            expected = len(homes) * rate / 12 * SEASON[day.month]
            n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for _ in range(n):
                created = dt.datetime.combine(day + dt.timedelta(days=rng.randrange(month_days)),
                                              dt.time(rng.choice([7, 8, 9, 10, 11, 13, 14, 15, 16, 18, 19, 20, 21]),
                                                      rng.randrange(60)), tzinfo=LOCAL)
                if created > now:
                    continue
                company_id = _serving(contracts[estate.pk], created.date())
                quality.setdefault(company_id, rng.uniform(0.72, 0.97))
                category = categories[rng.choices(range(len(codes)), weights=_weights(created.month, codes))[0]]
                at_home = rng.random() < 0.6
                home_id, building_id = rng.choice(homes)
                req = RepairRequest(
                    estate=estate, category=category, company_id=company_id, created_at=created,
                    description=f"{category.name}，请尽快处理", urgent=category.urgent,
                    urgent_requested=category.urgent or rng.random() < 0.1,
                    channel=rng.choices([Channel.APP, Channel.PHONE, Channel.ONSITE, Channel.HOTLINE],
                                        weights=[55, 30, 10, 5])[0],
                    home_id=home_id if at_home else None, building_id=building_id,
                    place=Place.HOME if at_home else rng.choice(COMMONS))
                staff = users.get("wuye") if company_id and company_id == wuye_company else None
                builder.add(req, quality[company_id], staff)
            day = day + dt.timedelta(days=month_days)
    _yezhu(builder, users.get("yezhu"), categories, now)
    counts = builder.save()
    if out is not None:
        out.write(f"  repairs: {counts['repair_requests']} requests, {counts['repair_escalations']} escalations\n")
    return counts


def _serving(contracts, day):
    for c in sorted(contracts, key=lambda c: (c.area_id, c.start_on)):
        end = min(d for d in (c.end_on, c.terminated_on - dt.timedelta(days=1) if c.terminated_on else None,
                              dt.date.max) if d)
        if c.start_on <= day <= end:
            return c.company_id
    return None


def _yezhu(builder, user, categories, now):
    """The demo resident's own requests: a closed one, one waiting for their answer, one open."""
    if user is None:
        return
    from fangguan.registry.models import HomeShare, Person

    person = Person.objects.filter(user=user).first()
    share = HomeShare.objects.filter(person=person).select_related("home__building__estate").first()
    if share is None:
        return
    home = share.home
    by_code = {c.code: c for c in categories}
    company_id = _serving(list(Contract.objects.filter(area__estate=home.building.estate)), now.date())
    for days_ago, code, text, quality in ((120, "roof-leak", "阳台顶部渗水", 1.0), (3, "water-leak", "厨房水管接头滴水", 1.0),
                                          (1, "lighting", "楼道灯不亮", 1.0)):
        req = RepairRequest(estate=home.building.estate, building=home.building, home=home if code != "lighting" else None,
                            place=Place.HOME if code != "lighting" else Place.STAIRWELL, category=by_code[code],
                            company_id=company_id, created_at=now - dt.timedelta(days=days_ago, hours=2),
                            description=text, urgent=by_code[code].urgent, reporter=user, created_by=user,
                            channel=Channel.APP)
        builder.add(req, quality, None)
