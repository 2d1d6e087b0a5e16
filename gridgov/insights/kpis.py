"""Case KPIs (三率 and the rest, docs/kpis.md): each case's counts, the rollups, the figures.

Every workflow step marks its case ``kpis_pending``; the worker
(``refresh_kpis``) replays the ledger of those cases, works out what each now
adds to the counts (``case_counts``), and moves the difference into
``KpiRollup`` rows. Figures for a place and a period (``kpi_figures``) sum
rollup rows, never cases. ``recount_from_ledger`` in the tests computes the
same figures straight from the ledger and must agree exactly.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from gridgov.cases.models import Case, CaseEvent, Category, Rating
from gridgov.cases.workflow import Status
from gridgov.insights.models import (
    MEASURES,
    Dimension,
    KpiCaseState,
    KpiMonthRollup,
    KpiRollup,
    RollupCounters,
)

LEFT_OUT = (Status.SUSPENDED, Status.MERGED)
SATISFIED = (Rating.SATISFIED, Rating.BASICALLY)
# Counted only for cases still in the denominators (C = D - S).
COUNTED_ONLY = ("responded", "closed", "closed_on_time", "extended")
BATCH = 1000
# What the counts read of a case (and its category's code).
CASE_FIELDS = (
    "status", "resolve_due", "street_id", "community_id", "grid_id", "lead_unit_id",
    "channel", "category__code",
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    """Where a case counts: its street, community and grid (0 when none)."""

    day: datetime.date
    street_id: int
    community_id: int
    grid_id: int


@dataclass
class CaseCounts:
    """What one case adds: its place and day, its three dimension keys, its 0/1 measures."""

    place: Place
    keys: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)

    def rollup_keys(self) -> list[tuple[Place, str, str]]:
        return [(self.place, dimension, key) for dimension, key in self.keys.items()]


class Event(NamedTuple):
    """The few fields of a ledger event the counts need (read as tuples: no model objects)."""

    action: str
    created_at: datetime.datetime
    data: dict[str, Any]


def case_counts(
    case: Case, events: Sequence[Event], response_hours: dict[int, int]
) -> CaseCounts | None:
    """What ``case`` adds to the KPIs now, from its ledger; None when never dispatched.

    ``events`` in ledger order; ``response_hours``: category id -> response limit.
    """
    dispatch = next((e for e in events if e.action == "dispatch"), None)
    if dispatch is None:
        return None
    actions = Counter(e.action for e in events)
    hours = response_hours.get(case.category_id or 0)
    response_due = dispatch.created_at + datetime.timedelta(hours=hours or 0)
    responded = hours is not None and any(
        e.action == "accept" and e.created_at <= response_due for e in events
    )
    closing = next((e for e in reversed(events) if e.action == "verify"), None)
    closed = case.status == Status.CLOSED
    ratings = [e.data.get("rating") for e in events if e.action == "rate"]
    counts = {
        "dispatched": 1,
        "left_out": int(case.status in LEFT_OUT),
        "responded": int(responded),
        "closed": int(closed),
        "closed_on_time": int(
            closed
            and closing is not None
            and case.resolve_due is not None
            and closing.created_at <= case.resolve_due
        ),
        "rated": int(bool(ratings)),
        "satisfied": int(bool(ratings) and ratings[-1] in SATISFIED),
        "verified": int(bool(actions["verify"] or actions["rework"])),
        "reworked": int(bool(actions["rework"])),
        "extended": int(
            any(e.action == "decide_extension" and e.data.get("approved") for e in events)
        ),
        "escalated": int(bool(actions["escalate"])),
        "whistled": int(bool(actions["whistle"])),
        "reopened": int(bool(actions["reopen"])),
        "returned": int(bool(actions["return"])),
    }
    if counts["left_out"]:
        for name in COUNTED_ONLY:
            counts[name] = 0
    place = Place(
        day=timezone.localdate(dispatch.created_at),
        street_id=case.street_id,
        community_id=case.community_id or 0,
        grid_id=case.grid_id or 0,
    )
    keys: dict[str, str] = {
        Dimension.UNIT: str(case.lead_unit_id or 0),
        Dimension.CATEGORY: case.category.code if case.category else "",
        Dimension.CHANNEL: case.channel,
    }
    return CaseCounts(place, keys, counts)


def _state_counts(state: KpiCaseState) -> CaseCounts:
    place = Place(state.day, state.street_id, state.community_id, state.grid_id)
    keys: dict[str, str] = {
        Dimension.UNIT: state.unit_key,
        Dimension.CATEGORY: state.category_key,
        Dimension.CHANNEL: state.channel,
    }
    counts = {name: (state.measures >> bit) & 1 for bit, name in enumerate(MEASURES)}
    return CaseCounts(place, keys, counts)


def _state_of(case_id: int, counts: CaseCounts) -> KpiCaseState:
    return KpiCaseState(
        case_id=case_id,
        day=counts.place.day,
        street_id=counts.place.street_id,
        community_id=counts.place.community_id,
        grid_id=counts.place.grid_id,
        unit_key=counts.keys[Dimension.UNIT],
        category_key=counts.keys[Dimension.CATEGORY],
        channel=counts.keys[Dimension.CHANNEL],
        measures=sum(counts.counts[name] << bit for bit, name in enumerate(MEASURES)),
    )


def _apply(deltas: dict[tuple[Place, str, str], Counter[str]]) -> None:
    """Add ``deltas`` to the daily rollup rows and to their months' rows."""
    deltas = {key: delta for key, delta in deltas.items() if any(delta.values())}
    if not deltas:
        return
    _add(KpiRollup, "day", deltas)
    months: dict[tuple[Place, str, str], Counter[str]] = defaultdict(Counter)
    for (place, dimension, key), delta in deltas.items():
        months[(replace(place, day=place.day.replace(day=1)), dimension, key)].update(delta)
    _add(KpiMonthRollup, "month", months)


