"""What the dashboard (数据看板) shows, as tables: each chart draws one, each export writes one.

Everything comes from the KPI rollups except the overdue and escalated lists,
which read the open cases of the place (a few rows, by index).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Case, Channel, Unit, UnitKind
from gridgov.cases.workflow import OPEN_HANDLING
from gridgov.core import clock
from gridgov.core.scoping import scope_for
from gridgov.insights.figures import KpiPlace, in_place, kpi_figures, rollups_at
from gridgov.places.models import Community, Grid, Street

LIST_ROWS = 20


@dataclass
class Table:
    """A titled table: column headings and rows of plain values (the Excel sheet too)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def places_to_switch(user: Any) -> list[tuple[str, str]]:
    """(code, label) of every place the user may look at, the street first, indented below."""
    scope = scope_for(user)
    streets = Street.objects.filter(pk__in=scope.street_ids).order_by("code")
    communities = Community.objects.filter(street__in=streets) | Community.objects.filter(
        pk__in=scope.community_ids
    )
    grids = Grid.objects.defer("geometry", "layers").filter(
        community__in=communities
    ) | Grid.objects.defer("geometry", "layers").filter(pk__in=scope.grid_ids)
    places: list[tuple[str, str]] = []
    by_community: dict[int, list[Grid]] = defaultdict(list)
    for grid in grids.order_by("code"):
        by_community[grid.community_id].append(grid)
    for street in streets:
        places.append((street.code, street.name))
    for community in communities.distinct().order_by("code"):
        places.append((community.code, f"— {community.name}"))
        places.extend((g.code, f"—— {g.name}") for g in by_community.pop(community.pk, []))
    for rest in by_community.values():
        places.extend((g.code, g.name) for g in rest)
    return places


def daily_by_channel(place: KpiPlace, start: datetime.date, end: datetime.date) -> Table:
    """Cases first dispatched per day, by channel."""
    counts: dict[tuple[datetime.date, str], int] = {}
    summed = (
        rollups_at(place, "channel", start, end)
        .values("day", "key")
        .annotate(n=Sum("dispatched"))
        .order_by()
    )
    for row in summed:
        counts[(row["day"], row["key"])] = row["n"]
    channels = [(value, str(label)) for value, label in Channel.choices]
    table = Table(
        "daily",
        _("Cases per day by channel"),
        [_("Day"), *[label for _value, label in channels], _("Total")],
    )
    day = start
    while day < end:
        values = [counts.get((day, value), 0) for value, _label in channels]
        table.rows.append([day.isoformat(), *values, sum(values)])
        day += datetime.timedelta(days=1)
    return table


def _rate(figure: dict[str, Any]) -> str:
    value = figure["value"]
    return "—" if value is None else f"{value:.1%}"


RATE_COLUMNS = ("resolution_rate", "satisfaction_rate", "response_rate", "on_time_rate")


