"""API schemas for places, and the list pagination every router of the API uses.

Lists answer ``{"items": [...], "count": N}`` and take ``?limit=`` (default
100, at most 1000) and ``?offset=`` (default 0); a limit outside 1..1000 or a
negative offset answers 422.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class ApiPagination(LimitOffsetPagination):
    """Limit/offset pagination: default limit 100, maximum 1000."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")
        offset: int = Field(0, ge=0, description="Rows to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


class ErrorOut(Schema):
    """An error: 401 (not authenticated), 404 (missing or outside your scope)."""

    detail: str


class ActionErrorOut(Schema):
    """An action refused its input (400): a message and messages per field."""

    detail: str
    errors: dict[str, list[str]]


#: Responses every authenticated read endpoint may give besides 200.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}


class CodedRef(Schema):
    """A place named by id, code and name (street, community, grid)."""

    id: int
    code: str
    name: str


class NamedRef(Schema):
    """A row named by id and name."""

    id: int
    name: str


class StreetOut(Schema):
    """Street (街道)."""

    id: int
    code: str
    name: str
    district: str
    city: str


class CommunityOut(Schema):
    """Community (社区)."""

    id: int
    code: str
    name: str
    street_id: int


class GridOut(Schema):
    """Grid (网格) in lists: everything but the boundary.

    ``bbox`` is ``[min_lng, min_lat, max_lng, max_lat]`` (WGS-84); ``branch`` the
    grid party branch (网格党支部), or null when the grid has none yet.
    """

    id: int
    code: str
    name: str
    community: NamedRef
    street_id: int
    layers: list[str]
    area_m2: float
    branch: NamedRef | None
    bbox: list[float] = Field(..., min_length=4, max_length=4)

    @staticmethod
    def resolve_community(obj: Any) -> dict[str, Any]:
        return {"id": obj.community_id, "name": obj.community.name}

    @staticmethod
    def resolve_branch(obj: Any) -> dict[str, Any] | None:
        branch_id = getattr(obj, "branch_id", None)
        if branch_id is None:
            return None
        return {"id": branch_id, "name": obj.branch_name}

    @staticmethod
    def resolve_bbox(obj: Any) -> list[float]:
        return [obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat]


class GridDetailOut(GridOut):
    """One grid with its boundary: a GeoJSON Polygon or MultiPolygon ([lng, lat])."""

    geometry: dict[str, Any]


class BuildingOut(Schema):
    """Building (楼栋) at its standard address, with its number of households."""

    id: int
    name: str
    address: str
    road: str
    door_number: str
    lat: float
    lng: float
    floors: int | None
    grid_id: int
    community_id: int
    street_id: int
    household_count: int


class LocateOut(Schema):
    """Where a point lies: its street, community, grid and grid party branch."""

    street: CodedRef
    community: CodedRef
    grid: CodedRef
    branch: NamedRef | None
