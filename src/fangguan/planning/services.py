"""Every write to plans: create and change plans, indicators and entered values through
``core.services`` (scope check, ``clean()``, change log); load the 十四五 plan; start the next
plan by copying indicator definitions with new targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from fangguan.core.services import record_create, record_update

from . import plans
from .models import EnteredValue, Indicator, Plan


def planning_create(*, actor, model: type[models.Model], data: dict[str, Any]) -> models.Model:
    instance = model(**data)
    if isinstance(instance, EnteredValue):
        instance.entered_by = actor if getattr(actor, "pk", None) else None
    return record_create(actor=actor, instance=instance)


def planning_update(*, actor, instance: models.Model, changes: dict[str, Any]) -> models.Model:
    if isinstance(instance, EnteredValue):
        changes = {**changes, "entered_by": actor if getattr(actor, "pk", None) else None}
    return record_update(actor=actor, instance=instance, changes=changes)


def entered_value_save(*, actor, indicator: Indicator, year: int, value: Decimal, town_id: int | None,
                       any_town: bool = False, note: str = "") -> EnteredValue:
    """Enter (or correct) the value of an indicator measured by hand for a year and a town (None:
    the whole district). Only such indicators take values; the town must be one the actor enters
    for (``scopes.entry_towns``); who entered it and when are kept."""
    from .models import ENTERED
    from .scopes import entry_towns

    if indicator.measure != ENTERED:
        raise PermissionDenied(_("This indicator is computed from records; values are not entered."))
    town = entry_towns(actor).filter(pk=town_id).first() if town_id is not None else None
    if any_town and town is None:
        raise ValidationError(_("Choose one of the towns offered."))
    existing = EnteredValue.objects.visible_to(actor).filter(indicator=indicator, year=year, town=town).first()
    if existing:
        return planning_update(actor=actor, instance=existing, changes={"value": value, "note": note[:200]})
    return planning_create(actor=actor, model=EnteredValue, data={
        "indicator": indicator, "year": year, "town": town, "value": value, "note": note[:200]})


def plan_load_fourteenth() -> Plan:
    """Create the 十四五 plan with every annex line (``plans.INDICATORS``), unless it exists.

    Seed data loaded by a command or the demo (no user acts): validated like any record, logged
    as one bulk entry per model under the caller's audit cause (``load_plans``, ``load_demo``)."""
    from fangguan.core.actors import system_actor
    from fangguan.core.audit import log_bulk_create

    existing = Plan.objects.filter(code=plans.FOURTEENTH["code"]).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        plan = Plan(**plans.FOURTEENTH)
        plan.full_clean()
        plan.save()
        by_code: dict[str, Indicator] = {}
        for order, (code, parent, name, unit, target, attribute, measure, definition, notes) in enumerate(plans.INDICATORS):
            indicator = Indicator(
                plan=plan, code=code, parent=by_code.get(parent) if parent else None, name=name, unit=unit,
                target=target, attribute=attribute, measure=measure, definition=definition, notes=notes,
                office=plans.OFFICE, sort_order=order,
            )
            indicator.full_clean()
            indicator.save()
            by_code[code] = indicator
        log_bulk_create(actor=system_actor(), model=Plan, count=1, note=plan.name)
        log_bulk_create(actor=system_actor(), model=Indicator, count=len(by_code), note=plan.name)
    return plan


def plan_start_next(*, actor, source: Plan, code: str, name: str, targets: dict[str, Decimal]) -> Plan:
    """The next plan (e.g. 十五五, 2026–2030): the source's indicators copied — code, name, unit,
    attribute, parent, definition, office, measure — with the new ``targets`` (by code; every
    indicator needs one)."""
    indicators = list(source.indicators.order_by("sort_order", "code"))
    missing = [i.code for i in indicators if targets.get(i.code) is None]
    if missing:
        raise ValidationError({"targets": [_("Give a target for indicator %(code)s.") % {"code": missing[0]}]})
    span = source.end_year - source.start_year + 1
    with transaction.atomic():
        plan = record_create(actor=actor, instance=Plan(code=code, name=name, start_year=source.end_year + 1,
                                                         end_year=source.end_year + span))
        copies: dict[int, Indicator] = {}
        for i in indicators:
            copies[i.pk] = record_create(actor=actor, instance=Indicator(
                plan=plan, code=i.code, name=i.name, unit=i.unit, target=targets[i.code], attribute=i.attribute,
                parent=copies.get(i.parent_id), definition=i.definition, office=i.office, notes="",
                measure=i.measure, sort_order=i.sort_order,
            ))
    return plan
