"""API schemas for people: token login and the caller's own roles."""

from ninja import Field, Schema

from gridgov.cases.schemas import UnitRef


class TokenIn(Schema):
    """User name and password, exchanged for a new API token."""

    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1)
    name: str | None = Field(
        None, max_length=100, description='Token name; default "api login <date time>".'
    )


class TokenOut(Schema):
    """A new API token: the raw value is shown once and never stored."""

    token: str
    prefix: str
    name: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str


class PlaceRef(Schema):
    """A place or unit a role is attached to.

    ``kind`` is one of street, community, grid, party_organisation,
    department, organisation, household.
    """

    kind: str
    id: int
    name: str


class RoleOut(Schema):
    """One active role assignment: the role and the place or unit it is for."""

    role: str
    role_label: str
    kind: str
    id: int
    name: str


class MeOut(Schema):
    """The caller, their active roles, the distinct places and the handling units they act for."""

    user: UserOut
    is_superuser: bool
    roles: list[RoleOut]
    places: list[PlaceRef]
    units: list[UnitRef]
