"""The people's case pages, phone-first: report a problem, my cases, patrol report, my queue.

Residents and enterprise contacts report problems and follow their own
cases; grid workers report what they find on patrol and work through their
grid's queue.  The views read through ``visible_to`` and write only through
``cases.actions``; a refused input is shown beside its field and nothing is
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Prefetch, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.algorithms.geo import GeometryError, polygon_from_geojson
from gridgov.cases.actions import DESCRIPTION_MAX, submit_case
from gridgov.cases.forms import (
    PatrolForm,
    RateForm,
    ReportForm,
    active_categories,
    category_label,
)
from gridgov.cases.models import Case, CaseEvent, CaseKind, Category, Channel, Summons
from gridgov.cases.units import units_of
from gridgov.cases.views.case_text import (
    OPEN_STATUSES,
    STATUS_COLOURS,
    due_times,
    plain_status,
    timeline,
)
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.core.errors import ActionError
from gridgov.insights.classifier import suggest
from gridgov.places.models import Building, Grid
from gridgov.web.forms import add_action_errors
from gridgov.web.roles import role_assignments

MY_CASES_PAGE = 10
# Suggestions start once the text says something (characters).
SUGGEST_FROM = 4
QUEUE_PAGE = 30
# The big buttons of the patrol report: the most common grid categories,
# ordered by this grid's own patrol reports first.
PATROL_DEFAULTS = (
    "env.sanitation",
    "env.ads",
    "safety.fire",
    "facility.parking",
    "env.street_order",
    "facility.lighting",
)
PATROL_BUTTONS = 6


def add_intake_errors(form: Any, error: ActionError) -> None:
    """Show the action's errors on the form; the map pin is one field (lat)."""
    if "lng" in error.errors:
        error.errors.setdefault("lat", []).extend(error.errors.pop("lng"))
    add_action_errors(form, error)


@dataclass
class Home:
    """Where a reporter lives or works: the default place of their reports."""

    building: Building | None
    street_id: int | None
    kind: str


def home_of(user: Any) -> Home:
    """The home building of a resident, or the building of an enterprise contact's firm."""
    assignments = (
        RoleAssignment.objects.filter(user_id=user.pk, active=True)
        .select_related("household__building", "organisation__building")
        .order_by("pk")
    )
    street_id = None
    for assignment in assignments:
        street_id = street_id or assignment.street_id
        if assignment.role == Role.RESIDENT and assignment.household is not None:
            return Home(assignment.household.building, assignment.street_id, CaseKind.DEMAND)
    for assignment in assignments:
        if assignment.role == Role.ENTERPRISE_CONTACT and assignment.organisation is not None:
            return Home(assignment.organisation.building, assignment.street_id, CaseKind.ENTERPRISE)
    return Home(None, street_id, CaseKind.DEMAND)


def _street(street_id: int | None) -> Any:
    from gridgov.places.models import Street

    return Street.objects.filter(pk=street_id).first() if street_id else None


def _map_context(lat: float | None, lng: float | None) -> dict[str, Any]:
    return {
        "map_labels": {
            "pin": _("The problem is here"),
            "locating": _("Finding your position…"),
            "located": _("Position found (±%(metres)s m)."),
            "noGps": _("No position from the phone: tap the map where the problem is."),
            "moved": _("Pin placed. Drag it or tap the map to move it."),
            "error": _("The map could not be loaded; the report still works."),
        },
        "map_start": {"lat": lat, "lng": lng},
    }


# --------------------------------------------------------------------------- resident


