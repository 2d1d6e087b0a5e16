"""Actions on places: every write goes through here (one transaction + audit row)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.algorithms.geo import (
    GeometryError,
    area_m2,
    polygon_from_geojson,
    to_geojson,
    valid_lng_lat,
)
from gridgov.core import audit
from gridgov.core.catalogue import default_departments
from gridgov.core.errors import ActionError
from gridgov.core.permissions import require_admin
from gridgov.places import index
from gridgov.places.models import (
    ALL_LAYERS,
    Building,
    Community,
    Department,
    Grid,
    Household,
    Organisation,
    OrganisationKind,
    Street,
)


def _field_error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


def check_layers(layers: Iterable[str] | None) -> list[str]:
    chosen = list(ALL_LAYERS if layers is None else layers)
    unknown = [layer for layer in chosen if layer not in ALL_LAYERS]
    if unknown:
        raise _field_error("layers", _("Unknown grid layer: %s") % ", ".join(unknown))
    return chosen


def grid_overlaps(polygon: Any, exclude_id: int | None = None) -> list[tuple[Grid, float]]:
    """Grids (of any street) that overlap ``polygon`` by more than the tolerance.

    Grids of neighbouring streets must not overlap either, or a point on the
    seam would be located arbitrarily.
    """
    tolerance = settings.GRIDGOV_OVERLAP_TOLERANCE_M2
    min_x, min_y, max_x, max_y = polygon.bounds
    candidates = Grid.objects.filter(
        min_lng__lte=max_x,
        max_lng__gte=min_x,
        min_lat__lte=max_y,
        max_lat__gte=min_y,
    ).exclude(pk=exclude_id)
    overlaps = []
    for other in candidates:
        shared = area_m2(polygon.intersection(polygon_from_geojson(other.geometry)))
        if shared > tolerance:
            overlaps.append((other, shared))
    return overlaps


def _overlap_error(name: str, shared: float) -> ActionError:
    return _field_error(
        "geometry", _("Overlaps grid %(name)s by %(area).0f m².") % {"name": name, "area": shared}
    )


def _apply_geometry(grid: Grid, polygon: Any) -> None:
    grid.geometry = to_geojson(polygon)
    grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat = polygon.bounds
    grid.area_m2 = round(area_m2(polygon), 1)


def geometry_message(exc: GeometryError) -> str:
    """The user's-language message for a geometry problem."""
    messages = {
        "type": _("The geometry must be a Polygon or MultiPolygon."),
        "coordinates": _("The geometry has no coordinates."),
        "format": _("The coordinates are malformed."),
        "empty": _("The polygon is empty."),
        "range": _("Coordinates out of range (longitude -180..180, latitude -90..90)."),
        "invalid": _("The polygon is invalid (self-intersecting or not closed)."),
        "zero_area": _("The polygon has no area."),
    }
    message = messages.get(exc.code, str(exc))
    return f"{message} ({exc.detail})" if exc.detail else message


def _parse_polygon(geometry: Any) -> Any:
    try:
        return polygon_from_geojson(geometry)
    except GeometryError as exc:
        raise _field_error("geometry", geometry_message(exc)) from exc


