"""Duplicate search at intake: earlier open or recently closed cases of the same problem.

Reads the nine spatial cells around the case through ``case_geo_cell_idx``
(recent cases only), then compares texts, distance and time with
``algorithms.dedupe.same_problem``. An open case is the same problem however
old; a closed one only if it closed within the window (a problem back weeks
after its repair is a new case).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from gridgov.algorithms.dedupe import (
    RADIUS_M,
    WINDOW,
    cells_around,
    distance_m,
    features,
    same_problem,
)
from gridgov.cases.models import Case
from gridgov.cases.workflow import Status

# How far back an open case is still looked for.
LOOKBACK = datetime.timedelta(days=90)
# Rows read at most (the newest first): a busy crossing has a few dozen.
READ_AT_MOST = 200
NOT_CANDIDATES = (Status.MERGED, Status.REJECTED)


def topics_of(case: Case) -> dict[str, float]:
    """The classifier's reading of the case at intake, as {code: probability}."""
    return {
        str(item["category"]): float(item["score"])
        for item in case.suggested_categories or []
        if isinstance(item, dict) and "category" in item and "score" in item
    }


@dataclass(frozen=True)
class Candidate:
    """An earlier case that may be the same problem, and how sure and how far."""

    case: Case
    score: float
    metres: float


def duplicate_candidates(case: Case, user: Any = None, limit: int = 5) -> list[Candidate]:
    """The earlier cases most likely to be the same problem as ``case``, best first.

    ``user``: only cases that user may see (the dispatcher sees the street).
    """
    if case.lat is None or case.lng is None:
        return []
    at = case.submitted_at
    rows = Case.objects.all() if user is None else Case.objects.visible_to(user)
    rows = (
        rows.filter(
            geo_cell__in=cells_around(case.lat, case.lng),
            submitted_at__gte=at - LOOKBACK,
            submitted_at__lte=at,
        )
        .exclude(pk=case.pk)
        .exclude(status__in=NOT_CANDIDATES)
        .select_related("category")
        .only(
            "id",
            "street_id",
            "number",
            "status",
            "description",
            "lat",
            "lng",
            "submitted_at",
            "closed_at",
            "category__name",
            "category__code",
            "suggested_categories",
        )
        .order_by("-submitted_at")[:READ_AT_MOST]
    )
    mine = features(case.description, topics_of(case))
    found = []
    for other in rows:
        # Merging stays within a street; filtered here, not in SQL, so that the
        # query walks the cell index (SQLite would otherwise pick the street's).
        if other.street_id != case.street_id or other.lat is None or other.lng is None:
            continue
        metres = distance_m(case.lat, case.lng, other.lat, other.lng)
        if metres > RADIUS_M:
            continue  # the nine cells reach further than the radius
        # An open case is a live problem: no time gap. A closed one counts from its closing.
        gap = (
            at - other.closed_at
            if other.closed_at and other.status == Status.CLOSED
            else datetime.timedelta(0)
        )
        if gap > WINDOW:
            continue
        score = same_problem(mine, features(other.description, topics_of(other)), metres, gap)
        if score > 0:
            found.append(Candidate(other, round(score, 3), round(metres)))
    found.sort(key=lambda c: (-c.score, c.case.submitted_at))
    return found[:limit]