@login_required
@require_GET
def suggest_categories(request: HttpRequest) -> JsonResponse:
    """The classifier's top three for the text typed so far (the report form shows them)."""
    text = request.GET.get("text", "").strip()
    if len(text) > DESCRIPTION_MAX:
        return JsonResponse({"error": _("The text is too long.")}, status=400)
    if len(text) < SUGGEST_FROM:
        return JsonResponse({"top": []})
    names = {c.code: category_label(c) for c in active_categories()}
    best = suggest([text])[0]
    top = [
        {"category": code, "name": names[code], "score": round(score, 3)}
        for code, score in best.top
        if code in names
    ]
    return JsonResponse({"top": top})


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    home = home_of(user)
    categories = active_categories()
    home_label = home.building.name if home.building else ""
    initial: dict[str, Any] = {"at_home": bool(home.building)}
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        home_label=home_label,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place: dict[str, Any] = {"street": _street(home.street_id)}
        if data.get("at_home") and home.building is not None:
            place["building"] = home.building
        else:
            place["lat"], place["lng"] = form.point()
        try:
            case = submit_case(
                description=data["description"],
                category=data["category"],
                address=data["address"],
                kind=home.kind,
                channel=Channel.WEB,
                anonymous=data["anonymous"],
                photos=data["photos"],
                actor=user,
                **place,
            )
        except ActionError as error:
            add_intake_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your report is case %(number)s; you can follow it here.")
                % {"number": case.number},
            )
            return redirect("case-detail", case.pk)
    start = (home.building.lat, home.building.lng) if home.building else (None, None)
    context = {
        "form": form,
        "home": home,
        **_map_context(*start),
    }
    return render(request, "cases/people/report.html", context, status=_status(request, form))


def _status(request: HttpRequest, form: Any) -> int:
    return 400 if request.method == "POST" and form.errors else 200


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    cases = (
        Case.objects.visible_to(user)
        .filter(requester=user)
        .select_related("category", "lead_unit", "merged_into")
        .order_by("-submitted_at", "-id")
    )
    page = Paginator(cases, MY_CASES_PAGE).get_page(request.GET.get("page"))
    events = CaseEvent.objects.select_related("unit").order_by("sequence")
    rows = []
    page_cases = list(page.object_list)
    by_case: dict[int, list[CaseEvent]] = {case.pk: [] for case in page_cases}
    for event in events.filter(case__in=page_cases):
        by_case[event.case_id].append(event)
    for case in page_cases:
        rate_form = None
        if case.status == Status.CLOSED and not case.rating:
            rate_form = RateForm(case=case, initial={"version": case.version}, prefix="rate")
        rows.append(
            {
                "case": case,
                "plain": plain_status(case),
                "colour": STATUS_COLOURS.get(Status(case.status), "secondary"),
                "timeline": timeline(reversed(by_case[case.pk]), show_actor=False),
                "rate_form": rate_form,
            }
        )
    return render(
        request,
        "cases/people/mine.html",
        {"page": page, "rows": rows, "next": reverse("case-mine")},
    )


# --------------------------------------------------------------------------- grid worker


HANDLING_ROLES = {
    Role.STREET_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.GRID_WORKER,
    Role.BRANCH_SECRETARY,
    Role.DEPARTMENT_CLERK,
    Role.PARTNER_STAFF,
}


def my_grid_ids(user: Any) -> list[int]:
    """The grids the user works in (grid worker, grid party branch secretary)."""
    grid_ids = []
    for assignment in role_assignments(user):
        in_grid = assignment.role in (Role.GRID_WORKER, Role.BRANCH_SECRETARY)
        if in_grid and assignment.grid_id and assignment.grid_id not in grid_ids:
            grid_ids.append(assignment.grid_id)
    return grid_ids


def _grid_point(grid: Grid) -> tuple[float | None, float | None]:
    try:
        point = polygon_from_geojson(grid.geometry).point_on_surface()
    except (GeometryError, ValueError, TypeError):
        return None, None
    return round(point.y, 7), round(point.x, 7)


