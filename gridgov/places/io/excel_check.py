"""Checks of an Excel import: every row of 楼栋 and 住户, against the file and the database.

Vectorised where it counts: one point-in-grid lookup for all building rows,
and stored names, addresses and dwellings preloaded into sets, so that
10,000 rows are checked in seconds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gridgov.core.permissions import administers
from gridgov.places import index
from gridgov.places.io.bulk import NewBuilding, NewHousehold
from gridgov.places.io.excel_sheets import (
    BUILDING_COLUMNS,
    BUILDING_SHEET,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MAX_FLOORS,
    MAX_HOUSEHOLD_SIZE,
    Sheet,
)
from gridgov.places.io.validation import (
    ImportIssue,
    Issues,
    check_lat_lng,
    check_length,
    clean_text,
    fetch_in,
    forbidden_grid_message,
    parse_whole,
    visible,
)
from gridgov.places.models import Building, Grid, Household


class ExcelCheck:
    """Finds every problem in the two sheets, and plans the rows to write."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.building_issues = Issues(BUILDING_SHEET)
        self.household_issues = Issues(HOUSEHOLD_SHEET)
        self.buildings: list[NewBuilding] = []
        self.households: list[NewHousehold] = []
        # Every building row with an address (even a faulty one), so that a
        # household in it is not reported as "unknown building" as well.
        self.file_addresses: dict[str, list[int]] = defaultdict(list)
        self.row_to_new: dict[int, int] = {}
        self.grids: dict[int, Grid] = {}
        self._forbidden_cache: dict[int, str] = {}

    @property
    def errors(self) -> list[ImportIssue]:
        return [*self.building_issues.items, *self.household_issues.items]

    def run(self, buildings: Sheet | None, households: Sheet | None) -> None:
        if buildings is not None:
            self._check_buildings(buildings)
        if households is not None:
            self._check_households(households)

    def _missing_columns(
        self, sheet: Sheet, issues: Issues, columns: dict[str, tuple[str, ...]]
    ) -> bool:
        for key in sheet.missing:
            issues.add(1, key, _("Missing column %s.") % columns[key][0])
        return bool(sheet.missing)

    def _text(
        self,
        issues: Issues,
        number: int,
        cells: dict[str, Any],
        key: str,
        limit: int,
        required: bool = False,
    ) -> str:
        value = clean_text(cells.get(key))
        if required and not value:
            issues.add(number, key, _("This cell is required."))
        check_length(issues, number, key, value, limit)
        return value

    @staticmethod
    def _once(issues: Issues, seen: dict[Any, int], key: Any, number: int, name: str) -> bool:
        if key in seen:
            issues.add(number, name, _("Duplicate of row %d in this sheet.") % seen[key])
            return False
        seen[key] = number
        return True

    # -- 楼栋 ----------------------------------------------------------------

    def _check_buildings(self, sheet: Sheet) -> None:
        issues = self.building_issues
        if self._missing_columns(sheet, issues, BUILDING_COLUMNS):
            return
        rows = []
        for number, cells in sheet.rows:
            text = {
                "name": self._text(issues, number, cells, "name", 100, required=True),
                "address": self._text(issues, number, cells, "address", 200, required=True),
                "road": self._text(issues, number, cells, "road", 100),
                "door_number": self._text(issues, number, cells, "door_number", 32),
                "grid_code": self._text(issues, number, cells, "grid_code", 32),
            }
            if text["address"]:
                self.file_addresses[text["address"]].append(number)
            floors = None
            if clean_text(cells.get("floors")):
                floors = parse_whole(cells["floors"], allow_text=True)
                if floors is None or not 0 <= floors <= MAX_FLOORS:
                    issues.add(
                        number,
                        "floors",
                        _("Floors must be a whole number from 0 to %d.") % MAX_FLOORS,
                    )
            point = check_lat_lng(
                issues, number, cells.get("lat"), cells.get("lng"), allow_text=True
            )
            if point is not None:
                rows.append((number, text, floors, point))
        if not rows:
            return
        found = index.locate_grid_ids(
            np.array([r[3][0] for r in rows]), np.array([r[3][1] for r in rows])
        )
        grid_ids = {grid_id for grid_id in found if grid_id is not None}
        self.grids = {g.pk: g for g in fetch_in(Grid.objects.all(), "pk", grid_ids)}
        known_codes = set(
            fetch_in(
                Grid.objects.values_list("code", flat=True),
                "code",
                [r[1]["grid_code"] for r in rows],
            )
        )
        stored_names = set(
            fetch_in(Building.objects.values_list("grid_id", "name"), "grid_id", grid_ids)
        )
        stored_addresses = set(
            Building.objects.filter(
                street_id__in={g.street_id for g in self.grids.values()}
            ).values_list("street_id", "address")
        )
        allowed = {
            pk: administers(
                self.actor,
                street_id=g.street_id,
                community_id=g.community_id,
                grid_id=pk,
                lowest="grid",
            )
            for pk, g in self.grids.items()
        }
        names: dict[Any, int] = {}
        addresses: dict[Any, int] = {}
        for (number, text, floors, (lat, lng)), grid_id in zip(rows, found, strict=True):
            if grid_id is None:
                issues.add(
                    number,
                    "lat",
                    _("The point (%(lat)s, %(lng)s) lies outside every grid.")
                    % {"lat": lat, "lng": lng},
                )
                continue
            grid = self.grids[grid_id]
            if text["grid_code"] and text["grid_code"] != grid.code:
                if text["grid_code"] in known_codes:
                    issues.add(
                        number,
                        "grid_code",
                        _("The point lies in grid %(found)s, not %(given)s.")
                        % {"found": grid.code, "given": text["grid_code"]},
                    )
                else:
                    issues.add(number, "grid_code", _("Unknown grid code %s.") % text["grid_code"])
            if not allowed[grid_id]:
                issues.add(number, "grid_code", self._forbidden(grid))
            if (grid_id, text["name"]) in stored_names:
                issues.add(
                    number,
                    "name",
                    _("Grid %(grid)s already has a building named %(name)s.")
                    % {"grid": grid.name, "name": text["name"]},
                )
            elif text["name"]:
                self._once(issues, names, (grid_id, text["name"]), number, "name")
            if (grid.street_id, text["address"]) in stored_addresses:
                issues.add(number, "address", _("Standard address %s is taken.") % text["address"])
            elif text["address"]:
                self._once(issues, addresses, (grid.street_id, text["address"]), number, "address")
            # Planned even when faulty: the plan is only written if no row has an issue.
            self.row_to_new[number] = len(self.buildings)
            self.buildings.append(
                NewBuilding(
                    row=number,
                    name=text["name"],
                    address=text["address"],
                    lat=lat,
                    lng=lng,
                    grid_id=grid_id,
                    road=text["road"],
                    door_number=text["door_number"],
                    floors=floors,
                )
            )

    def _forbidden(self, grid: Grid) -> str:
        return forbidden_grid_message(grid.pk, grid.name, self.actor, self._forbidden_cache)

    # -- 住户 ----------------------------------------------------------------

    def _check_households(self, sheet: Sheet) -> None:
        issues = self.household_issues
        if self._missing_columns(sheet, issues, HOUSEHOLD_COLUMNS):
            return
        addresses = {clean_text(cells.get("building_address")) for _n, cells in sheet.rows}
        stored: dict[str, list[Building]] = defaultdict(list)
        for building in fetch_in(
            visible(Building.objects.all(), self.actor), "address", addresses - {""}
        ):
            stored[building.address].append(building)
        stored_ids = [b.pk for group in stored.values() for b in group]
        taken = set(
            fetch_in(
                Household.objects.values_list("building_id", "dwelling"), "building_id", stored_ids
            )
        )
        allowed: dict[int, bool] = {}
        dwellings: dict[Any, int] = {}
        for number, cells in sheet.rows:
            address = self._text(issues, number, cells, "building_address", 200, required=True)
            dwelling = self._text(issues, number, cells, "dwelling", 32, required=True)
            head_name = self._text(issues, number, cells, "head_name", 50)
            phone = self._text(issues, number, cells, "phone", 32)
            size = 1
            if clean_text(cells.get("size")):
                parsed = parse_whole(cells["size"], allow_text=True)
                if parsed is None or not 0 <= parsed <= MAX_HOUSEHOLD_SIZE:
                    issues.add(
                        number,
                        "size",
                        _("People must be a whole number from 0 to %d.") % MAX_HOUSEHOLD_SIZE,
                    )
                else:
                    size = parsed
            if not address:
                continue
            in_file = self.file_addresses.get(address, [])
            candidates = len(in_file) + len(stored.get(address, []))
            if candidates == 0:
                issues.add(number, "building_address", _("Unknown building address %s.") % address)
                continue
            if candidates > 1:
                issues.add(
                    number,
                    "building_address",
                    _("Address %s matches several buildings; import them separately.") % address,
                )
                continue
            if in_file:
                key: Any = ("row", in_file[0])
                new_building = self.row_to_new.get(in_file[0])
                building_id = None
            else:
                building = stored[address][0]
                key, new_building, building_id = ("stored", building.pk), None, building.pk
                if building.pk not in allowed:
                    allowed[building.pk] = administers(
                        self.actor,
                        street_id=building.street_id,
                        community_id=building.community_id,
                        grid_id=building.grid_id,
                        lowest="grid",
                    )
                if not allowed[building.pk]:
                    issues.add(
                        number,
                        "building_address",
                        _("You may not add households to %s.") % building.name,
                    )
                    continue
                if (building.pk, dwelling) in taken:
                    issues.add(
                        number,
                        "dwelling",
                        _("%(building)s already has dwelling %(dwelling)s.")
                        % {"building": building.name, "dwelling": dwelling},
                    )
                    continue
            if dwelling and self._once(issues, dwellings, (key, dwelling), number, "dwelling"):
                self.households.append(
                    NewHousehold(
                        row=number,
                        dwelling=dwelling,
                        building_id=building_id,
                        new_building=new_building,
                        head_name=head_name,
                        phone=phone,
                        size=size,
                    )
                )
