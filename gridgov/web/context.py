"""Template context: navigation entries for the user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role
from gridgov.cases.views.staff_common import handles_cases
from gridgov.insights.figures import has_kpi_place
from gridgov.web.roles import (
    administers_a_street,
    has_staff_role,
    role_assignments,
    sees_organisations,
)


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    url_name: str
    # Other URL names that belong to the same section (for the active mark).
    section: tuple[str, ...] = ()

    def is_active(self, current: str) -> bool:
        return current == self.url_name or current in self.section


def _items(user: Any) -> list[NavItem]:
    items = [
        NavItem(_("Overview"), reverse("home"), "home"),
        NavItem(_("Map"), reverse("map"), "map"),
        NavItem(_("Party organisations"), reverse("party-tree"), "party-tree"),
        NavItem(
            _("Grids & buildings"),
            reverse("places"),
            "places",
            ("community-detail", "grid-detail", "building-detail", "household-detail"),
        ),
    ]
    if handles_cases(user):
        pages = ("case-ledger", "case-map", "case-rules")
        items.insert(1, NavItem(_("Workbench"), reverse("case-workbench"), "case-workbench", pages))
    roles = {assignment.role for assignment in role_assignments(user)}
    if Role.GRID_WORKER in roles:
        items.insert(
            1, NavItem(_("My grid's cases"), reverse("case-queue"), "case-queue", ("case-patrol",))
        )
    if roles & {Role.RESIDENT, Role.ENTERPRISE_CONTACT}:
        items[1:1] = [
            NavItem(_("Report a problem"), reverse("case-report"), "case-report"),
            NavItem(_("My cases"), reverse("case-mine"), "case-mine"),
        ]
    if has_kpi_place(user):
        items.insert(
            1, NavItem(_("Dashboard"), reverse("insights-dashboard"), "insights-dashboard")
        )
    if sees_organisations(user):
        items.append(
            NavItem(
                _("Organisations"),
                reverse("organisation-list"),
                "organisation-list",
                ("organisation-detail",),
            )
        )
    if administers_a_street(user):
        items.append(NavItem(_("Data import"), reverse("places-import"), "places-import"))
        items.append(
            NavItem(
                _("People & roles"),
                reverse("people"),
                "people",
                ("people-new", "people-detail", "people-role-add", "people-password"),
            )
        )
        items.append(NavItem(_("Open311 keys"), reverse("open311-keys"), "open311-keys"))
        items.append(
            NavItem(
                _("Hotline"),
                reverse("hotline-deliveries"),
                "hotline-deliveries",
                ("hotline-mapping",),
            )
        )
    items.append(NavItem(_("API tokens"), reverse("tokens"), "tokens"))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_roles": []}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else ""
    items = _items(user)
    return {
        "nav_items": [
            {"label": item.label, "url": item.url, "active": item.is_active(current or "")}
            for item in items
        ],
        "nav_roles": [
            {"role": a.get_role_display(), "place": a.target_name} for a in role_assignments(user)
        ],
        "nav_is_staff": has_staff_role(user),
    }
