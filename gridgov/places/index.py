"""The point-in-grid index of this process, rebuilt when grids change.

Every process (web, worker, CLI) keeps one index; before answering, it compares
a cheap fingerprint of the grid table (count and latest update) with the one
it was built from and rebuilds when they differ, so a grid edited by another
process is seen at the next lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Count, Max

from gridgov.algorithms.geo import polygon_from_geojson
from gridgov.algorithms.pointindex import NOT_FOUND, PointIndex
from gridgov.places.models import Grid

CHUNK = 100_000
_lock = threading.Lock()
_state: dict[str, Any] = {"fingerprint": None, "index": None}


def _fingerprint() -> tuple[Any, ...]:
    row = Grid.objects.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    return (row["count"], row["latest"], row["top"])


def grid_index() -> PointIndex:
    """The current index (rebuilt if the grid table changed since it was built)."""
    fingerprint = _fingerprint()
    with _lock:
        if _state["fingerprint"] != fingerprint or _state["index"] is None:
            rows = list(Grid.objects.values_list("id", "geometry"))
            _state["index"] = PointIndex(
                [row[0] for row in rows], [polygon_from_geojson(row[1]) for row in rows]
            )
            _state["fingerprint"] = fingerprint
        return _state["index"]


def invalidate() -> None:
    """Forget the index (tests; actions rely on the fingerprint instead)."""
    with _lock:
        _state["fingerprint"] = None
        _state["index"] = None


def locate_grid_id(lat: float, lng: float) -> int | None:
    """Id of the grid holding the point, or None outside every grid."""
    return grid_index().locate(lng, lat)


def locate_grid(lat: float, lng: float) -> Grid | None:
    grid_id = locate_grid_id(lat, lng)
    if grid_id is None:
        return None
    return Grid.objects.select_related("community", "street").get(pk=grid_id)


def locate_grid_ids(
    lats: Sequence[float] | np.ndarray, lngs: Sequence[float] | np.ndarray
) -> list[int | None]:
    index = grid_index()
    lat_array, lng_array = np.asarray(lats, dtype=float), np.asarray(lngs, dtype=float)
    found: list[int | None] = []
    # Chunks bound the memory of the tree query on big imports.
    for start in range(0, len(lat_array), CHUNK):
        chunk = index.locate_many(
            lng_array[start : start + CHUNK], lat_array[start : start + CHUNK]
        )
        found.extend(None if value == NOT_FOUND else int(value) for value in chunk)
    return found
