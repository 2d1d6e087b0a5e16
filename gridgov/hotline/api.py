"""API of the 12345 hotline: ``POST /api/v1/hotline/orders`` (docs/hotline.md).

Only a hotline integration account (role ``hotline``, bound to one street)
may post, with its Bearer token; anyone else gets 404 like any row outside
their scope.  The body is parsed by hand so that every refusal, malformed
fields included, answers 400 ``{"detail", "errors": {field: [...]}}`` and
writes nothing.  A new order answers 201, a re-sent one 200 with its case.

No ``from __future__ import annotations`` here: ninja builds its request
models from the evaluated signatures of the views.
"""

import json
from typing import Any

import pydantic
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja import Status as Reply

from gridgov.core.api_auth import BEARER_ONLY, auth_user
from gridgov.core.api_schemas import ActionErrorOut, ErrorOut
from gridgov.core.errors import ActionError
from gridgov.hotline.actions import hotline_street, receive_order
from gridgov.hotline.models import HotlineOrder
from gridgov.hotline.schemas import OrderIn, OrderOut

router = Router(tags=["hotline"])


def _order_input(request: HttpRequest) -> tuple[OrderIn, dict[str, Any]]:
    """The order from the JSON body, or ActionError naming each bad field."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ActionError(_("The body is not JSON."), {"body": [str(exc)]}) from exc
    if not isinstance(data, dict):
        raise ActionError(_("The body must be a JSON object."), {"body": [_("Not an object.")]})
    try:
        return OrderIn.model_validate(data), data
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            field = ".".join(str(part) for part in error["loc"]) or "body"
            errors.setdefault(field, []).append(error["msg"])
        raise ActionError(_("The order was refused: see the fields."), errors) from exc


def _out(order: HotlineOrder) -> dict[str, Any]:
    case = order.case
    return {
        "order_number": order.order_number,
        "case_id": case.pk,
        "case_number": case.number,
        "status": case.status,
        "category": case.category.code if case.category else None,
        "lead_unit": case.lead_unit.name if case.lead_unit else None,
        "routing_reason": case.routing_reason,
        "resolve_due": case.resolve_due,
    }


@router.post(
    "/hotline/orders",
    auth=BEARER_ONLY,
    response={200: OrderOut, 201: OrderOut, 400: ActionErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Push a 12345 hotline order",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": OrderIn.model_json_schema()}},
        }
    },
)
def post_order(request: HttpRequest) -> Reply[dict[str, Any]]:
    """Take in a hotline order: 201 with the new case, or 200 with the case of a re-sent one.

    The hotline's category code is mapped through the street's table; an
    unknown code waits for the street's dispatcher.  A ``deadline`` becomes
    the case's resolution deadline.  Milestones are reported back to the
    configured callback URL (signed; see docs/hotline.md).
    """
    user = auth_user(request)
    hotline_street(user)  # a wrong role answers 404 before the body is even read
    order, raw = _order_input(request)
    hotline_order, created = receive_order(order=order, actor=user, raw=raw)
    return Reply(201 if created else 200, _out(hotline_order))
