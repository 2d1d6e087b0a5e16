"""Routing: place × category → the lead unit, and why (the reason is stored on the case)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from gridgov.cases.models import Case, Category, RoutingRule, Unit, UnitKind
from gridgov.cases.units import unit_for
from gridgov.places.models import Department, Organisation, OrganisationKind


def route(
    case: Case, category: Category, known: Mapping[str, Unit] | None = None
) -> tuple[Unit, str]:
    """The unit that should lead ``case`` under the street's rule for ``category``, and why.

    The street's RoutingRule wins; without one the catalogue's handler applies.
    ``known``: units of the case's grid, community and street already read, by kind.

    The case must lie in a grid (cases outside every grid go to the street's
    dispatcher before they get here).
    """
    assert case.grid is not None and case.community is not None
    # At most one rule per street and category (a constraint): no ordering, no model.
    rules = RoutingRule.objects.filter(street_id=case.street_id, category=category)
    handlers = list(rules.values_list("handler", flat=True)[:1])
    handler = handlers[0] if handlers else category.handler
    known = known or {}
    if handler == "grid":
        why = _("%(category)s is handled in the grid: %(grid)s") % {
            "category": category.name,
            "grid": case.grid.name,
        }
        return known.get(UnitKind.GRID) or unit_for(case.grid), why
    if handler == "community":
        return known.get(UnitKind.COMMUNITY) or unit_for(case.community), _(
            "%(category)s is handled by the community: %(community)s"
        ) % {"category": category.name, "community": case.community.name}
    if handler.startswith("street:"):
        code = handler.partition(":")[2]
        # The department's unit in one query (the department has one unit and its
        # code is unique in the street); the department alone when it has no unit yet.
        unit: Unit | None
        try:
            unit = Unit.objects.select_related("department").get(
                kind=UnitKind.DEPARTMENT,
                department__street_id=case.street_id,
                department__code=code,
            )
        except Unit.DoesNotExist:
            unit = None
        department = (
            unit.department
            if unit is not None
            else Department.objects.filter(street_id=case.street_id, code=code).first()
        )
        if department is not None:
            return unit or unit_for(department), _(
                "%(category)s is handled by the street department %(department)s"
            ) % {"category": category.name, "department": department.name}
        return unit_for(case.street), _(
            "The street has no department %(code)s for %(category)s: the dispatcher decides"
        ) % {"code": code, "category": category.name}
    if handler == "partner":
        partner = (
            Organisation.objects.filter(kind=OrganisationKind.PARTNER, community=case.community)
            .order_by("name")
            .first()
        )
        if partner is not None:
            return unit_for(partner), _(
                "%(category)s goes to a partner unit of the community: %(partner)s"
            ) % {"category": category.name, "partner": partner.name}
        return unit_for(case.community), _(
            "No partner unit in %(community)s for %(category)s: the community handles it"
        ) % {"community": case.community.name, "category": category.name}
    return unit_for(case.street), _("Unknown handler rule %(rule)s: the dispatcher decides") % {
        "rule": handler
    }
