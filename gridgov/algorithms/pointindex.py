"""Point-in-polygon lookup over many polygons through a shapely 2 STRtree.

Pure: no Django.  Polygons come with integer keys (grid ids).  A point strictly
inside a polygon belongs to it; a point on a boundary shared by several
polygons (or on the outer edge of one) belongs to the covering polygon with the
smallest key, so every point has exactly one answer, the same every time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

NOT_FOUND = -1


class PointIndex:
    """Locate points among keyed polygons (vectorised)."""

    def __init__(self, keys: Sequence[int], polygons: Sequence[BaseGeometry]):
        if len(keys) != len(polygons):
            raise ValueError("keys and polygons differ in length")
        self.keys = np.asarray(keys, dtype=np.int64)
        self.polygons = np.asarray(polygons, dtype=object)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, x: float, y: float) -> int | None:
        """Key of the polygon holding (x, y) = (lng, lat), or None."""
        found = self.locate_many(np.array([x], dtype=float), np.array([y], dtype=float))[0]
        return None if found == NOT_FOUND else int(found)

    def locate_many(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Keys for every (x, y); NOT_FOUND (-1) for points outside all polygons."""
        xs = np.asarray(xs, dtype=float)
        ys = np.asarray(ys, dtype=float)
        result = np.full(len(xs), NOT_FOUND, dtype=np.int64)
        if len(self.keys) == 0 or len(xs) == 0:
            return result
        points = shapely.points(xs, ys)
        # "intersects" keeps points on boundaries: they still belong somewhere.
        point_idx, poly_idx = self.tree.query(points, predicate="intersects")
        if len(point_idx) == 0:
            return result
        inside = shapely.contains_xy(self.polygons[poly_idx], xs[point_idx], ys[point_idx])
        keys = self.keys[poly_idx]
        # For each point: interior hits first, then the smallest key.
        order = np.lexsort((keys, ~inside, point_idx))
        point_sorted = point_idx[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_sorted[1:] != point_sorted[:-1]
        result[point_sorted[first]] = keys[order][first]
        return result


def brute_force_locate(
    keys: Sequence[int], polygons: Sequence[BaseGeometry], x: float, y: float
) -> int | None:
    """The reference answer: test every polygon (for tests and the benchmark)."""
    point = shapely.Point(x, y)
    covering = []
    for key, polygon in zip(keys, polygons, strict=True):
        if polygon.contains(point):
            return int(key)
        if polygon.covers(point):
            covering.append(int(key))
    return min(covering) if covering else None