def _add(
    model: type[RollupCounters], date_field: str, deltas: dict[tuple[Place, str, str], Counter[str]]
) -> None:
    """Add ``deltas`` to ``model``'s rows, creating the missing ones, in two statements.

    ``Place.day`` of a key is the row's ``date_field`` (its day, or its month's
    first day). The database does the adding (two workers adding to one row
    both count) and nothing is read first; the ORM's bulk calls cost ten times
    as much. A delta that takes something away has a row to take it from:
    a plain UPDATE. The others are ``INSERT … ON CONFLICT DO UPDATE`` (SQLite
    and PostgreSQL alike), which checks the counters of the proposed new row,
    so cannot carry a negative one.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = ["street_id", "dimension", date_field, "community_id", "grid_id", "key"]
    columns = ", ".join(quote(name) for name in keys + list(MEASURES))
    values = ", ".join(["%s"] * (len(keys) + len(MEASURES)))
    added = ", ".join(f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in MEASURES)
    upsert = (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "
        f"ON CONFLICT ({', '.join(quote(name) for name in keys)}) DO UPDATE SET {added}"
    )
    update = (
        f"UPDATE {table} SET {', '.join(f'{quote(m)} = {quote(m)} + %s' for m in MEASURES)} "
        f"WHERE {' AND '.join(f'{quote(name)} = %s' for name in keys)}"
    )
    growing, shrinking = [], []
    for (place, dimension, key), delta in deltas.items():
        row_key = (
            place.street_id,
            dimension,
            connection.ops.adapt_datefield_value(place.day),
            place.community_id,
            place.grid_id,
            key,
        )
        counts = tuple(delta[name] for name in MEASURES)
        if min(counts) < 0:
            shrinking.append(counts + row_key)
        else:
            growing.append(row_key + counts)
    with connection.cursor() as cursor:
        if shrinking:
            cursor.executemany(update, shrinking)
        if growing:
            cursor.executemany(upsert, growing)


def refresh_kpis(batch: int = BATCH) -> int:
    """The worker's step: move the KPI counts of every case marked ``kpis_pending``.

    Batches of ``batch`` cases, each in one transaction with the cases locked
    (``SKIP LOCKED`` on PostgreSQL: a case being changed is left for the next
    pass, still marked). Returns how many cases were refreshed.
    """
    response_hours = dict(Category.objects.values_list("id", "response_hours"))
    done = 0
    last = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("category")
                .only(*CASE_FIELDS)
                .filter(kpis_pending=True, pk__gt=last)
                .order_by("pk")[:batch]
            )
            if not cases:
                return done
            last = cases[-1].pk
            _refresh(cases, response_hours)
            done += len(cases)


def _refresh(cases: list[Case], response_hours: dict[int, int]) -> None:
    ids = [case.pk for case in cases]
    events: dict[int, list[Event]] = defaultdict(list)
    rows = (
        CaseEvent.objects.filter(case_id__in=ids)
        .order_by("case_id", "sequence")
        .values_list("case_id", "action", "created_at", "data")
    )
    for case_id, action, created_at, data in rows:
        events[case_id].append(Event(action, created_at, data))
    old = {state.case_id: state for state in KpiCaseState.objects.filter(case_id__in=ids)}
    deltas: dict[tuple[Place, str, str], Counter[str]] = defaultdict(Counter)
    keep, drop = [], []
    for case in cases:
        before = old.get(case.pk)
        after = case_counts(case, events[case.pk], response_hours)
        if before is not None:
            was = _state_counts(before)
            for key in was.rollup_keys():
                deltas[key].subtract(was.counts)
        if after is not None:
            for key in after.rollup_keys():
                deltas[key].update(after.counts)
            keep.append(_state_of(case.pk, after))
        elif before is not None:
            drop.append(case.pk)
    _apply(deltas)
    KpiCaseState.objects.filter(case_id__in=[s.case_id for s in keep] + drop).delete()
    KpiCaseState.objects.bulk_create(keep, batch_size=500)
    Case.objects.filter(pk__in=ids).update(kpis_pending=False)


# --------------------------------------------------------------------------- figures

RATES = {
    # name: (numerator, denominator); "counted" is dispatched - left_out
    "response_rate": ("responded", "counted"),
    "resolution_rate": ("closed", "counted"),
    "on_time_rate": ("closed_on_time", "counted"),
    "satisfaction_rate": ("satisfied", "rated"),
    "rework_rate": ("reworked", "verified"),
    "extension_rate": ("extended", "counted"),
}


def with_rates(counts: dict[str, int]) -> dict[str, Any]:
    """The counts, ``counted``, and each rate as {value, numerator, denominator} (None if 0/0)."""
    row: dict[str, Any] = {name: int(counts.get(name) or 0) for name in MEASURES}
    row["counted"] = row["dispatched"] - row["left_out"]
    for rate, (top, bottom) in RATES.items():
        numerator, denominator = row[top], row[bottom]
        row[rate] = {
            "value": numerator / denominator if denominator else None,
            "numerator": numerator,
            "denominator": denominator,
        }
    return row


GROUP_COLUMNS = {"unit": "key", "category": "key", "channel": "key", "grid": "grid_id"}


def rollup_rows(
    street_id: int,
    community_id: int | None,
    grid_id: int | None,
    dimension: str,
    start: datetime.date,
    end: datetime.date,
) -> QuerySet[KpiRollup]:
    """One dimension's rollup rows of a place (street, or community, or grid) in [start, end)."""
    rows = KpiRollup.objects.filter(
        street_id=street_id, dimension=dimension, day__gte=start, day__lt=end
    )
    if community_id is not None:
        rows = rows.filter(community_id=community_id)
    if grid_id is not None:
        rows = rows.filter(grid_id=grid_id)
    return rows


