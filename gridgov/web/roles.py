"""Who the signed-in user is in the UI: their role assignments and "my" places.

Reads only; cached on the user object (one query per request, like
``scope_for``) because the navigation, the home page and the map all ask.
"""

from __future__ import annotations

from typing import Any

from gridgov.accounts.models import STAFF_ROLES, Role, RoleAssignment
from gridgov.core.scoping import Scope, scope_for

_CACHE_ATTR = "_gridgov_web_roles"


def role_assignments(user: Any) -> list[RoleAssignment]:
    """The user's active role assignments, with every possible target joined."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    assignments = list(
        RoleAssignment.objects.filter(user=user, active=True).select_related(
            "street",
            "community",
            "grid",
            "department",
            "party_organisation",
            "organisation",
            "household__building",
        )
    )
    setattr(user, _CACHE_ATTR, assignments)
    return assignments


def has_staff_role(user: Any) -> bool:
    """Street admin, community admin, grid worker or branch secretary (or superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(Role(a.role) in STAFF_ROLES for a in role_assignments(user))


def administers_a_street(user: Any) -> bool:
    scope = scope_for(user)
    return scope.everything or bool(scope.street_ids)


def sees_organisations(user: Any) -> bool:
    """Staff read the organisations of their place; partners and enterprises their own."""
    scope = scope_for(user)
    return has_staff_role(user) or bool(scope.organisation_ids)


def my_grid_ids(user: Any) -> set[int]:
    """The grids the user works in (staff) or lives in (residents): highlighted on the map."""
    grid_ids = set(scope_for(user).grid_ids)
    for assignment in role_assignments(user):
        if assignment.role == Role.RESIDENT and assignment.grid_id:
            grid_ids.add(assignment.grid_id)
    return grid_ids


def covers(scope: Scope, *, street_id: Any, community_id: Any = None, grid_id: Any = None) -> bool:
    """Does the user's staff scope (not the public tier) include this place?"""
    return (
        scope.everything
        or street_id in scope.street_ids
        or (community_id is not None and community_id in scope.community_ids)
        or (grid_id is not None and grid_id in scope.grid_ids)
    )
