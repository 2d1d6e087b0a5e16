"""The bulk action behind the Excel import: many buildings and households, one audit row.

A street's household register runs to tens of thousands of rows; per-row
actions would write as many audit rows and take minutes.  This action writes
the checked rows with ``bulk_create`` in one transaction and records one
audit row that summarises the import, so "every write goes through an
action" still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gridgov.core import audit
from gridgov.core.errors import ActionError
from gridgov.core.permissions import require_admin
from gridgov.places import index
from gridgov.places.io.validation import fetch_in
from gridgov.places.models import Building, Grid, Household

BATCH_SIZE = 500


@dataclass(frozen=True)
class NewBuilding:
    """A checked building row; ``grid_id`` is where the check located its point."""

    row: int
    name: str
    address: str
    lat: float
    lng: float
    grid_id: int
    road: str = ""
    door_number: str = ""
    floors: int | None = None


@dataclass(frozen=True)
class NewHousehold:
    """A checked household row: in a stored building or in ``buildings[new_building]``."""

    row: int
    dwelling: str
    building_id: int | None = None
    new_building: int | None = None
    head_name: str = ""
    phone: str = ""
    size: int = 1


@transaction.atomic
def bulk_create_buildings_and_households(
    *,
    buildings: Sequence[NewBuilding],
    households: Sequence[NewHousehold],
    actor: Any = None,
    source: str = "",
) -> dict[str, int]:
    """Write checked rows in one transaction with one audit row; returns the counts.

    Cheap re-checks guard against changes since the rows were checked (a grid
    redrawn, a row written by someone else): any of them undoes everything.
    """
    grids = _grids_of(buildings, actor)
    made = [
        Building(
            grid_id=b.grid_id,
            community_id=grids[b.grid_id][0],
            street_id=grids[b.grid_id][1],
            name=b.name,
            address=b.address,
            lat=b.lat,
            lng=b.lng,
            road=b.road,
            door_number=b.door_number,
            floors=b.floors,
        )
        for b in buildings
    ]
    stored = {
        row[0]: row[1:]
        for row in fetch_in(
            Building.objects.values_list("id", "grid_id", "community_id", "street_id"),
            "id",
            [h.building_id for h in households if h.building_id is not None],
        )
    }
    missing = {h.building_id for h in households if h.building_id is not None} - stored.keys()
    if missing:
        raise ActionError(_("A building was deleted during the import; check the file again."))
    for grid_id, community_id, street_id in set(stored.values()):
        require_admin(
            actor, street_id=street_id, community_id=community_id, grid_id=grid_id, lowest="grid"
        )
    try:
        Building.objects.bulk_create(made, batch_size=BATCH_SIZE)
        Household.objects.bulk_create(
            [_household(h, made, stored) for h in households], batch_size=BATCH_SIZE
        )
    except IntegrityError as exc:
        raise ActionError(
            _("A row clashes with data written meanwhile; nothing was imported.")
        ) from exc
    counts = {"buildings": len(made), "households": len(households)}
    audit.record(
        "import_buildings_households",
        actor=actor,
        summary=_("Imported %(buildings)d buildings and %(households)d households") % counts
        + (f" ({source})" if source else ""),
        data={**counts, "source": source},
    )
    return counts


def _grids_of(buildings: Sequence[NewBuilding], actor: Any) -> dict[int, tuple[int, int]]:
    """(community id, street id) per grid, after checking each point still lies in its grid
    and that the actor may add buildings there."""
    if not buildings:
        return {}
    found = index.locate_grid_ids(
        np.array([b.lat for b in buildings]), np.array([b.lng for b in buildings])
    )
    for building, grid_id in zip(buildings, found, strict=True):
        if grid_id != building.grid_id:
            raise ActionError(
                _("Grid boundaries changed during the import (row %d); check the file again.")
                % building.row
            )
    places = {
        pk: (community_id, street_id)
        for pk, community_id, street_id in Grid.objects.filter(
            pk__in={b.grid_id for b in buildings}
        ).values_list("id", "community_id", "street_id")
    }
    for grid_id, (community_id, street_id) in places.items():
        require_admin(
            actor, street_id=street_id, community_id=community_id, grid_id=grid_id, lowest="grid"
        )
    return places


def _household(
    planned: NewHousehold, made: Sequence[Building], stored: dict[int, tuple[int, int, int]]
) -> Household:
    """A Household row carrying its building's place ids (copied for scoping)."""
    if planned.new_building is not None:
        building = made[planned.new_building]
        building_id, place = (
            building.pk,
            (building.grid_id, building.community_id, building.street_id),
        )
    else:
        assert planned.building_id is not None
        building_id, place = planned.building_id, stored[planned.building_id]
    return Household(
        building_id=building_id,
        grid_id=place[0],
        community_id=place[1],
        street_id=place[2],
        dwelling=planned.dwelling,
        head_name=planned.head_name,
        phone=planned.phone,
        size=planned.size,
    )
