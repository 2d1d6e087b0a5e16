"""Place pages: communities and grids (public map data plus what the scope adds),
buildings and households (staff of the place only; 404 for everybody else)."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gridgov.core.scoping import scope_for
from gridgov.party.models import OrgKind, PartyMember, PartyOrganisation
from gridgov.places.models import Building, Community, Grid, Household, Organisation
from gridgov.web.roles import covers


def _party(user, **filters):
    return PartyOrganisation.objects.visible_to(user).filter(**filters)


@login_required
def places_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = list(
        Community.objects.visible_to(user).select_related("street").order_by("street__code", "code")
    )
    grids_by_community: dict[int, list[Grid]] = {}
    for grid in Grid.objects.visible_to(user).order_by("code"):
        grids_by_community.setdefault(grid.community_id, []).append(grid)
    rows = [(community, grids_by_community.get(community.pk, [])) for community in communities]
    return render(request, "web/places/index.html", {"rows": rows})


@login_required
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    community = get_object_or_404(
        Community.objects.visible_to(user).select_related("street"), pk=pk
    )
    in_scope = covers(scope_for(user), street_id=community.street_id, community_id=community.pk)
    branches = dict(
        _party(user, kind=OrgKind.GRID_BRANCH, community=community).values_list("grid_id", "name")
    )
    grids = [
        (grid, branches.get(grid.pk, ""))
        for grid in Grid.objects.visible_to(user).filter(community=community).order_by("code")
    ]
    context = {
        "community": community,
        "committee": _party(user, kind=OrgKind.COMMUNITY_COMMITTEE, community=community).first(),
        "grids": grids,
        "in_scope": in_scope,
    }
    if in_scope:
        context["counts"] = {
            "buildings": Building.objects.visible_to(user).filter(community=community).count(),
            "households": Household.objects.visible_to(user).filter(community=community).count(),
            "members": PartyMember.objects.visible_to(user).filter(community=community).count(),
        }
    return render(request, "web/places/community.html", context)


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    grid = get_object_or_404(Grid.objects.visible_to(user).select_related("community"), pk=pk)
    in_scope = covers(
        scope_for(user), street_id=grid.street_id, community_id=grid.community_id, grid_id=grid.pk
    )
    context = {
        "grid": grid,
        "branch": _party(user, kind=OrgKind.GRID_BRANCH, grid=grid).first(),
        "in_scope": in_scope,
    }
    if in_scope:
        buildings = (
            Building.objects.visible_to(user)
            .filter(grid=grid)
            .annotate(household_count=Count("households"))
            .order_by("name")
        )
        context.update(
            buildings=buildings,
            households=Household.objects.visible_to(user).filter(grid=grid).count(),
            members=PartyMember.objects.visible_to(user).filter(grid=grid).count(),
            organisations=Organisation.objects.visible_to(user).filter(grid=grid).count(),
        )
    return render(request, "web/places/grid.html", context)


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    building = get_object_or_404(
        Building.objects.visible_to(user).select_related("grid", "community"), pk=pk
    )
    liaison_household_ids = set(
        _party(user, kind=OrgKind.LIAISON_HOUSEHOLD, building=building).values_list(
            "household_id", flat=True
        )
    )
    members = list(
        PartyMember.objects.visible_to(user)
        .filter(home_building=building)
        .select_related("household", "branch")
        .order_by("name")
    )
    # Counted from the members the user may read, not from every row in the table.
    members_per_household = Counter(member.household_id for member in members)
    households = [
        (household, members_per_household[household.pk], household.pk in liaison_household_ids)
        for household in Household.objects.visible_to(user)
        .filter(building=building)
        .order_by("dwelling")
    ]
    context = {
        "building": building,
        "households": households,
        "members": members,
        "group": _party(user, kind=OrgKind.BUILDING_GROUP, building=building).first(),
        "organisations": Organisation.objects.visible_to(user).filter(building=building),
    }
    return render(request, "web/places/building.html", context)


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = get_object_or_404(
        Household.objects.visible_to(user).select_related("building", "grid"), pk=pk
    )
    context = {
        "household": household,
        "members": PartyMember.objects.visible_to(user)
        .filter(household=household)
        .select_related("branch", "liaison")
        .order_by("name"),
        "liaison": _party(user, kind=OrgKind.LIAISON_HOUSEHOLD, household=household).first(),
    }
    return render(request, "web/places/household.html", context)
