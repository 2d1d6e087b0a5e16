"""Plausible street geometry for the demo, the bulk seeder and the benchmark.

Pure: no Django.  Everything is generated in a local metric frame (x east,
y north, in metres, origin at the street's centre) and converted to WGS-84
[lng, lat] at the end, because "keep 8 m inside the boundary" or "blocks of
about 500 m" are only easy to say in metres.

The grids of a street *tile* its outline: they come from one Voronoi diagram
whose edges and the outline are noded together and polygonized, so two
neighbouring grids share exactly the same vertices (no slivers, no gaps, no
overlaps for ``create_grid``'s overlap check to trip on).  Communities are
grown over the grids' adjacency graph, so every community is contiguous.

Deterministic: the same seed gives the same street on every machine (numpy's
PCG64 generator is stable across versions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

from gridgov.algorithms.geo import metres_per_degree

#: Centre of the demo street (湖岛街道 lies around here, north of Qingdao's old town).
DEMO_CENTRE = (36.10, 120.35)  # (lat, lng)

#: Real-looking road names of the Hudao area (市北区), used for standard addresses.
ROAD_NAMES = (
    "万安一路",
    "金华路",
    "兴隆支路",
    "五丰路",
    "瑞安路",
    "宜昌路",
    "开平路",
    "四流南路",
    "鲁阳路",
    "阜阳路",
    "湖岛路",
    "嘉定路",
    "兴隆路",
    "顺昌路",
    "海岸路",
    "万安二路",
    "嘉善路",
    "杭州路",
)

# Storeys of the buildings: mostly walk-ups (厂改房, 老旧小区), some towers.
_FLOORS = np.array([2, 3, 4, 5, 6, 7, 11, 12, 18, 24, 26, 32])
_FLOOR_WEIGHTS = np.array([2, 6, 10, 18, 22, 10, 6, 6, 8, 6, 4, 2], dtype=float)

# Separate random streams per concern, so that e.g. asking for more buildings
# does not move the grids of the same seed.
_STREAM_OUTLINE, _STREAM_GRIDS, _STREAM_COMMUNITIES, _STREAM_ROADS, _STREAM_BUILDINGS = range(5)


@dataclass(frozen=True)
class Frame:
    """A local metric frame around (lat, lng): metres <-> degrees (equirectangular).

    The same affine formula is applied to every vertex, so vertices that are
    equal in metres stay bit-for-bit equal in degrees (shared edges survive).
    """

    lat: float
    lng: float

    @property
    def per_degree(self) -> tuple[float, float]:
        return metres_per_degree(self.lat)

    def to_lnglat(self, geometry: Any) -> Any:
        """Metres to [lng, lat] for one geometry or an array of them."""
        per_lng, per_lat = self.per_degree
        return shapely.transform(
            geometry,
            lambda xy: np.column_stack(
                (self.lng + xy[:, 0] / per_lng, self.lat + xy[:, 1] / per_lat)
            ),
        )

    def point_to_lnglat(self, x: float, y: float) -> tuple[float, float]:
        per_lng, per_lat = self.per_degree
        return self.lng + x / per_lng, self.lat + y / per_lat


@dataclass(frozen=True)
class GridPlan:
    """One grid: its polygon (lng/lat and metres) and the community it joins."""

    index: int
    community: int
    polygon: Polygon
    polygon_m: Polygon

    @property
    def area_m2(self) -> float:
        return float(self.polygon_m.area)


@dataclass(frozen=True)
class Road:
    """A straight road across the street; door numbers count along it."""

    name: str
    line_m: LineString


@dataclass(frozen=True)
class BuildingSite:
    """Where a building stands and its standard address parts."""

    grid: int
    lng: float
    lat: float
    road: str
    number: int
    floors: int

    @property
    def door_number(self) -> str:
        return f"{self.number}号"

    @property
    def name(self) -> str:
        return f"{self.road}{self.number}号"


@dataclass
class StreetPlan:
    """A whole street: outline, grids grouped into communities, roads, buildings."""

    frame: Frame
    outline: Polygon
    outline_m: Polygon
    grids: list[GridPlan]
    communities: list[list[int]]
    roads: list[Road] = field(default_factory=list)
    buildings: list[BuildingSite] = field(default_factory=list)

    def community_polygon(self, community: int) -> BaseGeometry:
        return shapely.union_all([self.grids[i].polygon for i in self.communities[community]])


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


# --------------------------------------------------------------------------- outline


def street_outline_m(
    rng: np.random.Generator, width_m: float = 2500.0, height_m: float = 2000.0, vertices: int = 18
) -> Polygon:
    """An irregular, roughly elliptical outline (a star polygon, so always simple).

    Radii are jittered and then smoothed with their neighbours: a street
    boundary follows roads and a coast, it does not zig-zag vertex by vertex.
    """
    a, b = width_m / 2, height_m / 2
    step = 2 * math.pi / vertices
    angles = np.arange(vertices) * step + rng.uniform(-0.3, 0.3, vertices) * step
    factors = 1 + rng.uniform(-0.14, 0.14, vertices)
    factors = (np.roll(factors, 1) + 2 * factors + np.roll(factors, -1)) / 4
    radii = a * b / np.sqrt((b * np.cos(angles)) ** 2 + (a * np.sin(angles)) ** 2) * factors
    return Polygon(np.column_stack((radii * np.cos(angles), radii * np.sin(angles))))


def _points_inside(rng: np.random.Generator, polygon: BaseGeometry, count: int) -> np.ndarray:
    """``count`` uniform random points inside ``polygon`` (rejection sampling)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    found: list[np.ndarray] = []
    total = 0
    shapely.prepare(polygon)
    while total < count:
        xs = rng.uniform(min_x, max_x, 4 * count)
        ys = rng.uniform(min_y, max_y, 4 * count)
        keep = shapely.contains_xy(polygon, xs, ys)
        chunk = np.column_stack((xs[keep], ys[keep]))
        found.append(chunk)
        total += len(chunk)
    return np.concatenate(found)[:count]


