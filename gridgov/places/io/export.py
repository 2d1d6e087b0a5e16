"""Exports of places in exactly the layouts the importers read (so files round-trip).

Every export is scoped by ``visible_to(user)``: nobody exports what they
cannot see (``None`` = the operator at the CLI, who sees everything).
Household phones are personal data: only the operator and street admins of
the household's street get them in full; everyone else gets them masked.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.core.permissions import administers
from gridgov.places.io.excel_sheets import (
    BUILDING_COLUMNS,
    BUILDING_SHEET,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
)
from gridgov.places.io.validation import visible
from gridgov.places.models import Building, Community, Grid, Household, Street, mask_phone


class ExportError(Exception):
    """The export cannot be made as asked (e.g. a street the user cannot see)."""


def export_street(user: Any, street_code: str | None) -> Street | None:
    """The street to export (None = every visible street), or ExportError if not visible."""
    if not street_code:
        return None
    street = visible(Street.objects.all(), user).filter(code=street_code).first()
    if street is None:
        raise ExportError(_("Unknown street code %s.") % street_code)
    return street


def export_geojson(
    *, user: Any = None, street_code: str | None = None, communities: bool = True
) -> dict[str, Any]:
    """A FeatureCollection of the communities (optional), grids and buildings ``user`` sees.

    Grids come in id order so that a re-import creates them in the same
    relative order and points on shared edges land in the same grid.
    """
    street = export_street(user, street_code)
    place = {"street": street} if street is not None else {}
    features: list[dict[str, Any]] = []
    if communities:
        for community in (
            visible(Community.objects.all(), user).filter(**place).select_related("street")
        ):
            features.append(
                _feature(
                    None,
                    {
                        "kind": "community",
                        "street": community.street.code,
                        "code": community.code,
                        "name": community.name,
                    },
                )
            )
    grids = visible(Grid.objects.all(), user).filter(**place).select_related("street", "community")
    for grid in grids.order_by("pk"):
        features.append(
            _feature(
                grid.geometry,
                {
                    "kind": "grid",
                    "street": grid.street.code,
                    "community": grid.community.code,
                    "code": grid.code,
                    "name": grid.name,
                    "layers": list(grid.layers),
                },
            )
        )
    buildings = visible(Building.objects.all(), user).filter(**place).select_related("grid")
    for building in buildings.order_by("pk"):
        features.append(
            _feature(
                {"type": "Point", "coordinates": [building.lng, building.lat]},
                {
                    "kind": "building",
                    "name": building.name,
                    "address": building.address,
                    "road": building.road,
                    "door_number": building.door_number,
                    "floors": building.floors,
                    "grid": building.grid.code,
                },
            )
        )
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def export_excel(*, user: Any = None, street_code: str | None = None) -> bytes:
    """An .xlsx of the buildings and households ``user`` sees, in the importer's layout."""
    street = export_street(user, street_code)
    place = {"street": street} if street is not None else {}
    workbook = Workbook(write_only=True)
    buildings_sheet = workbook.create_sheet(BUILDING_SHEET)
    buildings_sheet.append([aliases[0] for aliases in BUILDING_COLUMNS.values()])
    buildings = visible(Building.objects.all(), user).filter(**place).select_related("grid")
    for b in buildings.order_by("pk"):
        buildings_sheet.append(
            [b.grid.code, b.name, b.address, b.road, b.door_number, b.floors, b.lat, b.lng]
        )
    households_sheet = workbook.create_sheet(HOUSEHOLD_SHEET)
    households_sheet.append([aliases[0] for aliases in HOUSEHOLD_COLUMNS.values()])
    households = visible(Household.objects.all(), user).filter(**place).select_related("building")
    full_phone: dict[int, bool] = {}
    for h in households.order_by("building_id", "dwelling"):
        if h.street_id not in full_phone:
            full_phone[h.street_id] = administers(user, street_id=h.street_id)
        phone = h.phone if full_phone[h.street_id] else mask_phone(h.phone)
        households_sheet.append([h.building.address, h.dwelling, h.head_name, phone, h.size])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
