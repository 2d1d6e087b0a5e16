"""Write permissions checked by actions (reads use ``visible_to``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gridgov.core.errors import NotPermitted
from gridgov.core.scoping import scope_for


def is_system(actor: Any) -> bool:
    """``None`` is the operator at the command line (import, seed, demo)."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def administers(
    actor: Any,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    lowest: str = "street",
) -> bool:
    """Does the actor hold a staff role over this place at ``lowest`` level or above?

    ``lowest`` is "street", "community" or "grid": a community admin may edit
    buildings (lowest="community") but not grids (lowest="street").
    """
    if is_system(actor):
        return True
    scope = scope_for(actor)
    return (
        (street_id is not None and street_id in scope.street_ids)
        or (
            lowest in ("community", "grid")
            and community_id is not None
            and community_id in scope.community_ids
        )
        or (lowest == "grid" and grid_id is not None and grid_id in scope.grid_ids)
    )


def require_admin(actor: Any, **place: Any) -> None:
    if not administers(actor, **place):
        raise NotPermitted(_("You may not change this place."))
