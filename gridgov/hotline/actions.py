"""Actions of the 12345 hotline: intake of an order, and the street's category mapping.

``receive_order`` makes the case through ``cases.actions.submit_case``
(routing, the ledger and the outbox happen there, as for every channel) and
writes the ``HotlineOrder`` in the same transaction.  It is idempotent on
the order number: a re-sent order, or two sends at the same moment, answer
with the first order's case and write nothing more.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases import actions as case_actions
from gridgov.cases.models import CaseKind, Category, Channel, Priority
from gridgov.core import audit
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.permissions import require_admin
from gridgov.hotline.models import HotlineCategoryMapping, HotlineOrder
from gridgov.hotline.schemas import OrderIn
from gridgov.places.models import Street

URGENCY = {"normal": Priority.NORMAL, "urgent": Priority.URGENT}


def _error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


def hotline_street(actor: Any) -> Street:
    """The one street ``actor`` is the hotline integration of (else ``NotPermitted``: 404)."""
    user_id = getattr(actor, "pk", None)
    if user_id is None:
        raise NotPermitted(_("Only a hotline integration account sends orders."))
    assignments = list(
        RoleAssignment.objects.filter(
            user_id=user_id, role=Role.HOTLINE, active=True
        ).select_related("street")[:2]
    )
    if len(assignments) != 1:
        raise NotPermitted(_("Only a hotline integration account sends orders."))
    return assignments[0].street


def _aware(when: datetime.datetime) -> datetime.datetime:
    """A time without a zone is the hotline's local time (Asia/Shanghai by default)."""
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def _existing(street: Street, order_number: str) -> HotlineOrder | None:
    return (
        HotlineOrder.objects.select_related("case__category", "case__lead_unit")
        .filter(street=street, order_number=order_number)
        .first()
    )


def receive_order(
    *, order: OrderIn, actor: Any, raw: dict[str, Any] | None = None
) -> tuple[HotlineOrder, bool]:
    """Take in one hotline order; returns (the order, whether it is new).

    The hotline's category code is mapped through the street's
    ``HotlineCategoryMapping``: an unknown code makes a case without a
    category, waiting for the street's dispatcher with the reason said.  The
    hotline's deadline, when given, is the case's resolution deadline from
    its dispatch on (recorded in the dispatch's ledger event).
    """
    street = hotline_street(actor)
    found = _existing(street, order.order_number)
    if found is not None:
        return found, False
    try:
        # A savepoint: a simultaneous send of the same number that committed
        # first makes our INSERT fail; roll back to here and answer with its order.
        with transaction.atomic():
            return _create(street=street, order=order, actor=actor, raw=raw), True
    except IntegrityError:
        found = _existing(street, order.order_number)
        if found is None:
            raise
        return found, False


def _create(
    *, street: Street, order: OrderIn, actor: Any, raw: dict[str, Any] | None
) -> HotlineOrder:
    if (order.lat is None) != (order.lng is None):
        raise _error("lat", _("Give both latitude and longitude."))
    mapping = (
        HotlineCategoryMapping.objects.select_related("category")
        .filter(street=street, hotline_code=order.category, category__active=True)
        .first()
    )
    deadline = _aware(order.deadline) if order.deadline else None
    unknown = _("Hotline category code %(code)s is unknown: the street's dispatcher decides.")
    try:
        case = case_actions.submit_case(
            description=order.content,
            actor=None,  # the requester is the caller (by name and phone), not the program
            category=mapping.category if mapping else None,
            lat=order.lat,
            lng=order.lng,
            address=order.address,
            street=street,
            kind=CaseKind.HOTLINE,
            channel=Channel.HOTLINE,
            priority=URGENCY[order.urgency],
            requester_name=order.caller_name,
            requester_phone=order.caller_phone,
            resolve_due=deadline,
            why_waiting="" if mapping else (unknown % {"code": order.category})[:300],
        )
    except ActionError as exc:
        # The case's field names, in the order's words.
        renamed = {"description": "content"}
        errors = {renamed.get(field, field): messages for field, messages in exc.errors.items()}
        raise ActionError(exc.message, errors) from exc
    hotline_order = HotlineOrder.objects.create(
        street=street,
        order_number=order.order_number,
        case=case,
        received_at=_aware(order.received_at),
        deadline=deadline,
        hotline_code=order.category,
        payload=raw if raw is not None else order.model_dump(mode="json"),
        received_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        "receive_hotline_order",
        actor=actor,
        obj=hotline_order,
        summary=f"{order.order_number} → {case.number}",
        data={"street": street.code, "case": case.number, "mapped": mapping is not None},
    )
    return hotline_order


# --------------------------------------------------------------------------- mapping


@transaction.atomic
def set_mapping(
    *, street: Street, hotline_code: str, category: Category, hotline_name: str = "", actor: Any
) -> HotlineCategoryMapping:
    """Map a hotline code to our category in ``street`` (its street admins or the operator)."""
    require_admin(actor, street_id=street.pk)
    hotline_code = (hotline_code or "").strip()
    if not hotline_code or len(hotline_code) > 64:
        raise _error("hotline_code", _("Give the hotline's code (at most 64 characters)."))
    if not category.active:
        raise _error("category", _("This category is no longer in use."))
    mapping, created = HotlineCategoryMapping.objects.update_or_create(
        street=street,
        hotline_code=hotline_code,
        defaults={"category": category, "hotline_name": (hotline_name or "").strip()[:100]},
    )
    audit.record(
        "set_hotline_mapping",
        actor=actor,
        obj=mapping,
        summary=f"{hotline_code} → {category.code}",
        data={"street": street.code, "created": created},
    )
    return mapping


@transaction.atomic
def delete_mapping(*, mapping: HotlineCategoryMapping, actor: Any) -> None:
    """Forget a code: its orders go to the street's dispatcher from now on."""
    require_admin(actor, street_id=mapping.street_id)
    audit.record(
        "delete_hotline_mapping",
        actor=actor,
        obj=mapping,
        summary=f"{mapping.hotline_code} → {mapping.category.code}",
    )
    mapping.delete()
