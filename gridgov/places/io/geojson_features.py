"""Reading a GeoJSON FeatureCollection into communities, grids and buildings.

Each feature is read on its own, noting problems by feature number and
property; the cross-checks (parents, duplicates, overlaps, grids of points)
come after, in ``geojson_check``, once the whole file is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from gridgov.algorithms.geo import GeometryError, polygon_from_geojson
from gridgov.places.actions import geometry_message
from gridgov.places.io.validation import (
    Issues,
    check_lat_lng,
    check_length,
    clean_text,
    parse_whole,
)
from gridgov.places.models import ALL_LAYERS, Community, Street

KINDS = ("community", "grid", "building")
MAX_FLOORS = 200


@dataclass
class FileCommunity:
    number: int
    street_code: str
    code: str
    name: str
    street: Street | None = None


@dataclass
class FileGrid:
    number: int
    street_code: str
    community_ref: str
    code: str
    name: str
    geometry: Any
    layers: list[str] | None
    polygon: BaseGeometry | None
    street: Street | None = None
    community: Community | FileCommunity | None = None
    # Update mode: the id of the stored grid with this code, which the feature redraws.
    existing_id: int | None = None


@dataclass
class FileBuilding:
    number: int
    name: str
    address: str
    road: str
    door_number: str
    floors: int | None
    point: tuple[float, float] | None  # (lat, lng)
    grid_code: str


class FeatureReader:
    """The features of one file by kind, and the problems of each feature alone."""

    def __init__(self) -> None:
        self.issues = Issues()
        self.communities: list[FileCommunity] = []
        self.grids: list[FileGrid] = []
        self.buildings: list[FileBuilding] = []

    @property
    def redraws(self) -> list[FileGrid]:
        """Grids of the file that redraw a stored grid (update mode)."""
        return [row for row in self.grids if row.existing_id is not None]

    @property
    def new_grids(self) -> list[FileGrid]:
        return [row for row in self.grids if row.existing_id is None]

    def read(self, features: list[Any]) -> None:
        for number, feature in enumerate(features, start=1):
            self._read(number, feature)

    def _read(self, number: int, feature: Any) -> None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            self.issues.add(number, "type", _("Not a GeoJSON Feature."))
            return
        props = feature.get("properties")
        if not isinstance(props, dict):
            self.issues.add(number, "properties", _("The feature has no properties."))
            return
        kind = clean_text(props.get("kind"))
        if kind not in KINDS:
            self.issues.add(
                number, "kind", _("Unknown kind %r: use community, grid or building.") % kind
            )
            return
        getattr(self, f"_read_{kind}")(number, props, feature.get("geometry"))

    def _text(
        self, number: int, props: dict[str, Any], key: str, limit: int, required: bool = True
    ) -> str:
        value = clean_text(props.get(key))
        if required and not value:
            self.issues.add(number, key, _("This property is required."))
        check_length(self.issues, number, key, value, limit)
        return value

    def _read_community(self, number: int, props: dict[str, Any], geometry: Any) -> None:
        self.communities.append(
            FileCommunity(
                number=number,
                street_code=self._text(number, props, "street", 32),
                code=self._text(number, props, "code", 32),
                name=self._text(number, props, "name", 100),
            )
        )

    def _read_grid(self, number: int, props: dict[str, Any], geometry: Any) -> None:
        polygon = None
        try:
            polygon = polygon_from_geojson(geometry)
        except GeometryError as exc:
            self.issues.add(number, "geometry", geometry_message(exc))
        self.grids.append(
            FileGrid(
                number=number,
                street_code=self._text(number, props, "street", 32),
                community_ref=self._text(number, props, "community", 100),
                code=self._text(number, props, "code", 32),
                name=self._text(number, props, "name", 100),
                geometry=geometry,
                layers=self._layers(number, props.get("layers")),
                polygon=polygon,
            )
        )

    def _layers(self, number: int, value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.issues.add(number, "layers", _("Layers must be a list of names."))
            return None
        unknown = [item for item in value if item not in ALL_LAYERS]
        if unknown:
            self.issues.add(number, "layers", _("Unknown grid layer: %s") % ", ".join(unknown))
        return value

    def _read_building(self, number: int, props: dict[str, Any], geometry: Any) -> None:
        point = None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            self.issues.add(number, "geometry", _("A building needs a Point geometry."))
        elif not isinstance(coordinates, list) or len(coordinates) < 2:
            self.issues.add(number, "geometry", _("A point needs coordinates [lng, lat]."))
        else:
            point = check_lat_lng(
                self.issues, number, coordinates[1], coordinates[0], allow_text=False
            )
        floors = None
        if props.get("floors") not in (None, ""):
            floors = parse_whole(props["floors"], allow_text=False)
            if floors is None or not 0 <= floors <= MAX_FLOORS:
                self.issues.add(
                    number, "floors", _("Floors must be a whole number from 0 to %d.") % MAX_FLOORS
                )
                floors = None
        self.buildings.append(
            FileBuilding(
                number=number,
                name=self._text(number, props, "name", 100),
                address=self._text(number, props, "address", 200),
                road=self._text(number, props, "road", 100, required=False),
                door_number=self._text(number, props, "door_number", 32, required=False),
                floors=floors,
                point=point,
                grid_code=self._text(number, props, "grid", 32, required=False),
            )
        )
