"""The staff workbench (工作台): queues, the ledger (台账) with its Excel exports, the case map.

Thin views: they read through ``Case.objects.visible_to`` (the work list
narrows it to the viewer's place and units), filter with ``cases.filters``
and render; the case page ("case-detail") is where actions are taken.
Every page takes a fixed number of queries whatever the number of cases:
the case queues are counted in one aggregate query, the whistles in one
more, and the rows of the page shown in a third.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models import When as DbWhen
from django.db.models.functions import Least
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridgov.cases.exports import export_cases, export_command, export_events, row_count
from gridgov.cases.filters import (
    OPEN_STATUSES,
    CaseFilterForm,
    due_soon_q,
    filter_cases,
    overdue_q,
)
from gridgov.cases.models import Case, Summons
from gridgov.cases.views.staff_common import (
    PAGE_SIZE,
    STATUS_COLOURS,
    CountedPaginator,
    Deadline,
    DeferredJoinPaginator,
    case_url_pattern,
    case_worker_only,
    deadline_for,
    decorate,
    involving,
    place_q,
    staff_context,
    unit_ids,
    work_list,
)
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.core.scoping import scope_for
from gridgov.places.models import Street

# Waiting for the street's dispatcher: not yet registered, registered but not sent, returned.
TO_DISPATCH = (Status.SUBMITTED, Status.REGISTERED, Status.RETURNED)
# Statuses in which a summoned unit may still report for duty.
SUMMONS_OPEN = (Status.DISPATCHED, Status.ACCEPTED, Status.RESOLVED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The map draws at most this many cases (the newest); the legend says when more matched.
MAP_LIMIT = 3000
# The ledger filters offered beside the map (the status is chosen in the legend).
MAP_FILTERS = ("category", "community", "grid", "unit", "overdue")
ROW_RELATIONS = ("category", "community", "grid", "lead_unit")


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    description: Any


QUEUES = (
    Queue(
        "register",
        gettext_lazy("To register and dispatch"),
        gettext_lazy("New, registered and returned cases waiting for the street's dispatcher."),
    ),
    Queue(
        "overdue",
        gettext_lazy("Overdue"),
        gettext_lazy("Dispatched or accepted cases past their response or resolution limit."),
    ),
    Queue(
        "due_soon",
        gettext_lazy("Due within 24 hours"),
        gettext_lazy("A response or resolution limit falls within the next 24 hours."),
    ),
    Queue(
        "whistles",
        gettext_lazy("Whistles for me"),
        gettext_lazy("Cases my unit was whistled to and has not yet reported for duty on."),
    ),
    Queue(
        "verify",
        gettext_lazy("To verify"),
        gettext_lazy("Resolved cases in my place waiting for on-site verification."),
    ),
    Queue(
        "mine",
        gettext_lazy("My units' open cases"),
        gettext_lazy("Open cases my units lead or were whistled to."),
    ),
)


def _due_order() -> Any:
    """The limit that comes first: response while dispatched, else resolution."""
    return DbCase(
        DbWhen(status=Status.DISPATCHED, then=Least("response_due", "resolve_due")),
        default=F("resolve_due"),
    )


def case_conditions(user: Any, now: datetime.datetime) -> dict[str, Q]:
    """The case queues the viewer has, each as a condition on the work list."""
    scope = scope_for(user)
    conditions: dict[str, Q] = {}
    if scope.everything:
        conditions["register"] = Q(status__in=TO_DISPATCH)
    elif scope.street_ids:
        conditions["register"] = Q(status__in=TO_DISPATCH, street__in=scope.street_ids)
    conditions["overdue"] = overdue_q(now)
    conditions["due_soon"] = due_soon_q(now)
    place = place_q(user)
    if place is None:
        conditions["verify"] = Q(status=Status.RESOLVED)
    elif scope.street_ids or scope.community_ids or scope.grid_ids:
        conditions["verify"] = Q(status=Status.RESOLVED) & place
    ids = unit_ids(user)
    if ids:
        conditions["mine"] = Q(status__in=OPEN_STATUSES) & involving(ids)
    return conditions


def summonses_for(user: Any) -> QuerySet[Summons]:
    """Whistles to my units awaiting my report for duty.

    Every such case is one I may see: ``Case.objects.visible_to`` shows a
    unit's people the cases it was whistled to.  (Checking it again here cost
    a "case IN (every visible case)" subquery, slow with 200,000 cases.)
    """
    return Summons.objects.filter(
        unit__in=unit_ids(user), reported_at__isnull=True, case__status__in=SUMMONS_OPEN
    )


def queue_counts(
    user: Any,
    now: datetime.datetime,
    cases: QuerySet[Case] | None = None,
    conditions: dict[str, Q] | None = None,
) -> dict[str, int]:
    """How many cases wait in each of the viewer's queues (the workbench tabs, the home page)."""
    cases = work_list(user) if cases is None else cases
    conditions = case_conditions(user, now) if conditions is None else conditions
    # Every queue holds open cases only: counting them reads the open cases (through
    # the status indexes), not the years of closed ones.
    counts: dict[str, int] = cases.filter(status__in=OPEN_STATUSES).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    counts["whistles"] = summonses_for(user).count()
    counts.setdefault("mine", 0)  # no unit yet: nothing dispatched to me so far
    return counts


