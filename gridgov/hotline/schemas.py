"""The 12345 order as the hotline sends it, and what the API answers (docs/hotline.md).

No ``from __future__ import annotations`` here: ninja and pydantic build
their models from the evaluated annotations.
"""

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{2,31}$"


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class OrderIn(Schema):
    """A hotline order (12345 工单).  Unknown extra fields are ignored (kept in the raw payload).

    Times are ISO 8601; without a zone they are read as Asia/Shanghai.
    """

    model_config = ConfigDict(extra="ignore")

    order_number: str = Field(
        ..., min_length=1, max_length=64, description="The hotline's order number (工单编号)."
    )
    received_at: datetime.datetime = Field(..., description="When the hotline took the call.")
    caller_name: str = Field(..., min_length=1, max_length=50, description="Caller's name.")
    caller_phone: str = Field(
        ..., pattern=PHONE_PATTERN, max_length=32, description="Caller's phone number (a string)."
    )
    content: str = Field(
        ..., min_length=5, max_length=4000, description="What the caller asks (5-4000 characters)."
    )
    address: str = Field("", max_length=300, description="Where, in words.")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84 latitude (optional).")
    lng: float | None = Field(None, ge=-180, le=180, description="WGS-84 longitude (optional).")
    category: str = Field(
        ..., min_length=1, max_length=64, description="The hotline's own category code."
    )
    urgency: Literal["normal", "urgent"] = Field("normal", description="normal or urgent.")
    deadline: datetime.datetime | None = Field(
        None, description="The hotline's deadline for the result; it wins over ours."
    )

    _strip = field_validator(
        "order_number",
        "caller_name",
        "caller_phone",
        "content",
        "address",
        "category",
        mode="before",
    )(_stripped)


class OrderOut(Schema):
    """The case made for an order (201), or the one made for it before (200)."""

    order_number: str
    case_id: int
    case_number: str
    status: str
    category: str | None = Field(None, description="Our category code, null if unmapped.")
    lead_unit: str | None
    routing_reason: str
    resolve_due: datetime.datetime | None
