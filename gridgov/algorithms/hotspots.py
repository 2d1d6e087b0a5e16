"""Hot spots (未诉先办): where cases of one kind keep coming, and which kinds are rising.

Pure Python (no Django).

* ``clusters``: reports of the same category within ``radius_m`` of one
  another (single linkage, so a street that floods along 300 m is one hot
  spot), kept when at least ``min_size`` reports form one. A leaking main or
  a market that floods the street every morning shows up as such a cluster
  long before anyone files the underlying problem.
* ``rising``: categories whose count this month is well above the same month
  last year (candidates for 每月一题, the month's key topic).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from gridgov.algorithms.dedupe import distance_m

RADIUS_M = 150.0
MIN_SIZE = 3


@dataclass(frozen=True)
class Report:
    id: int
    lat: float
    lng: float
    at: datetime.datetime
    label: str  # what makes reports alike (the category code)


@dataclass
class Cluster:
    label: str
    reports: list[Report]

    @property
    def centre(self) -> tuple[float, float]:
        return (
            sum(r.lat for r in self.reports) / len(self.reports),
            sum(r.lng for r in self.reports) / len(self.reports),
        )

    @property
    def first(self) -> datetime.datetime:
        return min(r.at for r in self.reports)

    @property
    def last(self) -> datetime.datetime:
        return max(r.at for r in self.reports)

    @property
    def spread_m(self) -> float:
        lat, lng = self.centre
        return max(distance_m(lat, lng, r.lat, r.lng) for r in self.reports)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def clusters(
    reports: Iterable[Report], radius_m: float = RADIUS_M, min_size: int = MIN_SIZE
) -> list[Cluster]:
    """Same-label reports linked within ``radius_m``; groups of ``min_size`` or more, biggest
    first."""
    by_label: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        by_label[report.label].append(report)
    # Cells of radius size: a neighbour within the radius is in the 3 x 3 block.
    cell_lat = radius_m / 111_000.0
    found: list[Cluster] = []
    for label, group in by_label.items():
        if len(group) < min_size:
            continue
        cell_lng = cell_lat / max(0.1, math.cos(math.radians(group[0].lat)))
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, r in enumerate(group):
            cells[(math.floor(r.lat / cell_lat), math.floor(r.lng / cell_lng))].append(i)
        parent = list(range(len(group)))
        for (row, col), members in cells.items():
            near = [
                j
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                for j in cells.get((row + dr, col + dc), ())
            ]
            for i in members:
                for j in near:
                    if (
                        j > i
                        and distance_m(group[i].lat, group[i].lng, group[j].lat, group[j].lng)
                        <= radius_m
                    ):
                        parent[_find(parent, i)] = _find(parent, j)
        members_of: dict[int, list[Report]] = defaultdict(list)
        for i, r in enumerate(group):
            members_of[_find(parent, i)].append(r)
        found.extend(
            Cluster(label, sorted(members, key=lambda r: (r.at, r.id)))
            for members in members_of.values()
            if len(members) >= min_size
        )
    found.sort(key=lambda c: (-len(c.reports), c.label, c.first))
    return found


@dataclass(frozen=True)
class Rising:
    label: str
    now: int
    before: int

    @property
    def growth(self) -> float | None:
        """(now - before) / before; None when there was nothing before."""
        return (self.now - self.before) / self.before if self.before else None


def rising(
    now: dict[str, int], before: dict[str, int], min_count: int = 5, min_growth: float = 0.5
) -> list[Rising]:
    """Labels with at least ``min_count`` now and ``min_growth`` more than before (or new)."""
    found = [
        Rising(label, count, before.get(label, 0))
        for label, count in now.items()
        if count >= min_count
        and count >= before.get(label, 0) * (1 + min_growth)
        and count > before.get(label, 0)
    ]
    found.sort(key=lambda r: (-(r.now - r.before), r.label))
    return found