QUEUE_ORDER = {
    "register": ("submitted_at", "pk"),
    "verify": ("resolved_at", "pk"),
    "mine": ("-submitted_at", "-pk"),
}


@case_worker_only
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = clock.now()
    cases = work_list(user)
    conditions = case_conditions(user, now)
    counts = queue_counts(user, now, cases, conditions)
    summonses = summonses_for(user)
    queues = [queue for queue in QUEUES if queue.key in counts]
    chosen = request.GET.get("queue", "")
    if chosen not in counts:
        chosen = next((q.key for q in queues if counts[q.key]), queues[0].key)
    if chosen == "whistles":
        rows: Any = summonses.select_related(
            "unit", "summoned_by", *(f"case__{name}" for name in ROW_RELATIONS)
        ).order_by("due_at", "pk")
    else:
        order = QUEUE_ORDER.get(chosen)
        condition = conditions.get(chosen)
        rows = cases.filter(condition) if condition is not None else cases.none()
        rows = rows.select_related(*ROW_RELATIONS)
        rows = rows.order_by(*order) if order else rows.order_by(_due_order(), "pk")
    page = CountedPaginator(rows, PAGE_SIZE, counts[chosen]).get_page(request.GET.get("page"))
    if chosen == "whistles":
        items = list(page.object_list)
        decorate([summons.case for summons in items], now)
        for summons in items:
            summons.overdue = summons.due_at < now
    else:
        items = decorate(page.object_list, now)
    tabs = [
        {
            "key": queue.key,
            "label": queue.label,
            "count": counts[queue.key],
            "active": queue.key == chosen,
            "url": f"{reverse('case-workbench')}?queue={queue.key}",
        }
        for queue in queues
    ]
    return render(
        request,
        "cases/staff/workbench.html",
        {
            "tabs": tabs,
            "queue": next(q for q in queues if q.key == chosen),
            "page": page,
            "items": items,
            "now": now,
            **staff_context(request.user, "workbench"),
        },
    )


# --------------------------------------------------------------------------- the ledger


def _ledger_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return (
        cases.select_related(*ROW_RELATIONS)
        .annotate(whistled=Exists(Summons.objects.filter(case=OuterRef("pk"))))
        .order_by("-submitted_at", "-pk")
    )


