"""The plan's map layers (the plan's figures 3, 5 and 6): delivered projects, new residential
parcels and renovation by town, for a period up to a day — GeoJSON from the records the measures
count (``measures.MEASURES[...].records``), so the map shows what the figures count. Drawn by the
map component (``core.maps``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangguan.core import maps
from fangguan.core.maps import ColourBy, Layer, MapConfig
from fangguan.core.units import wan
from fangguan.development.choices import HousingType, LandUse
from fangguan.registry.models import Estate
from fangguan.registry.selectors import town_locations

from .measures import MEASURES


def delivered_features(user, first: dt.date, last: dt.date) -> dict:
    """Delivery permits in the period, at the estate they delivered."""
    permits = (MEASURES["deliveries.area"].records(user, first, last).select_related("project", "estate", "project__town")
               .exclude(estate__latitude=None).order_by("issued_on", "pk"))
    types = dict(HousingType.choices)
    features = [maps.point(p.estate.longitude, p.estate.latitude, {
        "name": p.project.name, "url": f"{reverse('development:list', args=['permits'])}?{urlencode({'project': p.project_id})}",
        "town": p.project.town.name, "housing_type": p.project.housing_type,
        "housing_type_label": str(types.get(p.project.housing_type, "")), "estate": p.estate.name,
        "date": p.issued_on.isoformat(), "area": f"{wan(p.area_m2)} {_('10,000 ㎡')}",
    }, fid=p.pk) for p in permits]
    return maps.collection(features, as_of=last.isoformat())


def parcel_features(user, first: dt.date, last: dt.date) -> dict:
    """Parcels whose listing completed in the period with a residential share."""
    parcels = (MEASURES["land.residential_ha"].records(user, first, last).select_related("town")
               .exclude(latitude=None).order_by("listed_on", "pk"))
    uses = dict(LandUse.choices)
    ha = _("ha")
    features = [maps.point(p.longitude, p.latitude, {
        "name": str(p), "url": f"{reverse('development:list', args=['parcels'])}?{urlencode({'q': p.code})}",
        "town": p.town.name, "planned_use": p.planned_use, "planned_use_label": str(uses.get(p.planned_use, "")),
        "date": p.listed_on.isoformat(), "residential_ha": f"{p.residential_ha.quantize(Decimal('0.01'))} {ha}",
    }, fid=p.pk) for p in parcels]
    return maps.collection(features, as_of=last.isoformat())


def renovation_features(user, first: dt.date, last: dt.date) -> dict:
    """Renovation by town: each town's area (outline of its renovated estates, approximate) with
    the floor area renovated in the period."""
    located_estates = Estate.objects.visible_to(user).exclude(latitude=None).exclude(longitude=None).only(
        "id", "latitude", "longitude")
    records = (MEASURES["renovation.area"].records(user, first, last).select_related("town")
               .prefetch_related(Prefetch("estates", queryset=located_estates, to_attr="located")))
    area: dict[int, Decimal] = defaultdict(Decimal)
    public: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    located: dict[int, dict[int, tuple]] = defaultdict(dict)  # town -> estate -> (longitude, latitude)
    for r in records:
        area[r.town_id] += r.area_m2
        public[r.town_id] += r.public_housing_area_m2
        names[r.town_id] = r.town.name
        located[r.town_id].update((e.pk, (e.longitude, e.latitude)) for e in r.located)
    features = []
    list_url = reverse("development:list", args=["renovations"])
    for town_id in sorted(area):
        points = list(located[town_id].values())
        ring = maps.convex_hull(points)
        properties = {
            "name": f"{names[town_id]} · {wan(area[town_id])} {_('10,000 ㎡')}", "town": names[town_id],
            "area": str(wan(area[town_id])), "public": str(wan(public[town_id])),
            "url": f"{list_url}?{urlencode({'town': town_id, 'from': first.isoformat(), 'to': last.isoformat()})}",
        }
        if len(ring) >= 3:
            features.append(maps.polygon(ring, properties, fid=town_id))
        elif points:
            features.append(maps.point(points[0][0], points[0][1], properties, fid=town_id))
    return maps.collection(features, as_of=last.isoformat(), approximate=True)


def plan_map(user, first: dt.date, last: dt.date) -> MapConfig:
    api = reverse("api:api-root")
    query = urlencode({"from": first.isoformat(), "to": last.isoformat()})
    return MapConfig(
        id="plan-map",
        layers=[
            Layer(id="renovations", label=_("Renovation by town (approximate areas)"),
                  url=f"{api}plans/map/renovations?{query}", kind="areas", title_key="name", link_key="url",
                  note=_("Outline of the renovated estates of each town, with the floor area renovated.")),
            Layer(id="parcels", label=_("New residential parcels"), url=f"{api}plans/map/parcels?{query}",
                  colour_by=(ColourBy("planned_use", _("Planned use"), "planned_use_label"),),
                  popup=(("town", _("Town")), ("planned_use_label", _("Planned use")), ("date", _("Listed on")),
                         ("residential_ha", _("Residential area")))),
            Layer(id="deliveries", label=_("Delivered projects"), url=f"{api}plans/map/deliveries?{query}",
                  colour_by=(ColourBy("housing_type", _("Housing type"), "housing_type_label"),),
                  popup=(("town", _("Town")), ("housing_type_label", _("Housing type")), ("estate", _("Estate")),
                         ("date", _("Delivered on")), ("area", _("Floor area")))),
        ],
        labels={"colour_by": _("Colour by"), "no_location": _("No records with a location."),
                "legend": _("Legend"), "more": _("more")},
        towns=maps.town_labels(town_locations(user)),
    )
