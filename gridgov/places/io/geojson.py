"""GeoJSON import of communities, grids and buildings (one FeatureCollection).

Survey offices draw grid boundaries in GIS tools and hand over GeoJSON.  The
whole file is checked first (every feature, against the file itself and the
database); only a clean file is written, in one transaction, through the
place actions so that every row gets its audit entry.

In update mode a grid whose code is stored is redrawn (re-zoning, as Hexi
did when it redrew its grids): the redraws are applied together, then the
party chain is re-zoned in the same transaction, so buildings and members
follow the new borders at once and the result says who moved.  This is the
one place where ``places`` calls ``party``: the import is the operator's
entry point for re-zoning.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gridgov.core.errors import ActionError
from gridgov.party.actions import rezone
from gridgov.places import index
from gridgov.places.actions import (
    GridRedraw,
    create_building,
    create_community,
    create_grid,
    redraw_grids,
)
from gridgov.places.io.geojson_check import GeoJsonCheck
from gridgov.places.io.geojson_features import FileCommunity
from gridgov.places.io.validation import GEOJSON, ImportIssue, ImportResult, failed, load_json
from gridgov.places.models import Community, Grid, Street


def import_geojson(
    data: bytes, *, actor: Any = None, dry_run: bool = False, update: bool = False
) -> ImportResult:
    """Check a GeoJSON FeatureCollection and, if it is clean, create its places.

    ``actor`` is the user importing (``None`` = the operator at the CLI).
    With ``update``, grids whose code exists are redrawn and their streets
    re-zoned (``result.rezone``); a dry run then does the whole write and
    rolls it back, so that it can say what would move.  Returns the counts
    created (or that would be, on a dry run) or every issue.
    """
    parsed, why = load_json(data)
    if why is not None:
        return failed(GEOJSON, why, dry_run=dry_run)
    if not isinstance(parsed, dict) or parsed.get("type") != "FeatureCollection":
        return failed(GEOJSON, _("The file is not a GeoJSON FeatureCollection."), dry_run=dry_run)
    features = parsed.get("features")
    if not isinstance(features, list):
        return failed(GEOJSON, _("The FeatureCollection has no list of features."), dry_run=dry_run)
    if not features:
        return failed(GEOJSON, _("The file contains no features."), dry_run=dry_run)

    check = GeoJsonCheck(actor, update=update)
    check.run(features)
    result = ImportResult(format=GEOJSON, dry_run=dry_run)
    if check.issues:
        result.errors = sorted(check.issues.items, key=lambda issue: issue.number or 0)
        return result
    result.created = {
        "communities": len(check.communities),
        "grids": len(check.new_grids),
        "buildings": len(check.buildings),
    }
    if check.redraws:
        result.updated = {"grids": len(check.redraws)}
    if not dry_run or check.redraws:
        _write(check, actor, result, dry_run=dry_run)
    return result


def _write(check: GeoJsonCheck, actor: Any, result: ImportResult, *, dry_run: bool) -> None:
    """Create everything through the actions in one transaction; any refusal undoes it all.

    Order matters: the redraws come before the new grids, which may take
    land a redrawn grid gave up, and the re-zoning comes last.  A dry run
    (only reached with redraws) rolls everything back after the re-zoning.
    """
    number: int | None = None
    try:
        with transaction.atomic():
            communities: dict[str, Community] = {}
            for community in check.communities:
                number = community.number
                assert community.street is not None
                communities[community.code] = create_community(
                    street=community.street, code=community.code, name=community.name, actor=actor
                )
            number = None  # redraw_grids names the grid it refuses
            _redraw(check, actor)
            grids: dict[str, Grid] = {}
            for grid in check.new_grids:
                number = grid.number
                parent = grid.community
                if isinstance(parent, FileCommunity):
                    parent = communities[parent.code]
                assert parent is not None
                grids[grid.code] = create_grid(
                    community=parent,
                    code=grid.code,
                    name=grid.name,
                    geometry=grid.geometry,
                    layers=grid.layers,
                    actor=actor,
                )
            for building in check.buildings:
                number = building.number
                assert building.point is not None
                given = None
                if building.grid_code:
                    given = grids.get(building.grid_code) or Grid.objects.get(
                        code=building.grid_code
                    )
                create_building(
                    name=building.name,
                    address=building.address,
                    lat=building.point[0],
                    lng=building.point[1],
                    grid=given,
                    road=building.road,
                    door_number=building.door_number,
                    floors=building.floors,
                    actor=actor,
                )
            number = None
            redrawn_streets = {row.street.pk for row in check.redraws if row.street is not None}
            for street in Street.objects.filter(pk__in=redrawn_streets).order_by("code"):
                result.rezone[street.name] = rezone(street=street, actor=actor)
            if dry_run:
                transaction.set_rollback(True)
    except ActionError as exc:
        field_name = next(iter(exc.errors), "__all__")
        result.errors = [ImportIssue(number, field_name, exc.message)]
    except IntegrityError:
        # Someone else wrote the same code or name between the check and the write.
        message = _("The database refused a row that changed meanwhile; nothing was written.")
        result.errors = [ImportIssue(number, "__all__", message)]
    if result.errors:
        result.created, result.updated, result.rezone = {}, {}, {}
    if result.errors or dry_run:
        # The index may have been rebuilt from rows that were rolled back.
        index.invalidate()


def _redraw(check: GeoJsonCheck, actor: Any) -> None:
    """Apply every redraw of the file at once (their final state was checked together)."""
    if not check.redraws:
        return
    stored = Grid.objects.in_bulk([row.existing_id for row in check.redraws])
    redraw_grids(
        [
            GridRedraw(stored[row.existing_id], row.geometry, row.name, row.layers)
            for row in check.redraws
            if row.existing_id is not None
        ],
        actor=actor,
    )