@transaction.atomic
def create_street(
    *,
    code: str,
    name: str,
    district: str = "",
    city: str = "",
    actor: Any = None,
    with_default_departments: bool = True,
) -> Street:
    """Create a street (only the operator or a superuser) with the default departments."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise ActionError(_("Only an operator may create a street."))
    if Street.objects.filter(code=code).exists():
        raise _field_error("code", _("A street with code %s exists.") % code)
    if Street.objects.filter(name=name).exists():
        raise _field_error("name", _("A street named %s exists.") % name)
    street = Street.objects.create(code=code, name=name, district=district, city=city)
    if with_default_departments:
        Department.objects.bulk_create(
            Department(street=street, code=dcode, name=zh, name_en=en)
            for dcode, zh, en in default_departments()
        )
    audit.record("create_street", actor=actor, obj=street, summary=name)
    return street


@transaction.atomic
def create_department(
    *, street: Street, code: str, name: str, name_en: str = "", actor: Any = None
) -> Department:
    require_admin(actor, street_id=street.pk)
    if Department.objects.filter(street=street, code=code).exists():
        raise _field_error("code", _("Department code %s is taken in this street.") % code)
    if Department.objects.filter(street=street, name=name).exists():
        raise _field_error("name", _("Department name %s is taken in this street.") % name)
    department = Department.objects.create(street=street, code=code, name=name, name_en=name_en)
    audit.record("create_department", actor=actor, obj=department, summary=name)
    return department


@transaction.atomic
def create_community(*, street: Street, code: str, name: str, actor: Any = None) -> Community:
    require_admin(actor, street_id=street.pk)
    if Community.objects.filter(code=code).exists():
        raise _field_error("code", _("A community with code %s exists.") % code)
    if Community.objects.filter(street=street, name=name).exists():
        raise _field_error("name", _("This street already has a community named %s.") % name)
    community = Community.objects.create(street=street, code=code, name=name)
    audit.record("create_community", actor=actor, obj=community, summary=name)
    return community


@transaction.atomic
def create_grid(
    *,
    community: Community,
    code: str,
    name: str,
    geometry: Any,
    layers: Iterable[str] | None = None,
    actor: Any = None,
) -> Grid:
    """Create a grid; its polygon must be valid and not overlap its neighbours."""
    require_admin(actor, street_id=community.street_id)
    polygon = _parse_polygon(geometry)
    if Grid.objects.filter(code=code).exists():
        raise _field_error("code", _("A grid with code %s exists.") % code)
    if Grid.objects.filter(community=community, name=name).exists():
        raise _field_error("name", _("This community already has a grid named %s.") % name)
    overlaps = grid_overlaps(polygon)
    if overlaps:
        raise _overlap_error(overlaps[0][0].name, overlaps[0][1])
    grid = Grid(
        community=community,
        street_id=community.street_id,
        code=code,
        name=name,
        layers=check_layers(layers),
    )
    _apply_geometry(grid, polygon)
    grid.save()
    audit.record("create_grid", actor=actor, obj=grid, summary=name)
    return grid


def change_grid_boundary(*, grid: Grid, geometry: Any, actor: Any = None) -> Grid:
    """Redraw one grid (re-zoning); run ``rezone`` afterwards to move buildings and members."""
    return redraw_grids([GridRedraw(grid, geometry)], actor=actor)[0]


@dataclass
class GridRedraw:
    """One grid's new boundary and, when not ``None``, its new name and layers."""

    grid: Grid
    geometry: Any
    name: str | None = None
    layers: list[str] | None = None


@transaction.atomic
def redraw_grids(changes: Sequence[GridRedraw], *, actor: Any = None) -> list[Grid]:
    """Redraw several grids at once, validating the state after all of them.

    Moving a shared border means one grid shrinks while its neighbour grows:
    redrawn one at a time, the growing grid would overlap the other's old
    polygon, or the result would depend on the order.  So the new polygons
    are checked against each other and against the stored grids that are not
    redrawn, and only then saved (one audit row per grid, before and after).
    Grids keep their community.  Run ``party.actions.rezone`` afterwards.
    """
    redrawn = {change.grid.pk for change in changes}
    if len(redrawn) != len(changes):
        raise ActionError(_("Each grid may be redrawn only once at a time."))
    polygons = []
    for change in changes:
        require_admin(actor, street_id=change.grid.street_id)
        polygons.append(_parse_polygon(change.geometry))
        if change.layers is not None:
            check_layers(change.layers)
    tolerance = settings.GRIDGOV_OVERLAP_TOLERANCE_M2
    tree = shapely.STRtree(polygons)
    for position, polygon in enumerate(polygons):
        for stored, shared in grid_overlaps(polygon):
            if stored.pk not in redrawn:
                raise _overlap_error(stored.name, shared)
        for later in (int(i) for i in tree.query(polygon, predicate="intersects")):
            shared = area_m2(polygon.intersection(polygons[later])) if later > position else 0
            if shared > tolerance:
                raise _overlap_error(changes[later].grid.name, shared)
    final_names: set[tuple[int, str]] = set()
    renamed = [c.grid.pk for c in changes if c.name is not None and c.name != c.grid.name]
    for change in changes:
        name = change.grid.name if change.name is None else change.name
        key = (change.grid.community_id, name)
        if key in final_names or (
            change.grid.pk in renamed
            and Grid.objects.filter(community_id=key[0], name=name).exclude(pk__in=redrawn).exists()
        ):
            raise _field_error("name", _("This community already has a grid named %s.") % name)
        final_names.add(key)
    # Free the renamed grids' names first, so that grids may swap names.
    for pk in renamed:
        Grid.objects.filter(pk=pk).update(name=f"~{pk}~")
    for change, polygon in zip(changes, polygons, strict=True):
        grid = change.grid
        data: dict[str, Any] = {"before": grid.geometry}
        _apply_geometry(grid, polygon)
        data["after"] = grid.geometry
        if change.name is not None and change.name != grid.name:
            data["name"] = {"before": grid.name, "after": change.name}
            grid.name = change.name
        if change.layers is not None and list(change.layers) != list(grid.layers):
            data["layers"] = {"before": grid.layers, "after": list(change.layers)}
            grid.layers = list(change.layers)
        grid.save()
        audit.record("change_grid_boundary", actor=actor, obj=grid, summary=grid.name, data=data)
    return [change.grid for change in changes]


