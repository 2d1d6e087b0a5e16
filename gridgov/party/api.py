"""Read API for the party chain: party organisations with their member counts.

Rows come from ``PartyOrganisation.objects.visible_to(caller)``: the chain is
public to everyone with a role in the street, except member liaison households
(党员中心户), which name a dwelling and stay with staff.  ``?parent=`` naming an
organisation the caller may not read answers 404 like a missing one.

No ``from __future__ import annotations`` here: ninja builds its request
models from the evaluated signatures of the views.
"""

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from gridgov.core import audit
from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import READ_ERRORS, ApiPagination
from gridgov.party.models import OrgKind, PartyMember, PartyOrganisation
from gridgov.party.schemas import PartyMemberDetailOut, PartyMemberOut, PartyOrganisationOut
from gridgov.places.api import grids_with_readable_contents, visible_or_404

router = Router(tags=["party"])


@router.get(
    "/party-organisations",
    response={200: list[PartyOrganisationOut], **READ_ERRORS},
    summary="List party organisations",
)
@paginate(ApiPagination)
def list_party_organisations(
    request: HttpRequest, kind: OrgKind | None = None, parent: int | None = None
) -> QuerySet[PartyOrganisation]:
    """Party organisations (党组织), optionally of one kind or under one parent."""
    user = auth_user(request)
    rows = PartyOrganisation.objects.visible_to(user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if parent is not None:
        visible_or_404(PartyOrganisation.objects.visible_to(user), parent)
        rows = rows.filter(parent_id=parent)
    return rows.annotate(member_count=Count("members")).order_by("street_id", "kind", "name", "id")


@router.get(
    "/party-members",
    response={200: list[PartyMemberOut], **READ_ERRORS},
    summary="List party members",
)
@paginate(ApiPagination)
def list_party_members(
    request: HttpRequest, branch: int | None = None, grid: int | None = None
) -> QuerySet[PartyMember]:
    """Party members (党员) the caller may read; phones masked (open one member for it).

    ``?branch=`` or ``?grid=`` naming a branch or grid whose members the
    caller may not read answers 404.
    """
    user = auth_user(request)
    rows = PartyMember.objects.visible_to(user)
    if branch is not None:
        readable_branches = PartyOrganisation.objects.filter(
            kind=OrgKind.GRID_BRANCH, grid__in=grids_with_readable_contents(user)
        )
        visible_or_404(readable_branches, branch)
        rows = rows.filter(branch_id=branch)
    if grid is not None:
        visible_or_404(grids_with_readable_contents(user), grid)
        rows = rows.filter(grid_id=grid)
    return rows.order_by("branch_id", "name", "id")


@router.get(
    "/party-members/{member_id}",
    response={200: PartyMemberDetailOut, **READ_ERRORS},
    summary="One party member",
)
def get_party_member(request: HttpRequest, member_id: int) -> PartyMember:
    """One member with the full phone number; the reveal is written to the audit log."""
    user = auth_user(request)
    member = visible_or_404(PartyMember.objects.visible_to(user), member_id)
    if member.phone:
        audit.record("reveal_phone", actor=user, obj=member, summary=member.name)
    return member
