"""Actions on routing rules (分派规则): a street admin chooses who first handles a category.

A street's rule overrides the catalogue's ``handler`` for that street
(``cases.routing.route`` reads it at intake).  The syntax is the
catalogue's: ``grid``, ``community``, ``partner`` or ``street:DEPT`` with
the code of one of the street's departments.  Each action checks the right,
writes one audit row and runs in one transaction; a refusal writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.cases.models import Category, RoutingRule
from gridgov.core import audit
from gridgov.core.errors import ActionError
from gridgov.core.permissions import require_admin
from gridgov.places.models import Department, Street

PLACE_HANDLERS = ("grid", "community", "partner")
DEPARTMENT_PREFIX = "street:"


def check_handler(street: Street, handler: str) -> str:
    """The handler, stripped, if it names something that exists in ``street``; else ActionError."""
    value = (handler or "").strip()
    if not value:
        message = _("Choose who handles this category first.")
        raise ActionError(message, {"handler": [message]})
    if value in PLACE_HANDLERS:
        return value
    if value.startswith(DEPARTMENT_PREFIX):
        code = value[len(DEPARTMENT_PREFIX) :]
        if code and Department.objects.filter(street=street, code=code).exists():
            return value
        message = _("%(street)s has no department with the code “%(code)s”.") % {
            "street": street.name,
            "code": code,
        }
        raise ActionError(message, {"handler": [message]})
    message = _(
        "Unknown handler “%(handler)s”: use grid, community, partner or street:DEPARTMENT-CODE."
    ) % {"handler": value}
    raise ActionError(message, {"handler": [message]})


@transaction.atomic
def set_routing_rule(
    *, street: Street, category: Category, handler: str, actor: Any
) -> RoutingRule:
    """Make ``handler`` the street's first handler for ``category`` (new cases only)."""
    require_admin(actor, street_id=street.pk)
    handler = check_handler(street, handler)
    rule = RoutingRule.objects.select_for_update().filter(street=street, category=category).first()
    previous = rule.handler if rule is not None else None
    if rule is None:
        rule = RoutingRule.objects.create(street=street, category=category, handler=handler)
    else:
        rule.handler = handler
        rule.save(update_fields=["handler", "updated_at"])
    audit.record(
        "set_routing_rule",
        actor=actor,
        obj=rule,
        summary=f"{street.name} {category.code}: {handler}",
        data={
            "street": street.code,
            "category": category.code,
            "handler": handler,
            "previous": previous,
            "default": category.handler,
        },
    )
    return rule


@transaction.atomic
def clear_routing_rule(*, street: Street, category: Category, actor: Any) -> bool:
    """Remove the street's rule for ``category``: the catalogue default applies again.

    Returns whether there was a rule; clearing none writes nothing.
    """
    require_admin(actor, street_id=street.pk)
    rule = RoutingRule.objects.select_for_update().filter(street=street, category=category).first()
    if rule is None:
        return False
    audit.record(
        "clear_routing_rule",
        actor=actor,
        obj=rule,
        summary=f"{street.name} {category.code}: {category.handler}",
        data={
            "street": street.code,
            "category": category.code,
            "previous": rule.handler,
            "default": category.handler,
        },
    )
    rule.delete()
    return True
