"""demogeo: grids tile the street exactly, communities are contiguous, all deterministic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from gridgov.algorithms import demogeo
from gridgov.algorithms.geo import metres_per_degree


@pytest.fixture(scope="module")
def plan() -> demogeo.StreetPlan:
    return demogeo.plan_street(3, communities=3, grids=15, buildings=150)


def test_grids_tile_the_outline_without_gap_or_overlap(plan: demogeo.StreetPlan) -> None:
    polygons = [grid.polygon for grid in plan.grids]
    assert len(polygons) == 15
    union = shapely.union_all(polygons)
    assert union.area == pytest.approx(plan.outline.area, rel=1e-3)
    assert sum(p.area for p in polygons) == pytest.approx(plan.outline.area, rel=1e-3)
    for a, b in itertools.combinations(polygons, 2):
        assert a.intersection(b).area < 1e-9 * plan.outline.area
    assert shapely.coverage_is_valid(np.asarray(polygons, dtype=object))


def test_grids_and_communities_are_contiguous(plan: demogeo.StreetPlan) -> None:
    assert all(isinstance(grid.polygon, Polygon) and grid.polygon.is_valid for grid in plan.grids)
    assert len(plan.communities) == 3
    assert sorted(i for members in plan.communities for i in members) == list(range(15))
    for c, members in enumerate(plan.communities):
        assert members, "every community has grids"
        assert all(plan.grids[i].community == c for i in members)
        assert plan.community_polygon(c).geom_type == "Polygon"
    # plausible blocks: no grid is a sliver or half the street
    areas = [grid.area_m2 for grid in plan.grids]
    assert min(areas) > 0.25 * max(areas)
    assert 3.0e6 < plan.outline_m.area < 5.5e6  # ~2.5 x 2 km, not a rectangle


def test_generation_is_deterministic(plan: demogeo.StreetPlan) -> None:
    again = demogeo.plan_street(3, communities=3, grids=15, buildings=150)
    assert [g.polygon.wkb for g in again.grids] == [g.polygon.wkb for g in plan.grids]
    assert again.communities == plan.communities
    assert again.buildings == plan.buildings
    other = demogeo.plan_street(4, communities=3, grids=15)
    assert [g.polygon.wkb for g in other.grids] != [g.polygon.wkb for g in plan.grids]


def test_buildings_sit_inside_their_grid_away_from_the_boundary(plan: demogeo.StreetPlan) -> None:
    assert len(plan.buildings) == 150
    per_lng, _per_lat = metres_per_degree(plan.frame.lat)
    for site in plan.buildings:
        grid = plan.grids[site.grid].polygon
        point = Point(site.lng, site.lat)
        assert grid.contains(point)
        # degrees * the smaller metres-per-degree is a lower bound on metres
        assert grid.exterior.distance(point) * per_lng > 5.0
    assert {site.road for site in plan.buildings} <= set(demogeo.ROAD_NAMES)
    names = [site.name for site in plan.buildings]
    assert len(set(names)) == len(names), "standard addresses are unique"
    assert all(
        site.number > 0 and site.name == f"{site.road}{site.number}号" for site in plan.buildings
    )


def test_voronoi_grids_tile_the_benchmark_square() -> None:
    polygons, (min_x, min_y, max_x, max_y) = demogeo.voronoi_grids(300, seed=2)
    assert len(polygons) == 300
    square_area = (max_x - min_x) * (max_y - min_y)
    assert shapely.union_all(polygons).area == pytest.approx(square_area, rel=1e-6)
    assert sum(p.area for p in polygons) == pytest.approx(square_area, rel=1e-6)
    again, _ = demogeo.voronoi_grids(300, seed=2)
    assert [p.wkb for p in again] == [p.wkb for p in polygons]


def test_group_contiguous_keeps_groups_connected() -> None:
    rng = np.random.default_rng(0)
    outline = demogeo.street_outline_m(rng)
    cells = demogeo.tile_polygon_m(outline, 24, rng)
    groups = demogeo.group_contiguous(cells, 4, rng)
    assert sorted(sum(groups, [])) == list(range(24))
    for members in groups:
        assert shapely.union_all([cells[i] for i in members]).geom_type == "Polygon"
    sizes = [len(members) for members in groups]
    assert max(sizes) - min(sizes) <= 2
