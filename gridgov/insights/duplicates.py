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
import functools
import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

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
from gridgov.cases.models import Case, Category
from gridgov.cases.workflow import Status
from gridgov.core.scoping import scope_for

# How far back an open case is still looked for.
LOOKBACK = datetime.timedelta(days=90)
# Rows read at most, the newest first, within the radius's box: at a street's
# busiest spot a year holds a few hundred reports; a repeat of a live problem
# comes soon after the others.
READ_AT_MOST = 100
NOT_CANDIDATES = (Status.MERGED, Status.REJECTED)
# What the search reads of a candidate: plain rows, no model objects. Times and
# JSON as text: PostgreSQL's driver decodes a timestamp in Python (~4 us) and
# JSON whole; the text is decoded only for the rows near enough to compare.
COLUMNS = (
    "id", "street_id", "status", "description", "lat", "lng", "number", "category_id",
)  # fmt: skip
TEXT_COLUMNS = ("submitted_at", "closed_at", "suggested_categories", "text_reading")
# What the page and the API show of a candidate's category.
CATEGORY_COLUMNS = ("code", "name")


class NearbyRow(NamedTuple):
    """A case read by the search (COLUMNS, TEXT_COLUMNS and its category's code and name)."""

    id: int
    street_id: int
    status: str
    description: str
    lat: float
    lng: float
    number: str
    category_id: int | None
    submitted_at: str | datetime.datetime
    closed_at: str | datetime.datetime | None
    suggested_categories: str | None
    text_reading: str | None
    category_code: str | None
    category_name: str | None


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
    """An earlier case that may be the same problem, and how sure and how far.

    ``case`` holds only what the page and the API show (number, status,
    description, submitted_at, category code and name); other fields load on use.
    """

    case: Case
    score: float
    metres: float


@functools.cache
def _nearby_sql(cells: int, vendor: str, at_most: int) -> str:
    """The newest ``at_most`` candidates of ``cells`` cells, in one statement.

    Each cell's newest cases come from walking its index (geo_cell,
    submitted_at) backwards from the case's time, stopping at the limit: an IN
    over the cells would read and sort every row of the 90 days first. Plain
    SQL, built once per number of cells: compiling ORM queries would cost more
    than running them.
    """
    quote = connection.ops.quote_name
    table = quote(Case._meta.db_table)
    columns = ", ".join(
        [quote(name) for name in (*COLUMNS, "submitted_at")]
        + [f"CAST({quote(name)} AS TEXT) AS {quote(name + '_text')}" for name in TEXT_COLUMNS]
    )
    newest_of_cell = (
        f"SELECT {columns} FROM {table} "
        f"WHERE {quote('geo_cell')} = {{cell}} AND {quote('submitted_at')} >= %s "
        f"AND {quote('submitted_at')} <= %s AND {quote('lat')} BETWEEN %s AND %s "
        f"AND {quote('lng')} BETWEEN %s AND %s AND {quote('id')} <> %s "
        f"AND {quote('status')} NOT IN ({', '.join(['%s'] * len(NOT_CANDIDATES))}) "
        # A closed case only if it closed within the window: most cases of a busy
        # spot are long closed, and reading them would crowd out the live ones.
        f"AND ({quote('status')} <> %s OR {quote('closed_at')} IS NULL "
        f"OR {quote('closed_at')} >= %s) "
        f"ORDER BY {quote('submitted_at')} DESC LIMIT {at_most}"
    )
    if vendor == "postgresql":
        # The cells as an array, the subquery run once per cell (LATERAL): planned
        # once, where a UNION of four copies took PostgreSQL ~1 ms to plan.
        cells_sql = (
            "SELECT nearby.* FROM unnest(%s::bigint[]) AS cell(number) "
            f"CROSS JOIN LATERAL ({newest_of_cell.format(cell='cell.number')}) AS nearby"
        )
    else:
        cells_sql = " UNION ALL ".join(
            f"SELECT * FROM ({newest_of_cell.format(cell='%s')}) AS cell_{n}" for n in range(cells)
        )
    category_table = quote(Category._meta.db_table)
    selected = ", ".join(
        [f"nearby_cells.{quote(name)}" for name in COLUMNS]
        + [f"nearby_cells.{quote(name + '_text')}" for name in TEXT_COLUMNS]
        + [f"category.{quote(name)}" for name in CATEGORY_COLUMNS]
    )
    # Only the newest at_most of them all leave the database, with what the
    # page shows of the case, so the best few need no query of their own.
    return (
        f"SELECT {selected} FROM ({cells_sql}) AS nearby_cells "
        f"LEFT JOIN {category_table} AS category "
        f"ON category.{quote('id')} = nearby_cells.{quote('category_id')} "
        f"ORDER BY nearby_cells.{quote('submitted_at')} DESC LIMIT {at_most}"
    )