# --------------------------------------------------------------------------- tiling


def _voronoi_cells(seeds: np.ndarray, extent: BaseGeometry) -> np.ndarray:
    """Voronoi cells in the order of ``seeds`` (``ordered`` needs GEOS >= 3.12)."""
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=extent, ordered=True)
    return np.asarray(shapely.get_parts(diagram))


def _relax(seeds: np.ndarray, outline: Polygon, rounds: int) -> np.ndarray:
    """Lloyd relaxation: move each seed to its clipped cell's centroid.

    Purely random seeds give a few huge and many tiny cells; two or three
    rounds give the even, irregular blocks a street office actually draws.
    """
    extent = outline.buffer(outline.length)
    for _ in range(rounds):
        cells = shapely.intersection(_voronoi_cells(seeds, extent), outline)
        centroids = shapely.centroid(cells)
        # A centroid may fall outside a concave outline; fall back to a point on the cell.
        outside = ~shapely.contains(outline, centroids)
        centroids[outside] = shapely.point_on_surface(cells[outside])
        seeds = shapely.get_coordinates(centroids)
    return seeds


def tile_polygon_m(
    outline: Polygon, count: int, rng: np.random.Generator, relax_rounds: int = 3
) -> list[Polygon]:
    """Split ``outline`` into ``count`` contiguous cells that tile it exactly.

    The Voronoi edges and the outline are noded together and polygonized, so
    neighbouring cells share the very same vertices; simply intersecting each
    cell with the outline would compute the points where a shared edge leaves
    the outline twice, with rounding that can differ in the last bit.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if count == 1:
        return [outline]
    seeds = _relax(_points_inside(rng, outline, count), outline, relax_rounds)
    cells = _voronoi_cells(seeds, outline.buffer(outline.length))
    linework = shapely.union_all(np.concatenate([shapely.boundary(cells), [outline.exterior]]))
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(linework))))
    probes = shapely.point_on_surface(faces)
    faces = faces[shapely.contains(outline, probes)]
    probes = probes[shapely.contains(outline, probes)]
    # Which cell each face came from (faces never straddle a cell edge).
    owner = np.full(len(faces), -1)
    tree = shapely.STRtree(cells)
    face_idx, cell_idx = tree.query(probes, predicate="within")
    owner[face_idx] = cell_idx

    groups: list[list[int]] = [[] for _ in range(count)]
    orphans: list[int] = []
    for cell in range(count):
        mine = np.flatnonzero(owner == cell)
        if len(mine) == 0:
            continue
        # A convex cell cut by a concave outline can fall apart: the largest
        # piece stays, the others join a neighbour (below) so grids stay whole.
        largest = mine[np.argmax(shapely.area(faces[mine]))]
        groups[cell].append(int(largest))
        orphans.extend(int(face) for face in mine if face != largest)
    for face in orphans:
        shared = [
            shapely.length(shapely.intersection(faces[face].boundary, faces[g[0]].boundary))
            if g
            else 0.0
            for g in groups
        ]
        groups[int(np.argmax(shared))].append(face)
    return [faces[g[0]] if len(g) == 1 else shapely.union_all(faces[g]) for g in groups if g]


# --------------------------------------------------------------------------- communities


def adjacency(polygons: Sequence[BaseGeometry], min_shared_m: float = 1.0) -> list[set[int]]:
    """Neighbours of each polygon: those sharing an edge of at least ``min_shared_m``.

    Touching at a single corner does not count: a community joined only at a
    point is not one piece a grid worker can walk across.
    """
    shapes = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="touches")
    neighbours: list[set[int]] = [set() for _ in range(len(shapes))]
    for i, j in zip(left, right, strict=True):
        if i < j:
            shared = shapely.length(shapely.intersection(shapes[i], shapes[j]))
            if shared >= min_shared_m:
                neighbours[i].add(int(j))
                neighbours[int(j)].add(int(i))
    return neighbours


def _grow(seeds: list[int], neighbours: list[set[int]], centres: np.ndarray) -> list[list[int]]:
    """Region growing from ``seeds``: the smallest group takes its nearest free neighbour."""
    owner = np.full(len(centres), -1)
    members: list[list[int]] = []
    for group, seed in enumerate(seeds):
        owner[seed] = group
        members.append([seed])
    while (owner < 0).any():
        for group in sorted(range(len(seeds)), key=lambda g: (len(members[g]), g)):
            frontier = sorted({n for m in members[group] for n in neighbours[m] if owner[n] < 0})
            if frontier:
                origin = centres[seeds[group]]
                best = min(frontier, key=lambda n: (float(np.linalg.norm(centres[n] - origin)), n))
                break
        else:
            # Disconnected input (an island polygon): it joins the nearest group.
            best = int(np.flatnonzero(owner < 0)[0])
            group = int(np.argmin(np.linalg.norm(centres[seeds] - centres[best], axis=1)))
        owner[best] = group
        members[group].append(best)
    return members


def group_contiguous(
    polygons: Sequence[BaseGeometry], groups: int, rng: np.random.Generator, tries: int = 24
) -> list[list[int]]:
    """Partition polygons (in metres) into ``groups`` contiguous, balanced groups.

    Seeds far apart (farthest-point sampling from a random start), then region
    growing over the shared-edge graph, so every group is connected by
    construction.  Growth can wall a group in, so several random starts are
    tried and the most even split (then the most compact) wins.
    """
    count = len(polygons)
    if not 1 <= groups <= count:
        raise ValueError("need 1 <= groups <= number of polygons")
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(polygons, dtype=object)))
    neighbours = adjacency(polygons)
    best: tuple[tuple[int, float], list[list[int]]] | None = None
    for start in rng.permutation(count)[:tries]:
        seeds = [int(start)]
        while len(seeds) < groups:
            distance = np.min(
                np.linalg.norm(centres[:, None, :] - centres[seeds][None, :, :], axis=2), axis=1
            )
            seeds.append(int(np.argmax(distance)))
        members = _grow(seeds, neighbours, centres)
        sizes = [len(m) for m in members]
        spread = float(
            sum(np.linalg.norm(centres[m] - centres[m].mean(axis=0), axis=1).sum() for m in members)
        )
        score = (max(sizes) - min(sizes), spread)
        if best is None or score < best[0]:
            best = (score, members)
    assert best is not None
    return best[1]


# --------------------------------------------------------------------------- roads, buildings


def roads_m(
    rng: np.random.Generator, outline: Polygon, names: Sequence[str] = ROAD_NAMES
) -> list[Road]:
    """A slanted lattice of roads across the outline (Qingdao's streets are never square)."""
    min_x, min_y, max_x, max_y = outline.bounds
    span = 2 * max(max_x - min_x, max_y - min_y)
    order = list(rng.permutation(len(names)))
    east_west = (len(names) + 1) // 2
    roads: list[Road] = []
    for k, name_idx in enumerate(order):
        horizontal = k < east_west
        lanes = east_west if horizontal else len(names) - east_west
        slot = k if horizontal else k - east_west
        fraction = (slot + 0.5 + rng.uniform(-0.25, 0.25)) / lanes
        angle = math.radians(rng.uniform(-14, 14) + (0 if horizontal else 90))
        if horizontal:
            cx, cy = (min_x + max_x) / 2, min_y + fraction * (max_y - min_y)
        else:
            cx, cy = min_x + fraction * (max_x - min_x), (min_y + max_y) / 2
        dx, dy = math.cos(angle) * span / 2, math.sin(angle) * span / 2
        # Numbers grow from the west (or south) end, as door plates usually do.
        start, end = (cx - dx, cy - dy), (cx + dx, cy + dy)
        roads.append(Road(name=names[int(name_idx)], line_m=LineString([start, end])))
    return roads


def _split_count(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return counts


def _scatter(rng: np.random.Generator, polygon: Polygon, count: int, inset_m: float) -> np.ndarray:
    """``count`` points at least ``inset_m`` inside ``polygon``, spread apart.

    The inset keeps a building unambiguous for the point index even after a
    neighbouring grid's boundary is redrawn by a few metres; the spacing
    (relaxed if it cannot be met) stops two buildings standing on each other.
    """
    inner = polygon.buffer(-inset_m)
    if inner.is_empty:
        inner = polygon.buffer(-inset_m / 4)
    spacing = min(30.0, 0.6 * math.sqrt(inner.area / max(count, 1)))
    placed: list[tuple[float, float]] = []
    while len(placed) < count:
        for x, y in _points_inside(rng, inner, 8 * count):
            if not placed or np.min(np.hypot(*(np.asarray(placed) - (x, y)).T)) >= spacing:
                placed.append((float(x), float(y)))
                if len(placed) == count:
                    break
        spacing *= 0.8
    return np.asarray(placed)


def place_buildings(
    plan: StreetPlan, count: int, seed: int, inset_m: float = 8.0
) -> list[BuildingSite]:
    """``count`` buildings spread over the grids by area, each with a unique address.

    A building takes the name of its nearest road; its door number grows with
    the distance along that road, odd numbers on one side and even on the
    other (单双号), bumped to the next free number if two would collide.
    """
    rng = _rng(seed, _STREAM_BUILDINGS)
    areas = np.array([grid.area_m2 for grid in plan.grids])
    per_grid = _split_count(count, areas)
    lines = [road.line_m for road in plan.roads]
    taken: dict[str, set[int]] = {road.name: set() for road in plan.roads}
    sites: list[BuildingSite] = []
    for grid, wanted in zip(plan.grids, per_grid, strict=True):
        if wanted == 0:
            continue
        points = _scatter(rng, grid.polygon_m, int(wanted), inset_m)
        floors = rng.choice(_FLOORS, size=len(points), p=_FLOOR_WEIGHTS / _FLOOR_WEIGHTS.sum())
        for (x, y), storeys in zip(points, floors, strict=True):
            point = shapely.Point(x, y)
            distances = shapely.distance(lines, point)
            road = plan.roads[int(np.argmin(distances))]
            (sx, sy), (ex, ey) = road.line_m.coords
            along = road.line_m.project(point)
            left = (ex - sx) * (y - sy) - (ey - sy) * (x - sx) > 0
            slot = int(along // 25)
            number = 2 * slot + (1 if left else 2)
            while number in taken[road.name]:
                number += 2
            taken[road.name].add(number)
            lng, lat = plan.frame.point_to_lnglat(float(x), float(y))
            sites.append(
                BuildingSite(
                    grid=grid.index,
                    lng=lng,
                    lat=lat,
                    road=road.name,
                    number=number,
                    floors=int(storeys),
                )
            )
    return sites


# --------------------------------------------------------------------------- street


def plan_street(
    seed: int,
    *,
    centre: tuple[float, float] = DEMO_CENTRE,
    communities: int = 3,
    grids: int = 15,
    buildings: int = 0,
    width_m: float = 2500.0,
    height_m: float = 2000.0,
) -> StreetPlan:
    """A street outline split into ``grids`` grids grouped into ``communities``.

    ``centre`` is (lat, lng).  Grids are numbered so that each community's
    grids come together, north to south then west to east within a
    community, and communities from west to east: 第一网格 is the
    north-western grid of the western community.
    """
    frame = Frame(lat=centre[0], lng=centre[1])
    outline_m = street_outline_m(_rng(seed, _STREAM_OUTLINE), width_m, height_m)
    cells = tile_polygon_m(outline_m, grids, _rng(seed, _STREAM_GRIDS))
    groups = group_contiguous(cells, communities, _rng(seed, _STREAM_COMMUNITIES))
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(cells, dtype=object)))

    def reading_order(i: int) -> tuple[float, float]:
        # Rows of about 400 m from the north, then west to east.
        return (-math.floor(centres[i, 1] / 400.0), centres[i, 0])

    groups.sort(key=lambda members: float(np.mean(centres[members, 0])))
    plans: list[GridPlan] = []
    communities_out: list[list[int]] = []
    for community, members in enumerate(groups):
        indices = []
        for cell in sorted(members, key=reading_order):
            indices.append(len(plans))
            plans.append(
                GridPlan(
                    index=len(plans),
                    community=community,
                    polygon=frame.to_lnglat(cells[cell]),
                    polygon_m=cells[cell],
                )
            )
        communities_out.append(indices)
    plan = StreetPlan(
        frame=frame,
        outline=frame.to_lnglat(outline_m),
        outline_m=outline_m,
        grids=plans,
        communities=communities_out,
        roads=roads_m(_rng(seed, _STREAM_ROADS), outline_m),
    )
    if buildings:
        plan.buildings = place_buildings(plan, buildings, seed)
    return plan


# --------------------------------------------------------------------------- benchmark


def voronoi_grids(
    count: int,
    seed: int = 1,
    *,
    centre: tuple[float, float] = DEMO_CENTRE,
    cell_m: float = 500.0,
) -> tuple[list[BaseGeometry], tuple[float, float, float, float]]:
    """``count`` Voronoi grids tiling a square around ``centre`` (lat, lng).

    Returns the polygons (lng/lat) and the square's bounds (min_lng, min_lat,
    max_lng, max_lat).  Cells average ``cell_m`` x ``cell_m``, the size of a
    real grid, so 10,000 of them cover a city of 2,500 km².  Cells are clipped
    to the square one by one (no noding: fast for tens of thousands, and the
    benchmark compares two lookups over the same polygons, not tiling
    exactness).
    """
    frame = Frame(lat=centre[0], lng=centre[1])
    side = math.sqrt(count) * cell_m
    square = box(-side / 2, -side / 2, side / 2, side / 2)
    rng = _rng(seed, _STREAM_GRIDS)
    seeds = np.column_stack(
        (rng.uniform(-side / 2, side / 2, count), rng.uniform(-side / 2, side / 2, count))
    )
    cells = shapely.intersection(_voronoi_cells(seeds, square.buffer(side)), square)
    polygons = list(frame.to_lnglat(cells))
    min_lng, min_lat = frame.point_to_lnglat(-side / 2, -side / 2)
    max_lng, max_lat = frame.point_to_lnglat(side / 2, side / 2)
    return polygons, (min_lng, min_lat, max_lng, max_lat)
