"""Geometry helpers: GeoJSON <-> shapely, validation, areas in square metres.

Pure: no Django.  Coordinates are WGS-84 [lng, lat] as in GeoJSON.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8
POLYGON_TYPES = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    """A geometry that cannot be used.

    ``code`` says why (type, coordinates, format, empty, range, invalid,
    zero_area) so callers can show a translated message; ``detail`` is the
    GEOS explanation where there is one.
    """

    MESSAGES = {
        "type": "The geometry must be a Polygon or MultiPolygon.",
        "coordinates": "The geometry has no coordinates.",
        "format": "The coordinates are malformed.",
        "empty": "The polygon is empty.",
        "range": "Coordinates out of range (longitude -180..180, latitude -90..90).",
        "invalid": "The polygon is invalid (self-intersecting or not closed).",
        "zero_area": "The polygon has no area.",
    }

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        message = self.MESSAGES[code]
        super().__init__(f"{message} {detail}".strip())


def valid_lng_lat(lng: Any, lat: Any) -> bool:
    try:
        lng_f, lat_f = float(lng), float(lat)
    except (TypeError, ValueError):
        return False
    return (
        math.isfinite(lng_f)
        and math.isfinite(lat_f)
        and -180.0 <= lng_f <= 180.0
        and -90.0 <= lat_f <= 90.0
    )


def polygon_from_geojson(geometry: Any) -> BaseGeometry:
    """A valid shapely Polygon/MultiPolygon from a GeoJSON geometry, or GeometryError."""
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        raise GeometryError("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("coordinates")
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryError("format", str(exc)) from exc
    if polygon.is_empty:
        raise GeometryError("empty")
    min_x, min_y, max_x, max_y = polygon.bounds
    if not (valid_lng_lat(min_x, min_y) and valid_lng_lat(max_x, max_y)):
        raise GeometryError("range")
    if not polygon.is_valid:
        raise GeometryError("invalid", explain_validity(polygon))
    if area_m2(polygon) <= 0:
        raise GeometryError("zero_area")
    return polygon


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    # mapping() gives tuples; JSON wants lists (and stable equality in tests).
    return dict(_listify(mapping(geometry)))


def _listify(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_listify(item) for item in value]
    if isinstance(value, dict):
        return {key: _listify(item) for key, item in value.items()}
    return value


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude near ``lat``."""
    per_lat = math.pi * EARTH_RADIUS_M / 180.0
    return per_lat * math.cos(math.radians(lat)), per_lat


def area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres (local equirectangular projection: grids are small)."""
    if geometry.is_empty:
        return 0.0
    centre_lat = geometry.centroid.y
    per_lng, per_lat = metres_per_degree(centre_lat)
    return float(geometry.area * per_lng * per_lat)
