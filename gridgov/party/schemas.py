"""API schemas for the party chain (党组织)."""

from ninja import Schema

from gridgov.party.models import OrgKind


class PartyOrganisationOut(Schema):
    """One node of the party chain and the place it is tied to.

    ``member_count`` counts the members the organisation holds directly: a
    grid party branch counts its members, the other kinds hold none (0).
    """

    id: int
    kind: OrgKind
    name: str
    parent_id: int | None
    street_id: int
    community_id: int | None
    grid_id: int | None
    building_id: int | None
    household_id: int | None
    secretary_name: str
    member_count: int
