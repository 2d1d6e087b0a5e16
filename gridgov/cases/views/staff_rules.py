"""Routing rules (分派规则): a street admin decides who first handles each category in the street.

Each category shows its catalogue default and the street's own rule; a rule
is set or cleared through ``cases.rule_actions`` (which checks the right and
the handler and writes the audit row).  Everyone but street admins (and
superusers) gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.cases.models import Category, RoutingRule
from gridgov.cases.rule_actions import (
    DEPARTMENT_PREFIX,
    clear_routing_rule,
    set_routing_rule,
)
from gridgov.cases.views.staff_common import staff_context
from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_for
from gridgov.places.models import Department, Street


def _streets(user: Any) -> list[Street]:
    """The streets whose rules the user edits (every street for a superuser)."""
    scope = scope_for(user)
    streets = Street.objects.order_by("code")
    if not scope.everything:
        streets = streets.filter(pk__in=scope.street_ids)
    return list(streets)


def handler_options(departments: list[Department]) -> list[tuple[str, str]]:
    """(value, label) of every handler a rule may name in a street."""
    options = [
        ("grid", _("The grid (grid worker and grid party branch)")),
        ("community", _("The community")),
        ("partner", _("A partner unit of the community")),
    ]
    options += [
        (f"{DEPARTMENT_PREFIX}{d.code}", _("Street department: %(name)s") % {"name": d.name})
        for d in departments
    ]
    return options


def handler_label(handler: str, labels: dict[str, str]) -> str:
    if handler in labels:
        return labels[handler]
    if handler.startswith(DEPARTMENT_PREFIX):
        return _("Street department %(code)s (not in this street: the dispatcher decides)") % {
            "code": handler[len(DEPARTMENT_PREFIX) :]
        }
    return handler


@dataclass
class RuleRow:
    category: Category
    default: str
    rule: RoutingRule | None
    rule_label: str
    value: str
    errors: list[str] = field(default_factory=list)
    extra_option: str = ""


def _rows(
    street: Street, failed: dict[str, Any] | None = None
) -> tuple[list[RuleRow], list[tuple[str, str]]]:
    departments = list(Department.objects.filter(street=street).order_by("code"))
    options = handler_options(departments)
    labels = dict(options)
    rules = {rule.category_id: rule for rule in RoutingRule.objects.filter(street=street)}
    rows = []
    for category in Category.objects.order_by("-active", "code"):
        rule = rules.get(category.pk)
        row = RuleRow(
            category=category,
            default=handler_label(category.handler, labels),
            rule=rule,
            rule_label=handler_label(rule.handler, labels) if rule else "",
            value=rule.handler if rule else category.handler,
        )
        if failed and failed["category"] == category.code:
            row.value = failed["handler"]
            row.errors = failed["errors"]
            if row.value not in labels:
                row.extra_option = row.value
        rows.append(row)
    return rows, options


def _page(
    request: HttpRequest,
    streets: list[Street],
    street: Street,
    failed: dict[str, Any] | None = None,
) -> HttpResponse:
    rows, options = _rows(street, failed)
    return render(
        request,
        "cases/staff/rules.html",
        {
            "street": street,
            "streets": streets,
            "rows": rows,
            "options": options,
            "failed": failed,
            **staff_context(request.user, "rules"),
        },
        status=400 if failed else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def routing_rules(request: HttpRequest) -> HttpResponse:
    streets = _streets(request.user)
    if not streets:
        raise Http404
    by_id = {str(street.pk): street for street in streets}
    street_id = request.POST.get("street") or request.GET.get("street") or str(streets[0].pk)
    street = by_id.get(street_id)
    if street is None:
        raise Http404
    if request.method == "GET":
        return _page(request, streets, street)
    category = get_object_or_404(Category, code=request.POST.get("category", ""))
    handler = request.POST.get("handler", "")
    try:
        if request.POST.get("op") == "clear":
            clear_routing_rule(street=street, category=category, actor=request.user)
            messages.success(
                request,
                _("%(category)s: the catalogue default applies again.")
                % {"category": category.name},
            )
        else:
            set_routing_rule(street=street, category=category, handler=handler, actor=request.user)
            messages.success(
                request,
                _("%(category)s: new cases now go to %(handler)s.")
                % {
                    "category": category.name,
                    "handler": handler_label(
                        handler.strip(),
                        dict(handler_options(list(Department.objects.filter(street=street)))),
                    ),
                },
            )
    except ActionError as error:
        messages_for_field = error.errors.get("handler") or [error.message]
        failed = {"category": category.code, "handler": handler, "errors": messages_for_field}
        return _page(request, streets, street, failed)
    url = reverse("case-rules")
    if len(streets) > 1:
        url += f"?street={street.pk}"
    return redirect(f"{url}#rule-{category.code}")
