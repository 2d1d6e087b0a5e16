"""API schemas for the party chain (党组织)."""

from datetime import date
from typing import Any

from ninja import Schema

from gridgov.party.models import OrgKind
from gridgov.places.models import mask_phone


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


class PartyMemberOut(Schema):
    """Party member (党员) in lists: basic fields, the phone masked (138****5678)."""

    id: int
    name: str
    gender: str
    birth_year: int | None
    joined_on: date | None
    status: str
    phone: str
    branch_id: int
    group_id: int | None
    liaison_id: int | None
    household_id: int | None
    home_building_id: int | None
    street_id: int
    community_id: int
    grid_id: int

    @staticmethod
    def resolve_phone(member: Any) -> str:
        return mask_phone(member.phone)


class PartyMemberDetailOut(PartyMemberOut):
    """One party member with the full phone (the reveal is audit-logged)."""

    @staticmethod
    def resolve_phone(member: Any) -> str:
        return str(member.phone)
