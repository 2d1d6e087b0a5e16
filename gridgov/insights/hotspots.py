"""Hot spots of a place (未诉先办): clusters of recent cases, and categories rising year on year."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from gridgov.algorithms.hotspots import Cluster, Report, Rising, clusters, rising
from gridgov.cases.models import Case, Category
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.insights.figures import KpiPlace, in_place, rollups_at

# Cases of the last DAYS days make the clusters: at least MIN_CASES of one
# category, each within RADIUS_M of another. The page lists the biggest SHOWN.
DAYS = 60
RADIUS_M = 100.0
MIN_CASES = 4
SHOWN = 20


@dataclass
class HotSpot:
    """A cluster with what a person needs to judge it."""

    cluster: Cluster
    category: Category
    community_id: int | None
    numbers: list[str]

    @property
    def key(self) -> str:
        """Stable while the hot spot stands: its category and its first case."""
        return f"{self.cluster.label}:{self.cluster.reports[0].id}"


def hot_spots(place: KpiPlace, now: datetime.datetime | None = None) -> list[HotSpot]:
    now = now or clock.now()
    rows = list(
        in_place(Case.objects.exclude(status=Status.REJECTED), place)
        .filter(
            submitted_at__gte=now - datetime.timedelta(days=DAYS),
            lat__isnull=False,
            category__isnull=False,
        )
        .values_list("id", "lat", "lng", "submitted_at", "category__code", "community_id", "number")
    )
    reports = [Report(pk, lat, lng, at, code) for pk, lat, lng, at, code, _c, _n in rows]
    community = {pk: c for pk, *_rest, c, _n in rows}
    number = {pk: n for pk, *_rest, n in rows}
    categories = {c.code: c for c in Category.objects.all()}
    spots = []
    for cluster in clusters(reports, radius_m=RADIUS_M, min_size=MIN_CASES)[:SHOWN]:
        communities = Counter(community[r.id] for r in cluster.reports)
        spots.append(
            HotSpot(
                cluster,
                categories[cluster.label],
                communities.most_common(1)[0][0],
                [number[r.id] for r in cluster.reports],
            )
        )
    return spots


def rising_categories(place: KpiPlace, today: datetime.date | None = None) -> list[Rising]:
    """This month so far against the same days of the same month last year."""
    today = today or timezone.localdate(clock.now())
    start = today.replace(day=1)
    end = today + datetime.timedelta(days=1)
    try:
        before_start, before_end = (
            start.replace(year=start.year - 1),
            end.replace(year=end.year - 1),
        )
    except ValueError:  # 29 February
        before_start = start.replace(year=start.year - 1)
        before_end = (end - datetime.timedelta(days=1)).replace(year=end.year - 1)

    def counts(first: datetime.date, last: datetime.date) -> dict[str, int]:
        summed = (
            rollups_at(place, "category", first, last)
            .values("key")
            .annotate(n=Sum("dispatched"))
            .order_by()
        )
        return {row["key"]: row["n"] for row in summed}

    return rising(counts(start, end), counts(before_start, before_end))
