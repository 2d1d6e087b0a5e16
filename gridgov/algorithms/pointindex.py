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
        # Bounding-box candidates first (cheap), then the exact test on them:
        # an interior hit wins; only points left over (on a border, or in no
        # polygon) pay for the boundary-inclusive "intersects" test.
        point_idx, poly_idx = self.tree.query(points)
        if len(point_idx) == 0:
            return result
        keys = self.keys[poly_idx]
        inside = shapely.contains_xy(self.polygons[poly_idx], xs[point_idx], ys[point_idx])
        self._smallest_key(result, point_idx[inside], keys[inside])
        left = result[point_idx] == NOT_FOUND
        if left.any():
            on_border = np.zeros(len(point_idx), dtype=bool)
            on_border[left] = shapely.intersects(
                self.polygons[poly_idx[left]], points[point_idx[left]]
            )
            self._smallest_key(result, point_idx[on_border], keys[on_border])
        return result

    @staticmethod
    def _smallest_key(result: np.ndarray, point_idx: np.ndarray, keys: np.ndarray) -> None:
        """result[p] = the smallest key among the hits of each point p."""
        if len(point_idx) == 0:
            return
        order = np.lexsort((keys, point_idx))
        point_sorted = point_idx[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_sorted[1:] != point_sorted[:-1]
        result[point_sorted[first]] = keys[order][first]


def brute_force_locate(
    keys: Sequence[int], polygons: Sequence[BaseGeometry], x: float, y: float
) -> int | None:
    """The reference answer: test every polygon (for tests and the benchmark)."""
    point = shapely.Point(x, y)
    containing, covering = [], []
    for key, polygon in zip(keys, polygons, strict=True):
        if polygon.contains(point):
            containing.append(int(key))
        elif polygon.covers(point):
            covering.append(int(key))
    if containing:
        return min(containing)
    return min(covering) if covering else None