def _patrol_categories(grid_id: int, categories: list[Category]) -> list[Category]:
    """All active categories, this grid's most reported on patrol first, then the defaults."""
    counts = dict(
        Case.objects.filter(grid_id=grid_id, kind=CaseKind.PATROL, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    defaults = {code: i for i, code in enumerate(PATROL_DEFAULTS)}
    return sorted(
        categories,
        key=lambda c: (
            -counts.get(c.pk, 0),
            defaults.get(c.code, len(defaults)),
            c.code,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def patrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    grid_ids = my_grid_ids(user)
    if not grid_ids:
        raise Http404
    grid = Grid.objects.select_related("street").get(pk=grid_ids[0])
    categories = _patrol_categories(grid.pk, active_categories())
    lat, lng = _grid_point(grid)
    form = PatrolForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        initial={"lat": lat, "lng": lng},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point_lat, point_lng = form.point()
        try:
            case = submit_case(
                description=data["description"],
                category=data["category"],
                lat=point_lat,
                lng=point_lng,
                street=grid.street,
                kind=CaseKind.PATROL,
                channel=Channel.PATROL,
                photos=data["photos"],
                actor=user,
            )
        except ActionError as error:
            add_intake_errors(form, error)
        else:
            messages.success(
                request,
                _("Patrol report %(number)s sent: %(status)s.")
                % {"number": case.number, "status": plain_status(case)},
            )
            return redirect("case-detail", case.pk)
    category_field = form["category"]
    choices = list(category_field)
    context = {
        "form": form,
        "grid": grid,
        "big_choices": choices[:PATROL_BUTTONS],
        "more_choices": choices[PATROL_BUTTONS:],
        **_map_context(lat, lng),
    }
    return render(request, "cases/people/patrol.html", context, status=_status(request, form))


def queue_cases(user: Any) -> Any:
    """Open cases my units lead or were summoned to, and my grids' cases awaiting verification.

    Overdue first, then by the next due time (response while dispatched,
    resolution while accepted), then the oldest.
    """
    unit_ids = [unit.pk for unit in units_of(user)]
    grid_ids = my_grid_ids(user)
    summoned = Summons.objects.filter(unit_id__in=unit_ids).values("case_id")
    mine = (
        Q(lead_unit_id__in=unit_ids)
        | Q(pk__in=summoned)
        | Q(grid_id__in=grid_ids, status=Status.RESOLVED)
    )
    now = clock.now()
    return (
        Case.objects.visible_to(user)
        .filter(mine, status__in=OPEN_STATUSES)
        .select_related("category", "lead_unit", "grid")
        .annotate(
            next_due=SqlCase(
                When(status=Status.DISPATCHED, then=F("response_due")),
                When(status=Status.ACCEPTED, then=F("resolve_due")),
                default=None,
            )
        )
        .annotate(
            overdue=SqlCase(
                When(next_due__lt=now, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-overdue", F("next_due").asc(nulls_last=True), "submitted_at", "id")
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(a.role in HANDLING_ROLES for a in role_assignments(user)):
        raise Http404
    units = units_of(user)
    unit_ids = {unit.pk for unit in units}
    cases = queue_cases(user).prefetch_related(
        Prefetch(
            "summonses",
            queryset=Summons.objects.filter(unit_id__in=unit_ids).order_by("summoned_at"),
            to_attr="my_summonses",
        )
    )
    page = Paginator(cases, QUEUE_PAGE).get_page(request.GET.get("page"))
    now = clock.now()
    rows = []
    for case in page.object_list:
        pending = [s for s in case.my_summonses if s.reported_at is None]
        rows.append(
            {
                "case": case,
                "colour": STATUS_COLOURS.get(Status(case.status), "secondary"),
                "category": category_label(case.category) if case.category else "",
                "dues": due_times(case, now),
                "overdue": bool(case.overdue),
                "summons": pending[0] if pending else None,
                "summons_overdue": bool(pending and pending[0].due_at < now),
                "to_verify": case.status == Status.RESOLVED,
                "leading": case.lead_unit_id in unit_ids,
            }
        )
    return render(
        request,
        "cases/people/queue.html",
        {"page": page, "rows": rows, "units": units, "grid_worker": bool(my_grid_ids(user))},
    )
