"""KPI figures for people: a place in the caller's scope, named groups, the red and black list.

Used by ``GET /api/v1/kpis`` (and the dashboards and the weekly report that
build on it). A place is a street, community or grid, named by its code; the
caller must be staff of it or of a place above it (street admin, community
admin, grid worker, branch secretary), otherwise it does not exist for them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Case, Category, Channel, Unit
from gridgov.core import clock
from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_for
from gridgov.insights.kpis import kpi_rows, rollup_rows, totals, with_rates
from gridgov.insights.models import KpiRollup
from gridgov.places.models import Community, Grid, Street

BY = ("unit", "category", "grid", "channel")
# A unit or place with fewer counted cases is listed but not ranked (docs/kpis.md).
RANK_FROM = 5
LONGEST_PERIOD = datetime.timedelta(days=3 * 366)


@dataclass(frozen=True)
class KpiPlace:
    kind: str  # street | community | grid
    street: Street
    community: Community | None = None
    grid: Grid | None = None

    @property
    def name(self) -> str:
        return (self.grid or self.community or self.street).name

    @property
    def code(self) -> str:
        return (self.grid or self.community or self.street).code


class NotFound(Exception):
    """The place does not exist, or not for this caller."""


def _error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


def rollups_at(
    place: KpiPlace, dimension: str, start: datetime.date, end: datetime.date
) -> QuerySet[KpiRollup]:
    return rollup_rows(
        place.street.pk,
        place.community.pk if place.community else None,
        place.grid.pk if place.grid else None,
        dimension,
        start,
        end,
    )


def in_place(rows: QuerySet[Any], place: KpiPlace, prefix: str = "") -> QuerySet[Any]:
    """``rows`` (cases, or rows reaching cases through ``prefix``) at the place."""
    rows = rows.filter(**{f"{prefix}street_id": place.street.pk})
    if place.community is not None:
        rows = rows.filter(**{f"{prefix}community_id": place.community.pk})
    if place.grid is not None:
        rows = rows.filter(**{f"{prefix}grid_id": place.grid.pk})
    return rows


def has_kpi_place(user: Any) -> bool:
    """Is the user staff of some street, community or grid (who may see its figures)?"""
    scope = scope_for(user)
    return scope.everything or bool(scope.street_ids or scope.community_ids or scope.grid_ids)


def place_for(user: Any, code: str | None) -> KpiPlace:
    """The place ``code`` names, if ``user`` is staff there; by default the user's own."""
    scope = scope_for(user)
    if not code:
        if scope.everything:
            first = Street.objects.order_by("code").first()
            if first is None:
                raise NotFound
            return KpiPlace("street", first)
        if scope.street_ids:
            code = Street.objects.filter(pk__in=scope.street_ids).order_by("code")[0].code
        elif scope.community_ids:
            code = Community.objects.filter(pk__in=scope.community_ids).order_by("code")[0].code
        elif scope.grid_ids:
            code = Grid.objects.filter(pk__in=scope.grid_ids).order_by("code")[0].code
        else:
            raise NotFound
    street = Street.objects.filter(code=code).first()
    if street is not None:
        if scope.everything or street.pk in scope.street_ids:
            return KpiPlace("street", street)
        raise NotFound
    community = Community.objects.select_related("street").filter(code=code).first()
    if community is not None:
        if (
            scope.everything
            or community.street_id in scope.street_ids
            or community.pk in scope.community_ids
        ):
            return KpiPlace("community", community.street, community)
        raise NotFound
    grid = (
        Grid.objects.select_related("community__street")
        .defer("geometry", "layers")
        .filter(code=code)
        .first()
    )
    if grid is not None and (
        scope.everything
        or grid.community.street_id in scope.street_ids
        or grid.community_id in scope.community_ids
        or grid.pk in scope.grid_ids
    ):
        return KpiPlace("grid", grid.community.street, grid.community, grid)
    raise NotFound


def period(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    """[start, end): by default this month up to and including today."""

    today = timezone.localdate(clock.now())
    start = start or today.replace(day=1)
    end = end or today + datetime.timedelta(days=1)
    if start >= end:
        raise _error("to", _("The end of the period must come after its start."))
    if end - start > LONGEST_PERIOD:
        raise _error("from", _("Ask for three years at most."))
    return start, end


def _names(by: str, keys: list[str]) -> dict[str, str]:
    if by == "unit":
        ids = [int(k) for k in keys if k.isdigit()]
        return {
            str(pk): name for pk, name in Unit.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    if by == "category":
        return dict(Category.objects.filter(code__in=keys).values_list("code", "name"))
    if by == "grid":
        ids = [int(k) for k in keys if k.isdigit()]
        names = dict(Grid.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {str(pk): name for pk, name in names.items()}
    return {value: str(label) for value, label in Channel.choices}


def _rank(rows: list[dict[str, Any]]) -> None:
    """The red and black list (红黑榜): resolution, satisfaction, response; more cases first."""

    def value(row: dict[str, Any], rate: str) -> float:
        figure = row[rate]["value"]
        return -1.0 if figure is None else figure

    ranked = sorted(
        (row for row in rows if row["counted"] >= RANK_FROM),
        key=lambda r: (
            -value(r, "resolution_rate"),
            -value(r, "satisfaction_rate"),
            -value(r, "response_rate"),
            -r["counted"],
            r["key"],
        ),
    )
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    for row in rows:
        row.setdefault("rank", None)
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["counted"], r["key"]))


def kpi_figures(
    place: KpiPlace, start: datetime.date, end: datetime.date, by: str
) -> dict[str, Any]:
    """Counts and rates per group and in total, ranked; from the rollups only."""
    if by not in BY:
        raise _error("by", _("Choose one of: %s.") % ", ".join(BY))
    groups = kpi_rows(
        street_id=place.street.pk,
        community_id=place.community.pk if place.community else None,
        grid_id=place.grid.pk if place.grid else None,
        start=start,
        end=end,
        by=by,
    )
    names = _names(by, list(groups))
    rows = [
        {"key": key, "name": names.get(key) or key or "—", **with_rates(counts)}
        for key, counts in groups.items()
    ]
    _rank(rows)
    pending = Case.objects.filter(kpis_pending=True, street_id=place.street.pk).count()
    return {
        "place": {"kind": place.kind, "code": place.code, "name": place.name},
        "from": start,
        "to": end,
        "by": by,
        "pending": pending,
        "total": with_rates(totals(groups.values())),
        "rows": rows,
    }
