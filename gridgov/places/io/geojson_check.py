"""Cross-checks of a GeoJSON import: parents, permissions, duplicates, overlaps, locations.

Everything is compared with the rest of the file and with the database in a
few preloading queries and spatial-index lookups, so a file of thousands of
features is checked without one query (or one polygon comparison) per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gridgov.algorithms.pointindex import NOT_FOUND, PointIndex
from gridgov.core.permissions import administers
from gridgov.places import index
from gridgov.places.io.geojson_features import FeatureReader, FileCommunity, FileGrid
from gridgov.places.io.validation import (
    fetch_in,
    forbidden_grid_message,
    overlaps_with_existing,
    overlaps_within,
    visible,
)
from gridgov.places.models import Building, Community, Grid, Street


@dataclass
class _StoredGrid:
    """The few columns of a stored grid that the checks need."""

    pk: int
    code: str
    name: str
    street_id: int
    community_id: int


class GeoJsonCheck(FeatureReader):
    """Reads the features and finds every problem before anything is written.

    With ``update`` a grid whose code is stored is a redraw of that grid, not
    a duplicate: the file is then checked as the state after the redraws
    (stored grids being redrawn no longer count for overlaps or names).
    """

    def __init__(self, actor: Any, *, update: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.update = update
        # Stored grids redrawn by the file (update mode): ignored by the final-state checks.
        self.redrawn_ids: set[int] = set()
        self._forbidden_cache: dict[int, str] = {}

    def run(self, features: list[Any]) -> None:
        self.read(features)
        streets = self._streets()
        self._check_communities(streets)
        self._check_grids(streets)
        self._check_overlaps()
        self._check_buildings()

    # -- parents, codes, names -----------------------------------------------

    def _streets(self) -> dict[str, Street]:
        rows: list[FileCommunity | FileGrid] = [*self.communities, *self.grids]
        codes = {row.street_code for row in rows if row.street_code}
        found = fetch_in(visible(Street.objects.all(), self.actor), "code", codes)
        return {street.code: street for street in found}

    def _street_for(
        self, row: FileCommunity | FileGrid, streets: dict[str, Street]
    ) -> Street | None:
        if not row.street_code:
            return None
        street = streets.get(row.street_code)
        if street is None:
            self.issues.add(row.number, "street", _("Unknown street code %s.") % row.street_code)
        elif not administers(self.actor, street_id=street.pk):
            self.issues.add(
                row.number, "street", _("You may not import places into street %s.") % street.name
            )
            return None
        return street

    def _check_communities(self, streets: dict[str, Street]) -> None:
        stored_codes = set(
            fetch_in(
                Community.objects.values_list("code", flat=True),
                "code",
                [row.code for row in self.communities],
            )
        )
        stored_names = set(
            Community.objects.filter(street__in=streets.values()).values_list("street_id", "name")
        )
        codes: dict[str, int] = {}
        names: dict[tuple[str, str], int] = {}
        for row in self.communities:
            row.street = self._street_for(row, streets)
            if row.code in stored_codes:
                self.issues.add(
                    row.number, "code", _("A community with code %s exists.") % row.code
                )
            elif row.code:
                self._once(codes, row.code, row.number, "code")
            if row.street is not None and (row.street.pk, row.name) in stored_names:
                self.issues.add(
                    row.number,
                    "name",
                    _("This street already has a community named %s.") % row.name,
                )
            elif row.name:
                self._once(names, (row.street_code, row.name), row.number, "name")

    def _once(self, seen: dict[Any, int], key: Any, number: int, field_name: str) -> None:
        """Flag ``key`` when an earlier feature or row of the file already used it."""
        if key in seen:
            self.issues.add(
                number, field_name, _("Duplicate of feature %d in this file.") % seen[key]
            )
        else:
            seen[key] = number

    def _check_grids(self, streets: dict[str, Street]) -> None:
        refs = [row.community_ref for row in self.grids]
        stored = {
            c.pk: c
            for c in [
                *fetch_in(Community.objects.all(), "code", refs),
                *Community.objects.filter(street__in=streets.values()),
            ]
        }
        by_code = {c.code: c for c in stored.values()}
        by_name = {(c.street_id, c.name): c for c in stored.values()}
        file_by_code = {c.code: c for c in self.communities if c.code}
        file_by_name = {(c.street_code, c.name): c for c in self.communities if c.name}
        stored_grids = {
            code: (pk, community_id)
            for code, pk, community_id in fetch_in(
                Grid.objects.values_list("code", "pk", "community_id"),
                "code",
                [row.code for row in self.grids],
            )
        }
        if self.update:
            self.redrawn_ids = {pk for pk, _community_id in stored_grids.values()}
        stored_names = set(
            Grid.objects.filter(community_id__in=stored)
            .exclude(pk__in=self.redrawn_ids)
            .values_list("community_id", "name")
        )
        codes: dict[str, int] = {}
        names: dict[tuple[str, Any], int] = {}
        for row in self.grids:
            row.street = self._street_for(row, streets)
            row.community = self._community_for(row, by_code, by_name, file_by_code, file_by_name)
            if row.code in stored_grids and not self.update:
                self.issues.add(row.number, "code", _("A grid with code %s exists.") % row.code)
            elif row.code:
                self._once(codes, row.code, row.number, "code")
            if row.code in stored_grids and self.update:
                self._redraw(row, *stored_grids[row.code])
            if isinstance(row.community, Community):
                parent: Any = ("stored", row.community.pk)
                if (row.community.pk, row.name) in stored_names:
                    self.issues.add(
                        row.number,
                        "name",
                        _("This community already has a grid named %s.") % row.name,
                    )
                    continue
            elif row.community is not None:
                parent = ("file", row.community.code)
            else:
                continue
            if row.name:
                self._once(names, (parent, row.name), row.number, "name")

    def _redraw(self, row: FileGrid, pk: int, community_id: int) -> None:
        """Mark ``row`` as redrawing stored grid ``pk``, which must stay in its community."""
        row.existing_id = pk
        moved = isinstance(row.community, FileCommunity) or (
            isinstance(row.community, Community) and row.community.pk != community_id
        )
        if moved:
            self.issues.add(
                row.number,
                "community",
                _("Grid %s is in another community; an update may redraw a grid, not move it.")
                % row.code,
            )

    def _community_for(
        self,
        row: FileGrid,
        by_code: dict[str, Community],
        by_name: dict[tuple[int, str], Community],
        file_by_code: dict[str, FileCommunity],
        file_by_name: dict[tuple[str, str], FileCommunity],
    ) -> Any:
        if not row.community_ref or row.street is None:
            return None
        ref = row.community_ref
        found: Community | FileCommunity | None = (
            file_by_code.get(ref)
            or by_code.get(ref)
            or file_by_name.get((row.street_code, ref))
            or by_name.get((row.street.pk, ref))
        )
        if found is None:
            self.issues.add(
                row.number,
                "community",
                _("Unknown community %(ref)s in street %(street)s.")
                % {"ref": ref, "street": row.street.name},
            )
            return None
        in_street = (
            found.street_code == row.street_code
            if isinstance(found, FileCommunity)
            else found.street_id == row.street.pk
        )
        if not in_street:
            self.issues.add(
                row.number,
                "community",
                _("Community %(ref)s is not in street %(street)s.")
                % {"ref": ref, "street": row.street.name},
            )
            return None
        return found

    # -- geometry ----------------------------------------------------------

    def _check_overlaps(self) -> None:
        drawn = [row for row in self.grids if row.polygon is not None]
        polygons = [row.polygon for row in drawn]
        for first, second, area in overlaps_within(polygons):
            self.issues.add(
                drawn[second].number,
                "geometry",
                _("Overlaps feature %(other)d by %(area).0f m².")
                % {"other": drawn[first].number, "area": area},
            )
        clashes = [
            clash for clash in overlaps_with_existing(polygons) if clash[1] not in self.redrawn_ids
        ]
        if not clashes:
            return
        ids = {grid_id for _row, grid_id, _area in clashes}
        stored = {g.pk: g for g in Grid.objects.filter(pk__in=ids)}
        readable = set(
            visible(Grid.objects.filter(pk__in=ids), self.actor).values_list("pk", flat=True)
        )
        for position, grid_id, area in clashes:
            grid = stored[grid_id]
            label = (
                f"{grid.name} ({grid.code})"
                if grid_id in readable
                else _("a grid of another street")
            )
            self.issues.add(
                drawn[position].number,
                "geometry",
                _("Overlaps existing grid %(grid)s by %(area).0f m².")
                % {"grid": label, "area": area},
            )

    def _check_buildings(self) -> None:
        placed = [row for row in self.buildings if row.point is not None]
        located = self._locate([row.point for row in placed if row.point is not None])
        stored_grid_codes = set(
            fetch_in(
                Grid.objects.values_list("code", flat=True),
                "code",
                [row.grid_code for row in self.buildings],
            )
        )
        file_grid_codes = {row.code for row in self.grids}
        stored_ids = [g.pk for g in located if isinstance(g, _StoredGrid)]
        stored_names = set(
            fetch_in(Building.objects.values_list("grid_id", "name"), "grid_id", stored_ids)
        )
        street_ids = {self._street_id(g) for g in located if g is not None}
        stored_addresses = set(
            fetch_in(
                Building.objects.filter(street_id__in=street_ids).values_list(
                    "street_id", "address"
                ),
                "address",
                [row.address for row in placed],
            )
        )
        names: dict[tuple[Any, str], int] = {}
        addresses: dict[tuple[Any, str], int] = {}
        for row, grid in zip(placed, located, strict=True):
            if grid is None:
                lat, lng = row.point  # type: ignore[misc]
                self.issues.add(
                    row.number,
                    "geometry",
                    _("The point (%(lat)s, %(lng)s) lies outside every grid.")
                    % {"lat": lat, "lng": lng},
                )
                continue
            if row.grid_code and row.grid_code != grid.code:
                if row.grid_code in stored_grid_codes or row.grid_code in file_grid_codes:
                    self.issues.add(
                        row.number,
                        "grid",
                        _("The point lies in grid %(found)s, not %(given)s.")
                        % {"found": grid.code, "given": row.grid_code},
                    )
                else:
                    self.issues.add(row.number, "grid", _("Unknown grid code %s.") % row.grid_code)
            if isinstance(grid, _StoredGrid):
                if not administers(
                    self.actor,
                    street_id=grid.street_id,
                    community_id=grid.community_id,
                    grid_id=grid.pk,
                    lowest="grid",
                ):
                    self.issues.add(row.number, "grid", self._forbidden(grid))
                    continue
                if (grid.pk, row.name) in stored_names:
                    self.issues.add(
                        row.number,
                        "name",
                        _("Grid %(grid)s already has a building named %(name)s.")
                        % {"grid": grid.name, "name": row.name},
                    )
            street_id = self._street_id(grid)
            if (street_id, row.address) in stored_addresses:
                self.issues.add(
                    row.number, "address", _("Standard address %s is taken.") % row.address
                )
            elif row.address:
                self._once(addresses, (street_id, row.address), row.number, "address")
            if row.name:
                self._once(names, (grid.code, row.name), row.number, "name")

    def _forbidden(self, grid: _StoredGrid) -> str:
        return forbidden_grid_message(grid.pk, grid.name, self.actor, self._forbidden_cache)

    @staticmethod
    def _street_id(grid: _StoredGrid | FileGrid) -> Any:
        if isinstance(grid, _StoredGrid):
            return grid.street_id
        return grid.street.pk if grid.street is not None else None

    def _locate(self, points: list[tuple[float, float]]) -> list[_StoredGrid | FileGrid | None]:
        """The grid each point will fall in once this file's grids exist.

        File grids get keys above every stored id, in file order, which is the
        order they will be created in: ties on shared edges are then settled
        exactly as ``create_building`` will settle them (smallest id wins).
        Redrawn grids keep their stored id with their new polygon.
        """
        if not points:
            return []
        lats = np.array([lat for lat, _lng in points], dtype=float)
        lngs = np.array([lng for _lat, lng in points], dtype=float)
        drawn = [row for row in self.new_grids if row.polygon is not None]
        redrawn = {
            row.existing_id: row.polygon
            for row in self.redraws
            if row.existing_id is not None and row.polygon is not None
        }
        if drawn or redrawn:
            stored = index.grid_index()
            first_new = int(stored.keys.max()) + 1 if len(stored) else 1
            kept = ~np.isin(stored.keys, list(redrawn))
            combined = PointIndex(
                [*stored.keys[kept].tolist(), *redrawn, *range(first_new, first_new + len(drawn))],
                [*stored.polygons[kept], *redrawn.values(), *(row.polygon for row in drawn)],
            )
            keys = [None if k == NOT_FOUND else int(k) for k in combined.locate_many(lngs, lats)]
        else:
            first_new = 0
            keys = index.locate_grid_ids(lats, lngs)
        stored_keys = {k for k in keys if k is not None and (not drawn or k < first_new)}
        by_id = {
            g["id"]: _StoredGrid(g["id"], g["code"], g["name"], g["street_id"], g["community_id"])
            for g in Grid.objects.filter(pk__in=stored_keys).values(
                "id", "code", "name", "street_id", "community_id"
            )
        }
        located: list[_StoredGrid | FileGrid | None] = []
        for key in keys:
            if key is None:
                located.append(None)
            elif drawn and key >= first_new:
                located.append(drawn[key - first_new])
            else:
                located.append(by_id[key])
        return located