def _ledger_page(
    request: HttpRequest,
    cases: QuerySet[Case],
    form: CaseFilterForm,
    status: int = 200,
    export_refused: str = "",
) -> HttpResponse:
    now = clock.now()
    current = DeferredJoinPaginator(_ledger_rows(cases), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    limit = settings.GRIDGOV_WEB_EXPORT_MAX_ROWS
    # The page knows its count: past the limit, the exports are not offered (events
    # outnumber cases, so both would be refused).
    export_too_big = current.paginator.count > limit
    return render(
        request,
        "cases/staff/ledger.html",
        {
            "form": form,
            "page": current,
            "items": decorate(current.object_list, now),
            "query": query.urlencode(),
            "filtered": form.is_filtered(),
            "now": now,
            "export_refused": export_refused,
            "export_too_big": (
                _(
                    "More than %(limit)s cases: too many to export on the web. Narrow the "
                    "filters, or have the operator export them on the server with "
                    "gridgov export-ledger."
                )
                % {"limit": f"{limit:,}"}
                if export_too_big and not export_refused
                else ""
            ),
            **staff_context(request.user, "ledger"),
        },
        status=status,
    )


@case_worker_only
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    cases, form = filter_cases(
        Case.objects.visible_to(request.user), request.GET, user=request.user
    )
    return _ledger_page(request, cases, form, status=400 if form.errors else 200)


def _street_code(user: Any) -> str:
    """The code of the viewer's street when they work in one only (for the export command)."""
    scope = scope_for(user)
    ids = scope.street_ids | scope.public_street_ids
    if len(ids) != 1:
        return ""
    return Street.objects.filter(pk__in=ids).values_list("code", flat=True).first() or ""


def _export(
    request: HttpRequest,
    make: Callable[[QuerySet[Case]], IO[bytes]],
    name: str,
    *,
    events: bool = False,
) -> HttpResponseBase:
    cases, form = filter_cases(
        Case.objects.visible_to(request.user), request.GET, user=request.user
    )
    if form.errors:
        return _ledger_page(request, cases, form, status=400)
    # A request that writes 200,000 rows takes minutes and holds a server thread:
    # big exports are for the command line.
    limit = settings.GRIDGOV_WEB_EXPORT_MAX_ROWS
    rows = row_count(cases, events=events)
    if rows > limit:
        command = export_command(
            form.cleaned_data, events=events, street_code=_street_code(request.user)
        )
        message = _(
            "This export would have %(rows)s rows; a web export holds at most %(limit)s. "
            "Narrow the filters (a period, a status, a community), or have the operator "
            "run on the server: %(command)s"
        ) % {"rows": f"{rows:,}", "limit": f"{limit:,}", "command": command}
        return _ledger_page(request, cases, form, status=400, export_refused=message)
    filename = f"{name}-{timezone.localdate(clock.now()):%Y%m%d}.xlsx"
    return FileResponse(make(cases), as_attachment=True, filename=filename, content_type=XLSX)


@never_cache
@case_worker_only
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered cases, one row per case with its milestones (台账)."""
    return _export(request, export_cases, "诉求台账")


@never_cache
@case_worker_only
@require_GET
def ledger_events_export(request: HttpRequest) -> HttpResponseBase:
    """Every ledger event of the filtered cases, one row per event (办理记录)."""
    return _export(request, export_events, "办理记录", events=True)


# --------------------------------------------------------------------------- the case map


def _open_statuses() -> list[dict[str, Any]]:
    return [
        {"value": status.value, "label": str(status.label), "colour": STATUS_COLOURS[status]}
        for status in OPEN_STATUSES
    ]


@case_worker_only
@require_GET
def case_map(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    if form.is_bound:
        form.is_valid()
    return render(
        request,
        "cases/staff/map.html",
        {
            "form": form,
            "map_fields": [form[name] for name in MAP_FILTERS],
            "statuses": _open_statuses(),
            "query": request.GET.urlencode(),
            "map_labels": {
                "overdue": _("Overdue"),
                "due": _("Due"),
                "lead": _("Lead unit"),
                "open": _("Open the case"),
                "shown": _("%(shown)s of %(total)s open cases on the map"),
                "empty": _("No open cases with a location in your scope."),
                "error": _("The map data could not be loaded."),
            },
            **staff_context(request.user, "map"),
        },
    )


def _due_text(deadline: Deadline | None) -> str:
    if deadline is None:
        return ""
    return f"{deadline.label} {timezone.localtime(deadline.due):%Y-%m-%d %H:%M}"


@never_cache
@case_worker_only
@require_GET
def case_map_data(request: HttpRequest) -> JsonResponse:
    """Open cases with a location as GeoJSON points (newest first, at most MAP_LIMIT)."""
    now = clock.now()
    open_cases = Case.objects.visible_to(request.user).filter(
        status__in=OPEN_STATUSES, lat__isnull=False, lng__isnull=False
    )
    cases, form = filter_cases(open_cases, request.GET, user=request.user)
    if form.errors:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    newest = cases.order_by("-submitted_at", "-pk").values(
        "pk",
        "number",
        "status",
        "lat",
        "lng",
        "category__name",
        "lead_unit__name",
        "response_due",
        "resolve_due",
    )
    rows = list(newest[: MAP_LIMIT + 1])
    truncated = len(rows) > MAP_LIMIT
    total = cases.count() if truncated else len(rows)
    labels = {s.value: str(s.label) for s in Status}
    pattern = case_url_pattern()
    features = []
    for row in rows[:MAP_LIMIT]:
        deadline = deadline_for(row["status"], row["response_due"], row["resolve_due"], now)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lng"], row["lat"]]},
                "properties": {
                    "id": row["pk"],
                    "number": row["number"],
                    "status": row["status"],
                    "status_label": labels.get(row["status"], row["status"]),
                    "category": row["category__name"] or "",
                    "lead_unit": row["lead_unit__name"] or "",
                    "due": _due_text(deadline),
                    "overdue": bool(deadline and deadline.overdue),
                    "url": pattern.format(row["pk"]),
                },
            }
        )
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": total,
            "truncated": truncated,
        }
    )
