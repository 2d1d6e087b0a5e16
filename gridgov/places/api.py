"""Read API for places: streets, communities, grids, buildings and point location.

Every row comes from ``Model.objects.visible_to(caller)``; a row outside the
caller's scope answers 404 exactly like a missing one.  The map (streets,
communities, grids) is public to everyone with a role in the street;
buildings are read only by staff of their grid, community or street.

A filter naming a row the caller may not read (``?street=``,
``?community=``; for buildings ``?grid=`` naming a grid whose buildings the
caller may not read) answers 404, like a filter naming a missing row.

No ``from __future__ import annotations`` here: ninja builds its request
models from the evaluated signatures of the views.
"""

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import READ_ERRORS, ApiPagination
from gridgov.core.scoping import ScopeRule, scope_filter, scope_for
from gridgov.party.models import OrgKind, PartyOrganisation
from gridgov.places import index
from gridgov.places.models import Building, Community, Grid, Street
from gridgov.places.schemas import (
    BuildingOut,
    CommunityOut,
    GridDetailOut,
    GridOut,
    LocateOut,
    StreetOut,
)

router = Router(tags=["places"])

# Who may read what lies *inside* a grid (buildings, households): the staff
# tier of the scope, without the public map tier.  Same fields as Building.
GRID_CONTENTS_RULE = ScopeRule(street="street", community="community", grid="id")


def visible_or_404(queryset: QuerySet[Any], pk: int) -> Any:
    """The row ``pk`` of an already scoped queryset, or Http404."""
    return get_object_or_404(queryset, pk=pk)


def grids_with_readable_contents(user: Any) -> QuerySet[Grid]:
    """Grids whose buildings and households ``user`` may read."""
    scope = scope_for(user)
    if not scope.allows_anything():
        return Grid.objects.none()
    condition = scope_filter(GRID_CONTENTS_RULE, scope)
    return Grid.objects.all() if condition is None else Grid.objects.filter(condition)


def _branches() -> QuerySet[PartyOrganisation]:
    return PartyOrganisation.objects.filter(kind=OrgKind.GRID_BRANCH, grid=OuterRef("pk"))


def grids_for(user: Any) -> QuerySet[Grid]:
    """Visible grids with community and branch (id, name) joined in: one query."""
    return (
        Grid.objects.visible_to(user)
        .select_related("community")
        .annotate(
            branch_id=Subquery(_branches().values("id")[:1]),
            branch_name=Subquery(_branches().values("name")[:1]),
        )
        .order_by("code", "id")
    )


@router.get("/streets", response={200: list[StreetOut], **READ_ERRORS}, summary="List streets")
@paginate(ApiPagination)
def list_streets(request: HttpRequest) -> QuerySet[Street]:
    """Streets (街道) the caller has a role in."""
    return Street.objects.visible_to(auth_user(request)).order_by("code", "id")


@router.get(
    "/communities",
    response={200: list[CommunityOut], **READ_ERRORS},
    summary="List communities",
)
@paginate(ApiPagination)
def list_communities(request: HttpRequest, street: int | None = None) -> QuerySet[Community]:
    """Communities (社区), optionally of one street (``?street=ID``)."""
    user = auth_user(request)
    rows = Community.objects.visible_to(user)
    if street is not None:
        visible_or_404(Street.objects.visible_to(user), street)
        rows = rows.filter(street_id=street)
    return rows.order_by("code", "id")


@router.get("/grids", response={200: list[GridOut], **READ_ERRORS}, summary="List grids")
@paginate(ApiPagination)
def list_grids(
    request: HttpRequest, community: int | None = None, street: int | None = None
) -> QuerySet[Grid]:
    """Grids (网格) without their boundaries; filter with ``?community=ID``, ``?street=ID``."""
    user = auth_user(request)
    rows = grids_for(user).defer("geometry")
    if community is not None:
        visible_or_404(Community.objects.visible_to(user), community)
        rows = rows.filter(community_id=community)
    if street is not None:
        visible_or_404(Street.objects.visible_to(user), street)
        rows = rows.filter(street_id=street)
    return rows


@router.get("/grids/{grid_id}", response={200: GridDetailOut, **READ_ERRORS}, summary="One grid")
def get_grid(request: HttpRequest, grid_id: int) -> Grid:
    """One grid with its GeoJSON boundary."""
    return visible_or_404(grids_for(auth_user(request)), grid_id)


@router.get(
    "/buildings", response={200: list[BuildingOut], **READ_ERRORS}, summary="List buildings"
)
@paginate(ApiPagination)
def list_buildings(request: HttpRequest, grid: int | None = None) -> QuerySet[Building]:
    """Buildings (楼栋) the caller may read, optionally of one grid (``?grid=ID``).

    Only staff of the grid, its community or street read buildings; a grid
    whose buildings the caller may not read answers 404.
    """
    user = auth_user(request)
    rows = Building.objects.visible_to(user)
    if grid is not None:
        visible_or_404(grids_with_readable_contents(user), grid)
        rows = rows.filter(grid_id=grid)
    return rows.annotate(household_count=Count("households")).order_by("grid_id", "name", "id")


@router.get(
    "/places/locate",
    response={200: LocateOut, **READ_ERRORS},
    summary="Which grid holds a point",
)
def locate(
    request: HttpRequest,
    lat: float = Query(..., ge=-90, le=90, allow_inf_nan=False, description="WGS-84 latitude"),
    lng: float = Query(..., ge=-180, le=180, allow_inf_nan=False, description="WGS-84 longitude"),
) -> dict[str, Any]:
    """The street, community, grid and grid party branch holding (lat, lng).

    404 when the point lies outside every grid or in a grid the caller may not
    see.  A point on an edge shared by two grids belongs to exactly one.
    """
    user = auth_user(request)
    grid_id = index.locate_grid_id(lat, lng)
    if grid_id is None:
        raise Http404("outside every grid")
    grid = visible_or_404(
        Grid.objects.visible_to(user).select_related("community", "street").defer("geometry"),
        grid_id,
    )
    branch = (
        PartyOrganisation.objects.visible_to(user)
        .filter(kind=OrgKind.GRID_BRANCH, grid_id=grid.pk)
        .only("id", "name")
        .first()
    )
    return {
        "street": grid.street,
        "community": grid.community,
        "grid": grid,
        "branch": branch,
    }