def _grid_for_point(lat: float, lng: float) -> Grid:
    if not valid_lng_lat(lng, lat):
        raise _field_error(
            "lat",
            _("Coordinates out of range: lat %(lat)s, lng %(lng)s") % {"lat": lat, "lng": lng},
        )
    grid = index.locate_grid(lat, lng)
    if grid is None:
        raise _field_error(
            "lat",
            _("The point (%(lat)s, %(lng)s) lies outside every grid.") % {"lat": lat, "lng": lng},
        )
    return grid


@transaction.atomic
def create_building(
    *,
    name: str,
    address: str,
    lat: float,
    lng: float,
    grid: Grid | None = None,
    road: str = "",
    door_number: str = "",
    floors: int | None = None,
    actor: Any = None,
) -> Building:
    """Create a building at its standard address; its grid is the one holding its point."""
    located = _grid_for_point(lat, lng)
    if grid is not None and grid.pk != located.pk:
        raise _field_error(
            "grid",
            _("The point lies in grid %(found)s, not %(given)s.")
            % {"found": located.name, "given": grid.name},
        )
    grid = located
    require_admin(
        actor,
        street_id=grid.street_id,
        community_id=grid.community_id,
        grid_id=grid.pk,
        lowest="grid",
    )
    if Building.objects.filter(grid=grid, name=name).exists():
        raise _field_error(
            "name",
            _("Grid %(grid)s already has a building named %(name)s.")
            % {"grid": grid.name, "name": name},
        )
    if Building.objects.filter(street_id=grid.street_id, address=address).exists():
        raise _field_error("address", _("Standard address %s is taken.") % address)
    building = Building.objects.create(
        grid=grid,
        community_id=grid.community_id,
        street_id=grid.street_id,
        name=name,
        address=address,
        lat=lat,
        lng=lng,
        road=road,
        door_number=door_number,
        floors=floors,
    )
    audit.record("create_building", actor=actor, obj=building, summary=address)
    return building


@transaction.atomic
def create_household(
    *,
    building: Building,
    dwelling: str,
    head_name: str = "",
    phone: str = "",
    size: int = 1,
    actor: Any = None,
) -> Household:
    require_admin(
        actor,
        street_id=building.street_id,
        community_id=building.community_id,
        grid_id=building.grid_id,
        lowest="grid",
    )
    if size < 0 or size > 100:
        raise _field_error("size", _("Household size must be between 0 and 100."))
    if Household.objects.filter(building=building, dwelling=dwelling).exists():
        raise _field_error(
            "dwelling",
            _("%(building)s already has dwelling %(dwelling)s.")
            % {"building": building.name, "dwelling": dwelling},
        )
    household = Household.objects.create(
        building=building,
        grid_id=building.grid_id,
        community_id=building.community_id,
        street_id=building.street_id,
        dwelling=dwelling,
        head_name=head_name,
        phone=phone,
        size=size,
    )
    audit.record(
        "create_household", actor=actor, obj=household, summary=f"{building.name} {dwelling}"
    )
    return household


@transaction.atomic
def create_organisation(
    *,
    kind: str,
    name: str,
    building: Building,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    description: str = "",
    actor: Any = None,
) -> Organisation:
    require_admin(
        actor,
        street_id=building.street_id,
        community_id=building.community_id,
        grid_id=building.grid_id,
        lowest="community",
    )
    if kind not in OrganisationKind.values:
        raise _field_error("kind", _("Unknown organisation kind: %s") % kind)
    if Organisation.objects.filter(street_id=building.street_id, name=name).exists():
        raise _field_error("name", _("An organisation named %s exists in this street.") % name)
    organisation = Organisation.objects.create(
        kind=kind,
        name=name,
        building=building,
        grid_id=building.grid_id,
        community_id=building.community_id,
        street_id=building.street_id,
        credit_code=credit_code,
        contact_name=contact_name,
        contact_phone=contact_phone,
        description=description,
    )
    audit.record("create_organisation", actor=actor, obj=organisation, summary=name)
    return organisation


def move_building_to_grid(building: Building, grid: Grid) -> None:
    """Re-home a building and everything that copies its place (inside rezone)."""
    building.grid_id, building.community_id, building.street_id = (
        grid.pk,
        grid.community_id,
        grid.street_id,
    )
    building.save(update_fields=["grid", "community", "street", "updated_at"])
    place = {"grid_id": grid.pk, "community_id": grid.community_id, "street_id": grid.street_id}
    Household.objects.filter(building=building).update(**place)
    Organisation.objects.filter(building=building).update(**place)
