"""The weekly dispatch-meeting report (调度会周报) of a street or community.

``build_report`` gathers the week's figures into plain data (JSON-ready): the
worker stores it every Monday morning as a ``WeeklyReport`` snapshot, so the
figures the meeting discussed never move; the page, the Excel workbook and
the PDF are drawn from that data.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import clock
from gridgov.insights.figures import KpiPlace, in_place, kpi_figures
from gridgov.insights.hotspots import hot_spots

# Open longer than this is "long-running" (长期未结).
LONG_RUNNING_DAYS = 30
HARD_CASES = 10
TOP = 5
# The rankings look at the four weeks that end with the report's week.
RANKING_WEEKS = 4
OPEN = (Status.SUBMITTED, Status.REGISTERED, *OPEN_HANDLING, Status.RESOLVED, Status.RETURNED)


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def last_week() -> datetime.date:
    return week_of(timezone.localdate(clock.now())) - datetime.timedelta(days=7)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _rate(figure: dict[str, Any]) -> str:
    return "—" if figure["value"] is None else f"{figure['value']:.1%}"


def _timeline(case: Case) -> list[list[str]]:
    from gridgov.cases.notify import ACTION_LABELS

    return [
        [
            timezone.localtime(event.created_at).strftime("%m-%d %H:%M"),
            str(ACTION_LABELS.get(event.action, event.action)),
            event.unit.name if event.unit else "",
            (event.note or "")[:60],
        ]
        for event in case.events.all()  # prefetched in order, with their units
    ]


def build_report(place: KpiPlace, week: datetime.date) -> dict[str, Any]:
    """The figures of ``place`` for the week starting on Monday ``week``, as plain data."""
    week = week_of(week)
    start, end = _aware(week), _aware(week + datetime.timedelta(days=7))
    now = min(clock.now(), end)
    cases = in_place(Case.objects.all(), place)
    events = in_place(
        CaseEvent.objects.filter(created_at__gte=start, created_at__lt=end), place, "case__"
    )
    acted = Counter(dict(events.values_list("action").annotate(n=Count("id")).order_by()))
    open_now = cases.filter(status__in=OPEN, submitted_at__lt=end)
    long_since = end - datetime.timedelta(days=LONG_RUNNING_DAYS)
    counts = {
        "new": cases.filter(submitted_at__gte=start, submitted_at__lt=end).count(),
        "closed": cases.filter(
            status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end
        ).count(),
        "open": open_now.count(),
        "overdue": open_now.filter(resolve_due__lt=now).count(),
        "whistled": acted["whistle"],
        "escalated": acted["escalate"],
        "reopened": acted["reopen"],
        "long_running": open_now.filter(submitted_at__lt=long_since).count(),
    }
    hard = (
        open_now.filter(resolve_due__lt=now)
        | open_now.filter(escalation_count__gt=0)
        | open_now.filter(reopen_count__gt=0)
        | open_now.filter(submitted_at__lt=long_since)
    )
    hard_cases = [
        {
            "number": case.number,
            "category": case.category.name if case.category else "",
            "lead": case.lead_unit.name if case.lead_unit else "",
            "status": str(Status(case.status).label),
            "submitted": timezone.localtime(case.submitted_at).strftime("%Y-%m-%d"),
            "due": timezone.localtime(case.resolve_due).strftime("%Y-%m-%d")
            if case.resolve_due
            else "",
            "description": case.description[:120],
            "timeline": _timeline(case),
        }
        for case in hard.distinct()
        .select_related("category", "lead_unit")
        .prefetch_related(
            Prefetch("events", CaseEvent.objects.select_related("unit").order_by("sequence"))
        )
        .order_by("resolve_due", "submitted_at")[:HARD_CASES]
    ]
    categories = (
        cases.filter(submitted_at__gte=start, submitted_at__lt=end, category__isnull=False)
        .values_list("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:TOP]
    )
    spots = [
        {
            "category": spot.category.name,
            "count": len(spot.cluster.reports),
            "first": timezone.localtime(spot.cluster.first).strftime("%Y-%m-%d"),
            "last": timezone.localtime(spot.cluster.last).strftime("%Y-%m-%d"),
            "numbers": spot.numbers[:6],
        }
        for spot in hot_spots(place, now)[:TOP]
    ]
    ranking_start = week + datetime.timedelta(days=7 - 7 * RANKING_WEEKS)
    figures = kpi_figures(place, ranking_start, week + datetime.timedelta(days=7), "unit")
    rankings = [
        [
            row["rank"] or "",
            row["name"],
            row["counted"],
            _rate(row["resolution_rate"]),
            _rate(row["satisfaction_rate"]),
            _rate(row["response_rate"]),
        ]
        for row in figures["rows"]
    ]
    total = figures["total"]
    return {
        "place": {"kind": place.kind, "code": place.code, "name": place.name},
        "week": week.isoformat(),
        "week_end": (week + datetime.timedelta(days=6)).isoformat(),
        "ranking_from": ranking_start.isoformat(),
        "made_at": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M"),
        "counts": counts,
        "rates": {
            name: _rate(total[name])
            for name in ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")
        },
        "hard_cases": hard_cases,
        "top_categories": [[name, n] for name, n in categories],
        "hot_spots": spots,
        "rankings": rankings,
    }


def count_labels() -> list[tuple[str, str]]:
    return [
        ("new", _("New cases")),
        ("closed", _("Closed this week")),
        ("open", _("Still open")),
        ("overdue", _("Overdue")),
        ("whistled", _("Whistles blown")),
        ("escalated", _("Escalations")),
        ("reopened", _("Reopened")),
        ("long_running", _("Open over 30 days")),
    ]


def rate_labels() -> list[tuple[str, str]]:
    return [
        ("response_rate", _("Response rate")),
        ("resolution_rate", _("Resolution rate")),
        ("on_time_rate", _("On-time closure rate")),
        ("satisfaction_rate", _("Satisfaction rate")),
    ]


def ranking_columns() -> list[str]:
    return [
        _("Rank"),
        _("Unit"),
        _("Counted"),
        _("Resolution rate"),
        _("Satisfaction rate"),
        _("Response rate"),
    ]
