"""API schemas for cases, their ledger events and the handling units.

No ``from __future__ import annotations`` here: ninja builds its models
from the evaluated annotations.
"""

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from gridgov.cases.workflow import Status
from gridgov.places.schemas import NamedRef


class UnitRef(Schema):
    """A handling unit (处置单位): kind is street, community, grid, department or partner."""

    id: int
    kind: str
    name: str


class UnitOut(UnitRef):
    """A handling unit with the place it stands for (ids; null where not applicable)."""

    street_id: int
    community_id: int | None
    grid_id: int | None
    department_id: int | None
    organisation_id: int | None


class CategoryRef(Schema):
    """A category of the catalogue, by code."""

    code: str
    name: str


class CaseRef(Schema):
    id: int
    number: str


class RequesterOut(Schema):
    """Who reported: shown to staff of the case's place, its handling units and the requester."""

    user_id: int | None
    name: str
    phone: str


class CaseIn(Schema):
    """A problem or need to report (JSON, or multipart form fields with ``photos`` files).

    Say where with ``lat``/``lng`` (WGS-84), or ``building_id`` (a building of
    your street), or only ``address`` (then the street's dispatcher places it).
    Content is checked by the intake action: a refusal answers 400 with
    messages per field.
    """

    description: str = Field(..., description="What is wrong or needed, 5 to 4000 characters.")
    category: str | None = Field(
        None,
        description="Category code of the catalogue, e.g. env.sanitation; "
        "without one the street's dispatcher registers the case.",
    )
    lat: float | None = Field(None, description="WGS-84 latitude (-90..90).")
    lng: float | None = Field(None, description="WGS-84 longitude (-180..180).")
    building_id: int | None = Field(None, description="A building of the caller's street.")
    address: str = Field("", description="Address text (at most 300 characters are kept).")
    channel: str = Field("api", description="web, app, hotline, patrol, open311 or api.")
    kind: str = Field("demand", description="demand, patrol, hotline or enterprise.")
    priority: str = Field("normal", description="normal or urgent.")
    reporter_name: str = Field("", description="Name of the person reporting (hotline orders).")
    reporter_phone: str = Field("", description="Their phone number.")
    anonymous: bool = Field(
        False, description="Hide the requester from other residents (never from handlers)."
    )


class SuggestionOut(Schema):
    category: str = Field(..., description="Category code.")
    score: float = Field(..., description="Probability, 0 to 1.")


class CaseOut(Schema):
    """A case (诉求/案卷) in lists.

    ``overdue``: still being handled and past its response (before first
    contact) or resolution due time.  ``requester`` is null unless the caller
    is staff of the case's place, a unit handling it, or the requester.
    """

    id: int
    number: str
    kind: str
    channel: str
    priority: str
    status: str
    status_label: str
    category: CategoryRef | None
    description: str
    lat: float | None
    lng: float | None
    building_id: int | None
    address: str
    street: NamedRef
    community: NamedRef | None
    grid: NamedRef | None
    lead_unit: UnitRef | None
    routing_reason: str
    suggested_categories: list[SuggestionOut] = Field(
        ..., description="The classifier's top three at intake (when no category was given)."
    )
    anonymous: bool
    requester: RequesterOut | None
    submitted_at: datetime.datetime
    registered_at: datetime.datetime | None
    dispatched_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    response_due: datetime.datetime | None
    resolve_due: datetime.datetime | None
    overdue: bool
    rating: str
    version: int = Field(..., description="Send it back as ``version`` to act only on this state.")

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(Status(obj.status).label)

    @staticmethod
    def resolve_category(obj: Any) -> dict[str, Any] | None:
        category = obj.category
        return None if category is None else {"code": category.code, "name": category.name}

    @staticmethod
    def resolve_street(obj: Any) -> dict[str, Any]:
        return {"id": obj.street_id, "name": obj.street.name}

    @staticmethod
    def resolve_community(obj: Any) -> dict[str, Any] | None:
        community = obj.community
        return None if community is None else {"id": community.pk, "name": community.name}

    @staticmethod
    def resolve_grid(obj: Any) -> dict[str, Any] | None:
        grid = obj.grid
        return None if grid is None else {"id": grid.pk, "name": grid.name}

    @staticmethod
    def resolve_requester(obj: Any) -> dict[str, Any] | None:
        if not getattr(obj, "show_requester", False):
            return None
        user = obj.requester
        name = obj.requester_name or (user.get_full_name() if user is not None else "")
        return {"user_id": obj.requester_id, "name": name, "phone": obj.requester_phone}