def _spans(
    start: datetime.date, end: datetime.date
) -> list[tuple[type[RollupCounters], str, datetime.date, datetime.date]]:
    """[start, end) as (model, date field, from, to): whole months read from the monthly rows."""
    first_whole = start if start.day == 1 else _next_month(start)
    after_whole = end.replace(day=1)
    if first_whole >= after_whole:
        return [(KpiRollup, "day", start, end)]
    spans: list[tuple[type[RollupCounters], str, datetime.date, datetime.date]] = [
        (KpiMonthRollup, "month", first_whole, after_whole)
    ]
    if start < first_whole:
        spans.append((KpiRollup, "day", start, first_whole))
    if after_whole < end:
        spans.append((KpiRollup, "day", after_whole, end))
    return spans


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def kpi_rows(
    *,
    street_id: int,
    community_id: int | None,
    grid_id: int | None,
    start: datetime.date,
    end: datetime.date,
    by: str,
) -> dict[str, dict[str, int]]:
    """Summed counters per group for first-dispatch days in [start, end) at one place.

    Whole months are read from the monthly rollups, the days around them from
    the daily ones: a street-month is a few hundred rows, not tens of thousands.
    """
    dimension = by if by in Dimension.values else Dimension.CHANNEL
    column = GROUP_COLUMNS[by]
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for model, date_field, first, after in _spans(start, end):
        rows = model._default_manager.filter(
            street_id=street_id,
            dimension=dimension,
            **{f"{date_field}__gte": first, f"{date_field}__lt": after},
        )
        if community_id is not None:
            rows = rows.filter(community_id=community_id)
        if grid_id is not None:
            rows = rows.filter(grid_id=grid_id)
        summed = rows.values(column).annotate(**{name: Sum(name) for name in MEASURES})
        for row in summed.order_by():
            groups[str(row[column])].update({name: row[name] for name in MEASURES})
    # Rows of cases that moved elsewhere stay behind with zeros: no group without a case.
    return {
        key: {name: counts[name] for name in MEASURES}
        for key, counts in groups.items()
        if counts["dispatched"]
    }


def totals(groups: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for counts in groups:
        total.update(counts)
    return dict(total)
