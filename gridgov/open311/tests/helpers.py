"""Helpers of the Open311 tests: the test street's jurisdiction, a valid form, a photo."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

JURISDICTION = "370203901"  # 测试街道 (the personas' world holds two streets)
ROOT = "/open311/v2"
POTHOLE = "万安一路6号门前路面有个大坑，电动车经过很危险"


def pothole_form(raw_key: str, **changes: Any) -> dict[str, Any]:
    """A valid POST requests form (a pothole in grid A); ``None`` drops a field."""
    form: dict[str, Any] = {
        "api_key": raw_key,
        "jurisdiction_id": JURISDICTION,
        "service_code": "facility.road",
        "lat": "36.105",
        "long": "120.305",
        "description": POTHOLE,
        "attribute[damage_type]": "pothole",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13900001234",
        "email": "wang@example.cn",
        "device_id": "device-1",
        "account_id": "account-1",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def counts() -> tuple[int, int]:
    from gridgov.cases.models import Case
    from gridgov.open311.models import ServiceRequestRecord

    return Case.objects.count(), ServiceRequestRecord.objects.count()
