"""Schemas every API router shares: list pagination and error bodies.

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
