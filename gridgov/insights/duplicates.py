"""Duplicate search at intake: earlier open or recently closed cases of the same problem.

Reads, cell by cell through ``case_geo_cell_search_idx`` in one statement, the
newest recent cases within the search radius's box, as plain rows; compares their stored text
readings (``Case.text_reading``) with the new case's, with distance and time
(``algorithms.dedupe.same_problem``); loads only the best few as cases. An open
case is the same problem however old (within LOOKBACK); a closed one only if
it closed within the window (a problem back weeks after its repair is a new case).
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from gridgov.algorithms.dedupe import (
    RADIUS_M,
    READING_VERSION,
    WINDOW,
    cells_within,
    distance_m,
    features_of,
    reading,
    same_problem,
)
from gridgov.cases.models import Case
from gridgov.cases.workflow import Status

# How far back an open case is still looked for.
LOOKBACK = datetime.timedelta(days=90)
# Rows read at most, the newest first, within the radius's box: at a street's
# busiest spot a year holds a few hundred reports; a repeat of a live problem
# comes soon after the others.
READ_AT_MOST = 100
NOT_CANDIDATES = (Status.MERGED, Status.REJECTED)
# What the comparison reads of a candidate (plain rows: no model objects).
COLUMNS = (
    "id", "street_id", "status", "description", "lat", "lng", "submitted_at", "closed_at",
    "suggested_categories", "text_reading",
)  # fmt: skip
JSON_COLUMNS = ("suggested_categories", "text_reading")


def topics_of(case: Case) -> dict[str, float]:
    """The classifier's reading of the case at intake, as {code: probability}."""
    return _topics(case.suggested_categories)


def _topics(suggested: Any) -> dict[str, float]:
    return {
        str(item["category"]): float(item["score"])
        for item in suggested or []
        if isinstance(item, dict) and "category" in item and "score" in item
    }


@dataclass(frozen=True)
class Candidate:
    """An earlier case that may be the same problem, and how sure and how far."""

    case: Case
    score: float
    metres: float


def _nearby_sql(cells: int) -> str:
    """The newest READ_AT_MOST candidates of ``cells`` cells, in one statement.

    One subquery per cell, each walking the cell's index (geo_cell,
    submitted_at) backwards from the case's time and stopping at its limit: an
    IN over the cells would read and sort every row of the 90 days first.
    Plain SQL, built once per number of cells: compiling ORM queries would cost
    more than running them.
    """
    quote = connection.ops.quote_name
    table = quote(Case._meta.db_table)
    # The JSON columns as text: the driver would decode every row's, the caller
    # decodes those of the rows near enough to compare.
    columns = ", ".join(
        f"CAST({quote(name)} AS TEXT) AS {quote(name)}" if name in JSON_COLUMNS else quote(name)
        for name in COLUMNS
    )
    one_cell = (
        f"SELECT * FROM (SELECT {columns} FROM {table} "
        f"WHERE {quote('geo_cell')} = %s AND {quote('submitted_at')} >= %s "
        f"AND {quote('submitted_at')} <= %s AND {quote('lat')} BETWEEN %s AND %s "
        f"AND {quote('lng')} BETWEEN %s AND %s AND {quote('id')} <> %s "
        f"AND {quote('status')} NOT IN ({', '.join(['%s'] * len(NOT_CANDIDATES))}) "
        # A closed case only if it closed within the window: most cases of a busy
        # spot are long closed, and reading them would crowd out the live ones.
        f"AND ({quote('status')} <> %s OR {quote('closed_at')} IS NULL "
        f"OR {quote('closed_at')} >= %s) "
        f"ORDER BY {quote('submitted_at')} DESC LIMIT {READ_AT_MOST}) AS cell_{{n}}"
    )
    # Only the newest READ_AT_MOST of them all leave the database.
    cells_sql = " UNION ALL ".join(one_cell.format(n=n) for n in range(cells))
    return (
        f"SELECT * FROM ({cells_sql}) AS nearby "
        f"ORDER BY {quote('submitted_at')} DESC LIMIT {READ_AT_MOST}"
    )


