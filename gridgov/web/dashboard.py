"""The home page's summary: what the user may see, counted, and their own places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role
from gridgov.party.models import PartyMember
from gridgov.places.models import Building, Community, Grid, Household, Organisation
from gridgov.web.roles import role_assignments


@dataclass(frozen=True)
class Tile:
    label: Any
    count: int
    url: str = ""


@dataclass(frozen=True)
class MyPlace:
    role: str
    name: str
    url: str = ""
    grid: str = ""


def tiles(user: Any) -> list[Tile]:
    """Counts of what the user may read (one COUNT query each)."""
    result = [
        Tile(_("Communities"), Community.objects.visible_to(user).count(), reverse("places")),
        Tile(_("Grids"), Grid.objects.visible_to(user).count(), reverse("map")),
        Tile(_("Buildings"), Building.objects.visible_to(user).count()),
        Tile(_("Households"), Household.objects.visible_to(user).count()),
        Tile(
            _("Party members"), PartyMember.objects.visible_to(user).count(), reverse("party-tree")
        ),
    ]
    organisations = Organisation.objects.visible_to(user).count()
    if organisations:
        result.append(Tile(_("Organisations"), organisations, reverse("organisation-list")))
    return result


def _place_url(assignment: Any) -> str:
    """Where a role's place is shown, if the web UI has a page for it."""
    role = Role(assignment.role)
    if role == Role.COMMUNITY_ADMIN and assignment.community_id:
        return reverse("community-detail", args=[assignment.community_id])
    if role in (Role.GRID_WORKER, Role.BRANCH_SECRETARY, Role.RESIDENT) and assignment.grid_id:
        return reverse("grid-detail", args=[assignment.grid_id])
    if role in (Role.PARTNER_STAFF, Role.ENTERPRISE_CONTACT) and assignment.organisation_id:
        return reverse("organisation-detail", args=[assignment.organisation_id])
    if role == Role.STREET_ADMIN:
        return reverse("places")
    return ""


def my_places(user: Any) -> list[MyPlace]:
    """One line per role: the role, its place or unit, and a link to it."""
    return [
        MyPlace(
            str(a.get_role_display()),
            a.target_name,
            _place_url(a),
            a.grid.name if a.grid is not None and a.grid.name != a.target_name else "",
        )
        for a in role_assignments(user)
    ]