class SummonsOut(Schema):
    """A unit whistled in (吹哨) and its report for duty (报到).

    ``state``: awaiting (not reported, still in time), overdue (not reported,
    past ``due_at``) or reported.  The unit stays a co-handler until the case
    closes (事不完、人不撤).
    """

    unit: UnitRef
    summoned_by: UnitRef
    reason: str
    summoned_at: datetime.datetime
    due_at: datetime.datetime
    reported_at: datetime.datetime | None
    state: Literal["awaiting", "overdue", "reported"]


class PhotoOut(Schema):
    """A photo of the case (现场照片) and its thumbnail, served by the case pages to the
    people who may see the case (null where those pages are not installed)."""

    id: int
    content_type: str
    width: int
    height: int
    size: int
    url: str | None
    thumbnail_url: str | None


class CaseDetailOut(CaseOut):
    """One case with its co-handlers, photos and the actions the caller may take now.

    ``allowed_actions`` names actions for ``POST /cases/{id}/actions/{action}``
    that the caller's role allows in the case's current status (the body can
    still be refused).
    """

    reply: str
    rating_comment: str
    rated_at: datetime.datetime | None
    reopen_count: int
    escalation_count: int
    extension_days_requested: int | None
    merged_into: CaseRef | None
    co_handlers: list[SummonsOut]
    photos: list[PhotoOut] = Field(..., alias="photo_list")
    allowed_actions: list[str]

    @staticmethod
    def resolve_merged_into(obj: Any) -> dict[str, Any] | None:
        into = obj.merged_into
        return None if into is None else {"id": into.pk, "number": into.number}


class EventOut(Schema):
    """One ledger event (台账记录), in sequence order.

    ``unit`` acted; ``units`` were dispatched or summoned; ``hash`` chains the
    event to the previous one (``gridgov ledger verify``).
    """

    sequence: int
    time: datetime.datetime = Field(..., alias="created_at")
    actor_name: str
    action: str
    from_status: str
    to_status: str
    unit: UnitRef | None
    units: list[UnitRef] = Field(..., alias="target_units")
    note: str
    data: dict[str, Any]
    hash: str


class ActionIn(Schema):
    """The body of an action; each action reads the fields it needs (see the operation).

    A field an action requires but that is missing or empty answers 400 with
    that field.  ``version``: the case version the caller saw; a stale one
    answers 409.
    """

    version: int | None = Field(None, description="The case version you saw (409 when stale).")
    category: str | None = Field(None, description="register: category code.")
    reason: str = Field("", description="reject, return, redispatch, whistle, ... : why.")
    note: str = Field("", description="dispatch, accept, report, decide_extension, verify.")
    unit: int | None = Field(None, description="dispatch, redispatch: a unit id (GET /units).")
    to: Literal["up"] | None = Field(None, description='whistle: "up" summons the level above.')
    units: list[int] | None = Field(None, description="whistle: unit ids to summon.")
    days: int | None = Field(None, description="request_extension: 1 to 90 days.")
    approve: bool | None = Field(None, description="decide_extension: approve or refuse.")
    reply: str = Field("", description="resolve: the answer the requester reads.")
    ok: bool | None = Field(None, description="verify: true closes, false sends back (返工).")
    into: int | None = Field(None, description="merge: the id of the case this duplicates.")
    rating: str | None = Field(
        None, description="rate: satisfied, basically_satisfied or unsatisfied."
    )
    comment: str = Field("", description="rate: a comment.")