def _nearby_rows(case: Case) -> list[tuple]:
    """The newest READ_AT_MOST rows (COLUMNS) in the radius's box around the case, newest first.

    submitted_at is a datetime; closed_at and the JSON columns are as the database gave them.
    """
    assert case.lat is not None and case.lng is not None
    at = case.submitted_at
    dlat = math.degrees(RADIUS_M / 6_371_000.0)
    dlng = dlat / max(math.cos(math.radians(case.lat)), 0.01)
    cells = cells_within(case.lat, case.lng)
    ops = connection.ops
    limits = [
        ops.adapt_datetimefield_value(at - LOOKBACK),
        ops.adapt_datetimefield_value(at),
        case.lat - dlat,
        case.lat + dlat,
        case.lng - dlng,
        case.lng + dlng,
        case.pk or 0,
        *NOT_CANDIDATES,
        Status.CLOSED,
        ops.adapt_datetimefield_value(at - WINDOW),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_nearby_sql(len(cells)), [v for cell in cells for v in (cell, *limits)])
        rows = cursor.fetchall()
    # The closing time and the JSON columns are decoded by the caller, for the rows
    # near enough to be compared (fewer than are read).
    return [(*row[:6], _moment(row[6]), *row[7:]) for row in rows]


def _moment(value: Any) -> datetime.datetime | None:
    """A datetime read by plain SQL: naive UTC (or its text) from SQLite, aware from PostgreSQL."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def duplicate_candidates(case: Case, user: Any = None, limit: int = 5) -> list[Candidate]:
    """The earlier cases most likely to be the same problem as ``case``, best first.

    ``user``: only cases that user may see (the dispatcher sees the street).
    """
    if case.lat is None or case.lng is None:
        return []
    at = case.submitted_at
    mine = features_of(case.description, case.text_reading, topics_of(case))
    scored: list[tuple[float, datetime.datetime, int, float]] = []
    for pk, street_id, status, text, lat, lng, submitted, closed, suggested, stored in _nearby_rows(
        case
    ):
        # Merging stays within a street; filtered here, not in SQL, so that the
        # query walks the cell index (SQLite would otherwise pick the street's).
        if street_id != case.street_id:
            continue
        metres = distance_m(case.lat, case.lng, lat, lng)
        if metres > RADIUS_M:
            continue  # the box's corners reach further than the radius
        # An open case is a live problem: no time gap. A closed one counts from its closing.
        closed = _moment(closed)
        gap = at - closed if closed and status == Status.CLOSED else datetime.timedelta(0)
        if gap > WINDOW:
            continue
        theirs = features_of(text, _json(stored), _topics(_json(suggested)))
        score = same_problem(mine, theirs, metres, gap)
        if score > 0:
            scored.append((score, submitted, pk, metres))
    scored.sort(key=lambda found: (-found[0], found[1]))
    if user is not None:
        # The rows were read for the street; keep those the user may see.
        seen = set(
            Case.objects.visible_to(user)
            .filter(pk__in=[pk for _, _, pk, _ in scored])
            .values_list("pk", flat=True)
        )
        scored = [found for found in scored if found[2] in seen]
    best = scored[:limit]
    cases = Case.objects.select_related("category").in_bulk([pk for _, _, pk, _ in best])
    return [
        Candidate(cases[pk], round(score, 3), round(metres))
        for score, _, pk, metres in best
        if pk in cases
    ]


def refresh_text_readings(batch: int = 500, now: datetime.datetime | None = None) -> int:
    """Read again the stored readings of a batch of searchable cases; how many were stale.

    After an upgrade that changes the lexicon (``READING_VERSION``), the readings
    stored with earlier cases are not trusted: the search reads their texts
    again on every comparison, which is right but slow. The worker calls this
    until it returns 0, so the cases the search can still find (submitted within
    LOOKBACK) carry readings of the current lexicon again. A derived column, like
    the KPI counts: no ledger row (the case itself has not changed).
    """
    since = (now or timezone.now()) - LOOKBACK
    stale = list(
        Case.objects.filter(submitted_at__gte=since)
        .exclude(text_reading__version=READING_VERSION)
        .only("pk", "description")[:batch]
    )
    for case in stale:
        case.text_reading = reading(case.description)
    with transaction.atomic():
        Case.objects.bulk_update(stale, ["text_reading"])
    return len(stale)
