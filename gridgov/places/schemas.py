"""API schemas for places (pagination and error bodies: gridgov.core.api_schemas)."""

from typing import Any

from ninja import Field, Schema


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
