"""Hotline fixtures: the personas' world, a hotline integration account with its token,
and the street's mapping of the hotline code 0301 to our sanitation category."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

HOTLINE_CODE = "0301"
# inside grid A of the test street (tests/personas.py)
LAT, LNG = 36.105, 120.305


@dataclass
class Hotline:
    world: Any
    user: Any
    token: str
    client: Any

    def post(self, body: Any, token: str | None = None) -> Any:
        return self.client.post(
            "/api/v1/hotline/orders",
            body if isinstance(body, (str, bytes)) else json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token or self.token}"},
        )


def order(**extra: Any) -> dict[str, Any]:
    """A complete hotline order; ``extra`` overrides fields (None removes one)."""
    body: dict[str, Any] = {
        "order_number": "GD20261123000123",
        "received_at": "2026-11-23T09:15:00+08:00",
        "caller_name": "李女士",
        "caller_phone": "13912345678",
        "content": "小区门口垃圾桶满了三天没人清运, 味道很大",
        "address": "万安一路6号门口",
        "lat": LAT,
        "lng": LNG,
        "category": HOTLINE_CODE,
        "urgency": "normal",
    }
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}


def hotline_account(street: Any, username: str = "hotline12345") -> tuple[Any, str]:
    from gridgov.accounts.actions import assign_role, create_api_token, create_user

    user = create_user(username=username, password="hotline-pass-1")
    assign_role(user=user, role="hotline", target=street)
    return user, create_api_token(user=user, name="12345")[1]


@pytest.fixture
def hotline(world, client) -> Hotline:
    from gridgov.cases.models import Category
    from gridgov.hotline.actions import set_mapping

    set_mapping(
        street=world.street,
        hotline_code=HOTLINE_CODE,
        hotline_name="市容环境",
        category=Category.objects.get(code="env.sanitation"),
        actor=world.street_admin,
    )
    user, token = hotline_account(world.street)
    return Hotline(world=world, user=user, token=token, client=client)


@pytest.fixture
def callback_settings(settings):
    settings.GRIDGOV_HOTLINE_CALLBACK_URL = "http://127.0.0.1:9/hotline/callback"
    settings.GRIDGOV_HOTLINE_SECRET = "shared-secret-of-12345"
    return settings
