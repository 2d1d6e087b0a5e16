"""Handling units: the unit of a place or department, and the units a user acts for."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases.models import Unit, UnitKind
from gridgov.places.models import Community, Department, Grid, Organisation, Street

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


def units_of(user: Any) -> list[Unit]:
    """The existing units the user acts for through their active roles (cached on the user).

    Reads only: a unit that does not exist yet has no cases to show.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    condition = Q(pk__in=[])
    for role, field, kind, unit_field in (
        (Role.STREET_ADMIN, "street_id", UnitKind.STREET, "street_id"),
        (Role.COMMUNITY_ADMIN, "community_id", UnitKind.COMMUNITY, "community_id"),
        (Role.GRID_WORKER, "grid_id", UnitKind.GRID, "grid_id"),
        # the grid party branch works with its grid
        (Role.BRANCH_SECRETARY, "grid_id", UnitKind.GRID, "grid_id"),
        (Role.DEPARTMENT_CLERK, "department_id", UnitKind.DEPARTMENT, "department_id"),
        (Role.PARTNER_STAFF, "organisation_id", UnitKind.PARTNER, "organisation_id"),
    ):
        ids = RoleAssignment.objects.filter(user_id=user.pk, active=True, role=role).values(field)
        condition |= Q(kind=kind, **{f"{unit_field}__in": ids})
    units = list(Unit.objects.filter(condition))
    setattr(user, _CACHE_ATTR, units)
    return units


def forget_units(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
