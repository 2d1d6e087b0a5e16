"""The point-in-grid index of this process, rebuilt when grids change.

Every process (web, worker, CLI) keeps one index.  It compares a cheap
fingerprint of the grid table (count and latest update) with the one it was
built from and rebuilds when they differ, so a grid edited by another process
is seen too.  The fingerprint is read at most once per
``GRIDGOV_GRID_INDEX_RECHECK_SECONDS`` (default 1 s: intake is the hot path
and grids change a few times a year); a grid saved or deleted in this process
drops the index at once (``post_save``/``post_delete``, connected in
``PlacesConfig.ready``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

from gridgov.algorithms.geo import polygon_from_geojson
from gridgov.algorithms.pointindex import NOT_FOUND, PointIndex
from gridgov.places.models import Grid

CHUNK = 100_000
_lock = threading.Lock()
# built: (index, {grid id: (community id, street id)}), replaced as one.
_state: dict[str, Any] = {"fingerprint": None, "built": None, "checked": 0.0}


def _fingerprint() -> tuple[Any, ...]:
    row = Grid.objects.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    return (row["count"], row["latest"], row["top"])


def _built() -> tuple[PointIndex, dict[int, tuple[int, int]]]:
    recheck = float(settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS)
    built = _state["built"]
    if built is not None and time.monotonic() - _state["checked"] < recheck:
        return built
    fingerprint = _fingerprint()
    with _lock:
        _state["checked"] = time.monotonic()
        if _state["fingerprint"] != fingerprint or _state["built"] is None:
            rows = list(Grid.objects.values_list("id", "geometry", "community_id", "street_id"))
            index = PointIndex(
                [row[0] for row in rows], [polygon_from_geojson(row[1]) for row in rows]
            )
            # A grid's community and street change only with the grid (its fingerprint).
            _state["built"] = (index, {row[0]: (row[2], row[3]) for row in rows})
            _state["fingerprint"] = fingerprint
        return _state["built"]


def grid_index() -> PointIndex:
    """The current index (rebuilt if the grid table changed since it was built)."""
    return _built()[0]


def invalidate(*_args: Any, **_kwargs: Any) -> None:
    """Forget the index: the next lookup rebuilds it (also a receiver of grid saves and deletes)."""
    with _lock:
        _state["fingerprint"] = None
        _state["built"] = None


def locate_grid_id(lat: float, lng: float) -> int | None:
    """Id of the grid holding the point, or None outside every grid."""
    return grid_index().locate(lng, lat)


def locate_grid_place(lat: float, lng: float) -> tuple[int, int, int] | None:
    """(grid id, community id, street id) of the grid holding the point, or None."""
    index, parents = _built()
    grid_id = index.locate(lng, lat)
    if grid_id is None:
        return None
    community_id, street_id = parents[grid_id]
    return grid_id, community_id, street_id


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