def _nearby_rows(case: Case) -> list[NearbyRow]:
    """The newest READ_AT_MOST cases in the radius's box around the case, newest first.

    The time and JSON columns are text (or what SQLite keeps), decoded by the caller.
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
    if connection.vendor == "postgresql":
        params = [cells, *limits]
    else:
        params = [v for cell in cells for v in (cell, *limits)]
    with connection.cursor() as cursor:
        cursor.execute(_nearby_sql(len(cells), connection.vendor, READ_AT_MOST), params)
        return [NearbyRow._make(row) for row in cursor.fetchall()]


def _moment(value: Any) -> datetime.datetime | None:
    """A time read as text: naive UTC from SQLite, with its offset from PostgreSQL."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _shown_case(row: NearbyRow) -> Case:
    """The case of a row, with the fields the page and the API show (others load on use)."""
    found = _from_columns(
        Case,
        id=row.id,
        number=row.number,
        status=row.status,
        description=row.description,
        submitted_at=_moment(row.submitted_at),
        category_id=row.category_id,
    )
    if row.category_id is not None:
        found.category = _from_columns(
            Category, id=row.category_id, code=row.category_code, name=row.category_name
        )
    return found


def _from_columns(model: Any, **values: Any) -> Any:
    """A model instance from some of its columns, as a query with ``only()`` builds it."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    # from_db takes the values in the model's field order.
    return model.from_db(connection.alias, names, [values[name] for name in names])


def duplicate_candidates(case: Case, user: Any = None, limit: int = 5) -> list[Candidate]:
    """The earlier cases most likely to be the same problem as ``case``, best first.

    ``user``: only cases that user may see (the dispatcher sees the street).
    """
    if case.lat is None or case.lng is None:
        return []
    at = case.submitted_at
    mine = features_of(case.description, case.text_reading, topics_of(case))
    # (score, age rank, row, metres): rows come newest first, so a higher rank is an
    # earlier case, and a tie goes to it.
    scored: list[tuple[float, int, NearbyRow, float]] = []
    for age_rank, row in enumerate(_nearby_rows(case)):
        # Merging stays within a street; filtered here, not in SQL, so that the
        # query walks the cell index (SQLite would otherwise pick the street's).
        if row.street_id != case.street_id:
            continue
        metres = distance_m(case.lat, case.lng, row.lat, row.lng)
        if metres > RADIUS_M:
            continue  # the box's corners reach further than the radius
        # An open case is a live problem: no time gap. A closed one counts from its closing.
        closed = _moment(row.closed_at) if row.status == Status.CLOSED else None
        gap = at - closed if closed else datetime.timedelta(0)
        if gap > WINDOW:
            continue
        theirs = features_of(
            row.description, _json(row.text_reading), _topics(_json(row.suggested_categories))
        )
        score = same_problem(mine, theirs, metres, gap)
        if score > 0:
            scored.append((score, age_rank, row, metres))
    scored.sort(key=lambda found: (-found[0], -found[1]))
    # A street admin (the dispatcher) sees every case of the street the rows were read for.
    if user is not None and not scope_for(user).covers_street(case.street_id):
        # The rows were read for the street; keep those the user may see.
        seen = set(
            Case.objects.visible_to(user)
            .filter(pk__in=[row.id for _, _, row, _ in scored])
            .values_list("pk", flat=True)
        )
        scored = [found for found in scored if found[2].id in seen]
    return [
        Candidate(_shown_case(row), round(score, 3), round(metres))
        for score, _, row, metres in scored[:limit]
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
