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

from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import READ_ERRORS, ApiPagination
from gridgov.party.models import OrgKind, PartyOrganisation
from gridgov.party.schemas import PartyOrganisationOut
from gridgov.places.api import visible_or_404

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
