"""PointIndex: every point gets exactly one answer, the same as the brute-force reference.

Pure tests (no database): squares and Voronoi tilings in plain coordinates.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gridgov.algorithms.demogeo import voronoi_grids
from gridgov.algorithms.pointindex import NOT_FOUND, PointIndex, brute_force_locate


def square(x: float, y: float, size: float = 1.0) -> Polygon:
    return box(x, y, x + size, y + size)


def test_point_inside_and_outside() -> None:
    index = PointIndex([1, 2], [square(0, 0), square(1, 0)])
    assert index.locate(0.5, 0.5) == 1
    assert index.locate(1.5, 0.5) == 2
    assert index.locate(3.0, 3.0) is None
    assert index.locate(-0.001, 0.5) is None
    assert len(index) == 2


def test_point_on_outer_edge_belongs_to_its_polygon() -> None:
    # A building drawn on the street's boundary still belongs to the grid.
    index = PointIndex([1], [square(0, 0)])
    assert index.locate(0.0, 0.5) == 1
    assert index.locate(1.0, 1.0) == 1


@pytest.mark.parametrize("keys", [[1, 2], [2, 1], [10, 3]])
def test_shared_edge_goes_to_smallest_key_whatever_the_order(keys: list[int]) -> None:
    index = PointIndex(keys, [square(0, 0), square(1, 0)])
    assert index.locate(1.0, 0.5) == min(keys)
    # and again: deterministic, not whichever the tree returned first
    assert index.locate(1.0, 0.5) == min(keys)


def test_shared_vertex_of_four_polygons_goes_to_smallest_key() -> None:
    polygons = [square(1, 1), square(0, 1), square(0, 0), square(1, 0)]
    for keys in ([4, 3, 2, 1], [1, 2, 3, 4], [7, 5, 9, 6]):
        index = PointIndex(keys, polygons)
        assert index.locate(1.0, 1.0) == min(keys)
        assert brute_force_locate(keys, polygons, 1.0, 1.0) == min(keys)


def test_multipolygon_answers_for_each_part() -> None:
    two_parts = MultiPolygon([square(0, 0), square(5, 0)])
    index = PointIndex([7, 8], [two_parts, square(2, 0)])
    assert index.locate(0.5, 0.5) == 7
    assert index.locate(5.5, 0.5) == 7
    assert index.locate(2.5, 0.5) == 8
    assert index.locate(4.0, 0.5) is None


def test_hole_is_not_inside_but_the_polygon_filling_it_is() -> None:
    ring = Polygon(square(0, 0, 4).exterior.coords, [square(1, 1, 2).exterior.coords])
    alone = PointIndex([1], [ring])
    assert alone.locate(2.0, 2.0) is None
    assert alone.locate(0.5, 0.5) == 1
    filled = PointIndex([5, 2], [ring, square(1, 1, 2)])
    assert filled.locate(2.0, 2.0) == 2
    assert filled.locate(0.5, 0.5) == 5
    # on the hole's ring: covered by both, the smaller key wins
    assert filled.locate(1.0, 2.0) == 2


def test_locate_many_matches_locate_and_handles_empty_input() -> None:
    index = PointIndex([1, 2], [square(0, 0), square(1, 0)])
    xs = np.array([0.5, 1.0, 1.5, 9.0])
    ys = np.array([0.5, 0.5, 0.5, 9.0])
    assert index.locate_many(xs, ys).tolist() == [1, 1, 2, NOT_FOUND]
    assert index.locate_many(np.array([]), np.array([])).tolist() == []
    assert PointIndex([], []).locate_many(xs, ys).tolist() == [NOT_FOUND] * 4


def test_keys_and_polygons_must_pair_up() -> None:
    with pytest.raises(ValueError):
        PointIndex([1, 2], [square(0, 0)])


def test_agrees_with_brute_force_on_a_voronoi_tiling() -> None:
    polygons, (min_x, min_y, max_x, max_y) = voronoi_grids(150, seed=5, cell_m=300)
    keys = list(range(100, 100 + len(polygons)))
    index = PointIndex(keys, polygons)
    rng = np.random.default_rng(11)
    # Random points (some outside the tiling) plus every polygon vertex: the
    # vertices lie exactly on shared edges and corners, the hard cases.
    pad_x, pad_y = 0.05 * (max_x - min_x), 0.05 * (max_y - min_y)
    xs = rng.uniform(min_x - pad_x, max_x + pad_x, 1500)
    ys = rng.uniform(min_y - pad_y, max_y + pad_y, 1500)
    vertices = shapely.get_coordinates(np.asarray(polygons, dtype=object))[::3]
    xs = np.concatenate([xs, vertices[:, 0]])
    ys = np.concatenate([ys, vertices[:, 1]])
    found = index.locate_many(xs, ys)
    expected = [
        brute_force_locate(keys, polygons, float(x), float(y)) for x, y in zip(xs, ys, strict=True)
    ]
    assert found.tolist() == [NOT_FOUND if key is None else key for key in expected]
    assert (found == NOT_FOUND).any() and (found != NOT_FOUND).sum() > 1000
