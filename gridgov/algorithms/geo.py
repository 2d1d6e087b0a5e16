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
    """A geometry that cannot be used; the message says why (in Chinese)."""


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
        raise GeometryError("几何类型必须是 Polygon 或 MultiPolygon")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("缺少坐标")
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryError(f"坐标格式错误: {exc}") from exc
    if polygon.is_empty:
        raise GeometryError("多边形为空")
    min_x, min_y, max_x, max_y = polygon.bounds
    if not (valid_lng_lat(min_x, min_y) and valid_lng_lat(max_x, max_y)):
        raise GeometryError("坐标超出经纬度范围 (经度 -180~180, 纬度 -90~90)")
    if not polygon.is_valid:
        raise GeometryError(f"多边形无效 (自相交或环不闭合): {explain_validity(polygon)}")
    if area_m2(polygon) <= 0:
        raise GeometryError("多边形面积为零")
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
