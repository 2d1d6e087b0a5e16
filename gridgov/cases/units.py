"""Handling units: the unit of a place or department, and the units a user acts for."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db.models import Q

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases.models import Unit, UnitKind
from gridgov.places.models import (
    Community,
    Department,
    Grid,
    Organisation,
    OrganisationKind,
    Street,
)

_CACHE_ATTR = "_gridgov_units"


def unit_for(target: Street | Community | Grid | Department | Organisation) -> Unit:
    """The handling unit of a street office, community, grid, department or partner."""
    if isinstance(target, Street):
        lookup: dict[str, Any] = {"kind": UnitKind.STREET, "street": target}
        place: dict[str, Any] = {"street_id": target.pk}
    elif isinstance(target, Community):
        lookup = {"kind": UnitKind.COMMUNITY, "community": target}
        place = {"street_id": target.street_id}
    elif isinstance(target, Grid):
        lookup = {"kind": UnitKind.GRID, "grid": target}
        place = {"street_id": target.street_id, "community_id": target.community_id}
    elif isinstance(target, Department):
        lookup = {"kind": UnitKind.DEPARTMENT, "department": target}
        place = {"street_id": target.street_id}
    elif isinstance(target, Organisation):
        lookup = {"kind": UnitKind.PARTNER, "organisation": target}
        place = {
            "street_id": target.street_id,
            "community_id": target.community_id,
            "grid_id": target.grid_id,
        }
    else:
        raise TypeError(f"no handling unit for {target!r}")
    unit, _created = Unit.objects.get_or_create(**lookup, defaults={"name": str(target), **place})
    return unit


def units_of(user: Any, assignments: Iterable[RoleAssignment] | None = None) -> list[Unit]:
    """The existing units the user acts for through their active roles (cached on the user).

    Reads only: a unit that does not exist yet has no cases to show.
    ``assignments``: the user's active role assignments when already loaded.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # Plain queries (the roles, then their units by literal ids) compile far
    # faster than one with a subquery per role, and a resident needs no second.
    if assignments is None:
        rows: Iterable[tuple[Any, ...]] = RoleAssignment.objects.filter(
            user_id=user.pk, active=True, role__in=list(_ROLE_UNITS)
        ).values_list("role", *(f"{field}_id" for field in _UNIT_FIELDS))
    else:
        rows = [
            (a.role, *(getattr(a, f"{field}_id") for field in _UNIT_FIELDS))
            for a in assignments
            if a.active and a.user_id == user.pk
        ]
    wanted: dict[tuple[str, str], set[int]] = {}
    for role, *ids in rows:
        if role not in _ROLE_UNITS:
            continue
        kind, field = _ROLE_UNITS[role]
        place_id = ids[_UNIT_FIELDS.index(field)]
        if place_id is not None:
            wanted.setdefault((kind, field), set()).add(place_id)
    units: list[Unit] = []
    if wanted:
        condition = reduce(
            operator.or_,
            (
                Q(kind=kind, **{f"{field}_id__in": sorted(place_ids)})
                for (kind, field), place_ids in sorted(wanted.items())
            ),
        )
        units = list(Unit.objects.filter(condition))
    setattr(user, _CACHE_ATTR, units)
    return units


def forget_units(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def ensure_units(street: Street) -> None:
    """Create the missing units of a street: its office, communities, grids, departments, partners.

    The same rows :func:`unit_for` makes one at a time; a racing caller is
    harmless (the per-kind unique constraints drop the second insert).
    """
    fields = ("kind", "street_id", "community_id", "grid_id", "department_id", "organisation_id")
    have = {
        (unit.kind, _key(unit)) for unit in Unit.objects.filter(street_id=street.pk).only(*fields)
    }
    wanted = [Unit(kind=UnitKind.STREET, street_id=street.pk, name=str(street))]
    for community in Community.objects.filter(street_id=street.pk).only("id", "name"):
        wanted.append(
            Unit(
                kind=UnitKind.COMMUNITY,
                street_id=street.pk,
                community_id=community.pk,
                name=str(community),
            )
        )
    for grid in Grid.objects.filter(street_id=street.pk).only("id", "name", "community_id"):
        wanted.append(
            Unit(
                kind=UnitKind.GRID,
                street_id=street.pk,
                community_id=grid.community_id,
                grid_id=grid.pk,
                name=str(grid),
            )
        )
    for department in Department.objects.filter(street_id=street.pk).only("id", "name"):
        wanted.append(
            Unit(
                kind=UnitKind.DEPARTMENT,
                street_id=street.pk,
                department_id=department.pk,
                name=str(department),
            )
        )
    partners = Organisation.objects.filter(street_id=street.pk, kind=OrganisationKind.PARTNER)
    for partner in partners.only("id", "name", "community_id", "grid_id"):
        wanted.append(
            Unit(
                kind=UnitKind.PARTNER,
                street_id=street.pk,
                community_id=partner.community_id,
                grid_id=partner.grid_id,
                organisation_id=partner.pk,
                name=str(partner),
            )
        )
    missing = [unit for unit in wanted if (unit.kind, _key(unit)) not in have]
    if missing:
        Unit.objects.bulk_create(missing, ignore_conflicts=True)


def _key(unit: Unit) -> int | None:
    """The id of what the unit stands for (its street office, community, grid, ...)."""
    return {
        UnitKind.STREET: unit.street_id,
        UnitKind.COMMUNITY: unit.community_id,
        UnitKind.GRID: unit.grid_id,
        UnitKind.DEPARTMENT: unit.department_id,
        UnitKind.PARTNER: unit.organisation_id,
    }[UnitKind(unit.kind)]


# The fields naming a unit's place, on role assignments and units alike.
_UNIT_FIELDS = ("street", "community", "grid", "department", "organisation")
# Role -> (the unit kind it acts as, the assignment field naming the unit's place).
_ROLE_UNITS: dict[str, tuple[str, str]] = {
    Role.STREET_ADMIN: (UnitKind.STREET, "street"),
    Role.COMMUNITY_ADMIN: (UnitKind.COMMUNITY, "community"),
    Role.GRID_WORKER: (UnitKind.GRID, "grid"),
    Role.BRANCH_SECRETARY: (UnitKind.GRID, "grid"),  # the grid party branch works with its grid
    Role.DEPARTMENT_CLERK: (UnitKind.DEPARTMENT, "department"),
    Role.PARTNER_STAFF: (UnitKind.PARTNER, "organisation"),
}


def ensure_units_of(user: Any, assignments: Iterable[RoleAssignment] | None = None) -> list[Unit]:
    """The units the user acts for, created first where missing (a fresh user sees theirs).

    ``assignments``: the user's active role assignments when already loaded
    (then a user whose units exist costs one query, that of ``units_of``).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if assignments is None:
        assignments = RoleAssignment.objects.filter(user_id=user.pk, active=True)
    assignments = list(assignments)
    have = {(unit.kind, _key(unit)) for unit in units_of(user, assignments)}
    missing = False
    for assignment in assignments:
        kind, field = _ROLE_UNITS.get(assignment.role, (None, ""))
        place_id = getattr(assignment, f"{field}_id", None) if kind else None
        if kind is None or place_id is None or (kind, place_id) in have:
            continue
        unit_for(getattr(assignment, field))
        missing = True
    if missing:
        forget_units(user)
    return units_of(user, assignments)
