"""What the staff pages share: who may use them, the viewer's work list, deadlines, case links.

Reads only.  Every case list starts from ``Case.objects.visible_to(user)``;
the work list narrows it to the viewer's place and units (a grid worker who
reported a problem at home does not find it in their queues), so queues
never show more than the viewer may read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role
from gridgov.cases.exports import mask_text
from gridgov.cases.models import Case, Summons
from gridgov.cases.units import units_of
from gridgov.cases.workflow import Status
from gridgov.core.scoping import scope_filter, scope_for
from gridgov.web.roles import role_assignments

# Roles that handle cases: the place staff and the units that are dispatched or whistled to.
CASE_ROLES = {
    Role.STREET_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.GRID_WORKER,
    Role.BRANCH_SECRETARY,
    Role.DEPARTMENT_CLERK,
    Role.PARTNER_STAFF,
}
PAGE_SIZE = 50
_Response = TypeVar("_Response", bound=HttpResponseBase)

# Status colours on the map and in the lists (white text on each passes WCAG AA).
STATUS_COLOURS = {
    Status.SUBMITTED: "#4b5563",
    Status.REGISTERED: "#6d28d9",
    Status.RETURNED: "#be185d",
    Status.DISPATCHED: "#1d4ed8",
    Status.ACCEPTED: "#b45309",
    Status.RESOLVED: "#15803d",
    Status.SUSPENDED: "#334155",
    Status.CLOSED: "#374151",
    Status.REJECTED: "#6b7280",
    Status.MERGED: "#6b7280",
}


def handles_cases(user: Any) -> bool:
    """May the user use the workbench, ledger and case map?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(a.role in CASE_ROLES for a in role_assignments(user))


def case_worker_only(view: Callable[..., _Response]) -> Callable[..., _Response]:
    """Sign-in first; then 404 (not 403) for users who handle no cases."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response:
        if not handles_cases(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def edits_rules(user: Any) -> bool:
    """Street admins (and superusers) set their street's routing rules."""
    scope = scope_for(user)
    return scope.everything or bool(scope.street_ids)


def staff_context(user: Any, section: str) -> dict[str, Any]:
    """What the staff pages' sub-navigation needs."""
    return {"staff_section": section, "can_edit_rules": edits_rules(user)}


def unit_ids(user: Any) -> list[int]:
    return [unit.pk for unit in units_of(user)]


def involving(ids: list[int]) -> Q:
    """Cases a unit leads or was whistled to (a co-handler until the case closes)."""
    return Q(lead_unit__in=ids) | Q(pk__in=Summons.objects.filter(unit__in=ids).values("case_id"))


def place_q(user: Any) -> Q | None:
    """Cases in the viewer's place (None: everything; an empty Q matches nothing)."""
    scope = scope_for(user)
    if scope.everything:
        return None
    if not (scope.street_ids or scope.community_ids or scope.grid_ids):
        return Q(pk__in=[])
    return scope_filter(Case.scope_rule, scope)


def work_list(user: Any) -> QuerySet[Case]:
    """Visible cases in the viewer's place or involving their units."""
    visible = Case.objects.visible_to(user)
    place = place_q(user)
    if place is None:
        return visible
    ids = unit_ids(user)
    return visible.filter(place | involving(ids) if ids else place)


@dataclass(frozen=True)
class Deadline:
    """The time limit that matters now for an open case."""

    label: Any
    due: datetime.datetime
    overdue: bool


def deadline_of(case: Case, now: datetime.datetime) -> Deadline | None:
    """The earliest limit still running: first contact while dispatched, then resolution."""
    return deadline_for(case.status, case.response_due, case.resolve_due, now)


def deadline_for(
    status: str,
    response_due: datetime.datetime | None,
    resolve_due: datetime.datetime | None,
    now: datetime.datetime,
) -> Deadline | None:
    """As :func:`deadline_of`, from the bare values (rows read with ``values()``)."""
    if status not in (Status.DISPATCHED, Status.ACCEPTED):
        return None
    limits = []
    if status == Status.DISPATCHED and response_due is not None:
        limits.append((_("Response"), response_due))
    if resolve_due is not None:
        limits.append((_("Resolution"), resolve_due))
    if not limits:
        return None
    label, due = min(limits, key=lambda limit: limit[1])
    return Deadline(label, due, due < now)


def case_url_pattern() -> str:
    """``/cases/{}/``: the case page ("case-detail"), reversed once per page, not once per row."""
    return reverse("case-detail", args=[0]).replace("/0/", "/{}/")


def place_name(case: Case) -> str:
    """Community and grid ("一社区 · 一网格"; a grid named after its community stands alone)."""
    community = case.community.name if case.community else ""
    if case.grid is None:
        return community
    grid = case.grid.name
    return grid if not community or grid.startswith(community) else f"{community} · {grid}"


def decorate(cases: Any, now: datetime.datetime) -> list[Any]:
    """The page's cases with ``url``, ``deadline``, ``place``, ``snippet`` and ``status_colour``.

    The snippet is the description with phone numbers masked (lists are read over shoulders).

    The cases come with their community and grid joined (select_related).
    """
    pattern = case_url_pattern()
    rows = list(cases)
    for case in rows:
        case.url = pattern.format(case.pk)
        case.place = place_name(case)
        case.snippet = mask_text(case.description)
        case.deadline = deadline_of(case, now)
        case.status_colour = STATUS_COLOURS.get(case.status, "#4b5563")
    return rows


class DeferredJoinPaginator(Paginator):
    """Pages of a long, ordered queryset: a page's ids first, then its rows by id.

    One query a page still (the ids are a subquery): the OFFSET walks the
    filter and the order only, not the joined and annotated rows.  Page 2,000
    of 200,000 cases: 140 -> 37 ms on PostgreSQL, 86 -> 46 ms on SQLite.
    """

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = cast(QuerySet[Any], self.object_list)
        ids = rows.values("pk")[bottom:top]
        return Page(rows.filter(pk__in=ids), number, self)


class CountedPaginator(Paginator):
    """A paginator told the count already computed (no second COUNT over a big table)."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count
