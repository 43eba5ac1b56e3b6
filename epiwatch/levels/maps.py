"""The level map: boundary GeoJSON keyed by GSO code in, SVG paths out (server-side, no script, no tiles).

`read_geojson` checks an uploaded FeatureCollection: each feature names its area by a code property (`code`,
`gso_code`, `ma`, `ma_xa`, `ma_huyen`, `ma_tinh`) and has a Polygon or MultiPolygon in longitude/latitude.
`svg_shapes` projects the outlines of the areas shown (equirectangular, longitudes shrunk by the cosine of the
middle latitude, which is plenty at a province's size) into a viewBox and writes one path per area, dropping
points closer than half a pixel to the last one kept so a detailed outline stays a small page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

CODE_PROPERTIES = ("code", "gso_code", "ma", "ma_xa", "ma_huyen", "ma_tinh", "ma_dvhc")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_FEATURES = 20_000
WIDTH = 640.0
MIN_STEP = 0.5  # pixels


class BoundaryError(ValueError):
    """The upload cannot be used; the message names the feature and the problem."""


def _feature_code(properties: dict[str, Any]) -> str | None:
    lowered = {str(k).lower(): v for k, v in (properties or {}).items()}
    for key in CODE_PROPERTIES:
        value = lowered.get(key)
        if value not in (None, ""):
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    return None


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise BoundaryError(_("%(where)s: a ring needs at least 4 positions") % {"where": where})
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])
        ):
            raise BoundaryError(_("%(where)s: a position is not [longitude, latitude]") % {"where": where})
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BoundaryError(
                _("%(where)s: %(lon)s, %(lat)s is not a longitude and latitude")
                % {"where": where, "lon": lon, "lat": lat}
            )


def check_geometry(geometry: Any, where: str) -> dict[str, Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        raise BoundaryError(
            _("%(where)s: the geometry is %(kind)s; a Polygon or MultiPolygon is needed")
            % {"where": where, "kind": kind}
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise BoundaryError(_("%(where)s: the geometry has no coordinates") % {"where": where})
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise BoundaryError(_("%(where)s: a polygon has no rings") % {"where": where})
        for ring in polygon:
            _check_ring(ring, where)
    return {"type": geometry["type"], "coordinates": coordinates}


def read_geojson(raw: bytes | str) -> dict[str, dict[str, Any]]:
    """GSO code -> geometry of every feature; BoundaryError naming the feature (1-based) of the first problem."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BoundaryError(_("The file is not GeoJSON (JSON): %(error)s") % {"error": error}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryError(_("The file must be a GeoJSON FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError(_("The FeatureCollection has no features."))
    if len(features) > MAX_FEATURES:
        raise BoundaryError(
            _("The file has %(n)s features; at most %(max)s are accepted.")
            % {"n": len(features), "max": MAX_FEATURES}
        )
    found: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(features, start=1):
        where = _("feature %(n)s") % {"n": number}
        if not isinstance(feature, dict):
            raise BoundaryError(_("%(where)s is not a GeoJSON feature") % {"where": where})
        code = _feature_code(feature.get("properties") or {})
        if code is None:
            raise BoundaryError(
                _("%(where)s has no area code: give one of the properties %(names)s")
                % {"where": where, "names": ", ".join(CODE_PROPERTIES)}
            )
        where = _("feature %(n)s (code %(code)s)") % {"n": number, "code": code}
        if code in found:
            raise BoundaryError(_("%(where)s: the code appears twice in the file") % {"where": where})
        found[code] = check_geometry(feature.get("geometry"), where)
    return found


# --- drawing -------------------------------------------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> Iterable[list]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield from polygon


@dataclass(frozen=True)
class Shape:
    key: Any  # whatever the caller drew it for (an Area)
    d: str  # the SVG path


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    shapes: tuple[Shape, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def svg_shapes(items: Sequence[tuple[Any, dict[str, Any]]], width: float = WIDTH) -> Drawing | None:
    """(key, geometry) pairs drawn into one viewBox of the given width; None when there is nothing to draw."""
    points = [(lon, lat) for _key, g in items for ring in _rings(g) for lon, lat, *_rest in ring]
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    shrink = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * shrink or 1e-9
    span_y = (max(lats) - min(lats)) or 1e-9
    scale = width / span_x
    height = max(span_y * scale, 1.0)
    if height > width * 1.5:  # a tall province: fit the height instead
        scale = width * 1.5 / span_y
        height = width * 1.5
    west, north = min(lons), max(lats)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * shrink * scale, (north - lat) * scale

    shapes = []
    for key, geometry in items:
        parts = []
        for ring in _rings(geometry):
            kept: list[tuple[float, float]] = []
            for lon, lat, *_rest in ring:
                x, y = project(lon, lat)
                if kept and abs(x - kept[-1][0]) < MIN_STEP and abs(y - kept[-1][1]) < MIN_STEP:
                    continue
                kept.append((x, y))
            if len(kept) >= 3:
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z")
        if parts:
            shapes.append(Shape(key, "".join(parts)))
    return Drawing(width=round(span_x * scale, 1), height=round(height, 1), shapes=tuple(shapes))