def _kpi_table(name: str, title: str, first: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(
        name,
        title,
        [
            first,
            _("Rank"),
            _("Dispatched"),
            _("Counted"),
            _("Closed"),
            _("Resolution rate"),
            _("Satisfaction rate"),
            _("Response rate"),
            _("On-time closure rate"),
            _("Rework rate"),
        ],
    )
    for row in rows:
        table.rows.append(
            [
                row["name"],
                row["rank"] or "",
                row["dispatched"],
                row["counted"],
                row["closed"],
                *[_rate(row[rate]) for rate in RATE_COLUMNS],
                _rate(row["rework_rate"]),
            ]
        )
    return table


def by_category(place: KpiPlace, start: datetime.date, end: datetime.date) -> Table:
    rows = kpi_figures(place, start, end, "category")["rows"]
    rows.sort(key=lambda r: (-r["dispatched"], r["key"]))
    return _kpi_table("category", _("Cases by category"), _("Category"), rows)


def grid_rows(place: KpiPlace, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """The figures by grid: the grid table and the map both draw these."""
    rows: list[dict[str, Any]] = kpi_figures(place, start, end, "grid")["rows"]
    return rows


def by_grid(rows: list[dict[str, Any]]) -> Table:
    return _kpi_table("grid", _("Grids: cases and rates"), _("Grid"), rows)


RED_BLACK_KINDS = {
    UnitKind.GRID: ("red_black_grids", _("Grids")),
    UnitKind.COMMUNITY: ("red_black_communities", _("Communities")),
    UnitKind.DEPARTMENT: ("red_black_departments", _("Street departments")),
}


def red_black(place: KpiPlace, start: datetime.date, end: datetime.date) -> list[Table]:
    """The red and black list (红黑榜) of grids, communities and departments as lead units."""
    rows = kpi_figures(place, start, end, "unit")["rows"]
    kinds = dict(
        Unit.objects.filter(pk__in=[int(r["key"]) for r in rows if r["key"].isdigit()]).values_list(
            "pk", "kind"
        )
    )
    tables = []
    for kind, (name, title) in RED_BLACK_KINDS.items():
        mine = [
            dict(r) for r in rows if kinds.get(int(r["key"]) if r["key"].isdigit() else 0) == kind
        ]
        ranked = [r for r in mine if r["rank"] is not None]
        for position, row in enumerate(ranked, start=1):
            row["rank"] = position  # the rank among units of this kind
        tables.append(_kpi_table(name, title, str(title), mine))
    return tables


def _open_cases(place: KpiPlace) -> Any:
    cases = in_place(Case.objects.filter(status__in=OPEN_HANDLING), place)
    return cases.select_related("category", "lead_unit")


def _case_table(name: str, title: str, cases: Any) -> Table:
    table = Table(
        name,
        title,
        [_("Number"), _("Category"), _("Lead unit"), _("Submitted"), _("Resolution due")],
    )
    for case in cases[:LIST_ROWS]:
        table.rows.append(
            [
                case.number,
                case.category.name if case.category else "",
                case.lead_unit.name if case.lead_unit else "",
                timezone.localtime(case.submitted_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(case.resolve_due).strftime("%Y-%m-%d %H:%M")
                if case.resolve_due
                else "",
            ]
        )
    return table


def overdue(place: KpiPlace) -> Table:
    cases = _open_cases(place).filter(resolve_due__lt=clock.now()).order_by("resolve_due")
    return _case_table("overdue", _("Overdue cases"), cases)


def escalated(place: KpiPlace) -> Table:
    cases = _open_cases(place).filter(escalation_count__gt=0).order_by("-escalated_at")
    return _case_table("escalated", _("Escalated cases"), cases)


def grids_in(place: KpiPlace) -> list[int]:
    """The ids of the place's grids (the map draws these)."""
    if place.grid is not None:
        return [place.grid.pk]
    grids = Grid.objects.filter(community__street_id=place.street.pk)
    if place.community is not None:
        grids = grids.filter(community_id=place.community.pk)
    return list(grids.values_list("id", flat=True))


def grid_shading(place: KpiPlace, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per grid id: open cases now and the period's resolution rate (the dashboard's map)."""
    open_now = dict(
        _open_cases(place)
        .filter(grid__isnull=False)
        .values_list("grid_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    rates = {int(r["key"]): r["resolution_rate"]["value"] for r in rows if r["key"].isdigit()}
    return {
        str(grid): {"open": open_now.get(grid, 0), "resolution": rates.get(grid)}
        for grid in set(open_now) | set(rates)
    }


def all_tables(
    place: KpiPlace, start: datetime.date, end: datetime.date, grids: list[dict[str, Any]]
) -> dict[str, Table]:
    """Every table of the dashboard; ``grids``: ``grid_rows`` of the same place and period."""
    tables = [
        daily_by_channel(place, start, end),
        by_category(place, start, end),
        by_grid(grids),
        *red_black(place, start, end),
        overdue(place),
        escalated(place),
    ]
    return {table.name: table for table in tables}


def table_named(
    place: KpiPlace, start: datetime.date, end: datetime.date, name: str
) -> Table | None:
    """One table (an Excel download) without building the others."""
    if name.startswith("red_black_"):
        return next((t for t in red_black(place, start, end) if t.name == name), None)
    builders = {
        "daily": lambda: daily_by_channel(place, start, end),
        "category": lambda: by_category(place, start, end),
        "grid": lambda: by_grid(grid_rows(place, start, end)),
        "overdue": lambda: overdue(place),
        "escalated": lambda: escalated(place),
    }
    build = builders.get(name)
    return build() if build is not None else None
