"""KPI endpoint at 1,000,000 cases: a street-month from the rollups, against a plain GROUP BY.

On a throwaway database (``--db sqlite|postgres``): migrate, load the demo
street, seed ``--cases`` cases with their ledger over the past year
(``cases.seed``), let the worker's step build the rollups (``refresh_kpis``,
timed), then for the busiest full month and each ``by`` (unit, category, grid,
channel) time

* the rollups: ``insights.figures.kpi_figures`` (what ``GET /api/v1/kpis``
  runs), and the endpoint itself through Django's test client, and
* the same figures by one plain GROUP BY over the cases with ledger
  subqueries (first dispatch, accept in time, checks, extensions ...),

as the median of ``--repeat`` runs, checks that both give the same numbers,
and prints the ratio. Exits 1 if they differ or the endpoint takes 100 ms or more.

    .venv/bin/python bench/kpi_bench.py [--db sqlite|postgres] [--cases 1000000] [--repeat 5]

Seeding a million cases takes half an hour; ``--save-seeded TARGET`` stops
after seeding and keeps the database (a SQLite file, or a PostgreSQL database
name), and ``--seeded TARGET`` starts from a copy of it (migrated to the
current code; the rollups are built by the current code as usual).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import queue_bench  # noqa: E402  (the throwaway database and the seeding, shared)

queue_bench.PG_DATABASE = "gridgov_bench_kpis"


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def plain_group_by(street: Any, start: datetime.date, end: datetime.date, by: str) -> dict:
    """The figures of docs/kpis.md straight from cases and ledger, one GROUP BY."""
    from django.db.models import Case as When_
    from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, When
    from django.db.models.fields.json import KT
    from django.utils import timezone

    from gridgov.cases.models import Case, CaseEvent, Category
    from gridgov.insights.kpis import LEFT_OUT, SATISFIED

    def local(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    events = CaseEvent.objects.filter(case=OuterRef("pk"))
    first = events.filter(action="dispatch").order_by("sequence").values("created_at")[:1]
    last_rating = (
        events.filter(action="rate").order_by("-sequence").values(rating=KT("data__rating"))[:1]
    )
    closing = events.filter(action="verify").order_by("-sequence").values("created_at")[:1]
    cases = (
        Case.objects.filter(street=street)
        .annotate(first=Subquery(first))
        .filter(first__gte=local(start), first__lt=local(end))
    )
    counted = ~Q(status__in=LEFT_OUT)
    hours = sorted(set(Category.objects.values_list("response_hours", flat=True)))
    responded = When_(
        *[
            When(
                Q(category__response_hours=h)
                & Exists(
                    events.filter(
                        action="accept",
                        created_at__lte=OuterRef("first") + datetime.timedelta(hours=h),
                    )
                ),
                then=1,
            )
            for h in hours
        ],
        default=0,
        output_field=IntegerField(),
    )

    def flag(condition: Any) -> Any:
        return Sum(When_(When(condition, then=1), default=0, output_field=IntegerField()))

    column = {
        "unit": "lead_unit_id",
        "category": "category__code",
        "grid": "grid_id",
        "channel": "channel",
    }[by]
    rows = (
        cases.annotate(
            responded_flag=responded,
            rating_now=Subquery(last_rating),
            closed_at_check=Subquery(closing),
            worked=Exists(events.filter(action="rework")),
            checked=Exists(events.filter(action__in=("verify", "rework"))),
            extended_flag=Exists(events.filter(action="decide_extension", data__approved=True)),
            escalated_flag=Exists(events.filter(action="escalate")),
            whistled_flag=Exists(events.filter(action="whistle")),
            reopened_flag=Exists(events.filter(action="reopen")),
            returned_flag=Exists(events.filter(action="return")),
        )
        .values(column)
        .annotate(
            dispatched=Count("pk"),
            left_out=flag(Q(status__in=LEFT_OUT)),
            responded=Sum(When_(When(counted, then="responded_flag"), default=0)),
            closed=flag(counted & Q(status="closed")),
            closed_on_time=flag(
                counted & Q(status="closed", closed_at_check__lte=F("resolve_due"))
            ),
            rated=flag(Q(rating_now__isnull=False)),
            satisfied=flag(Q(rating_now__in=SATISFIED)),
            verified=flag(Q(checked=True)),
            reworked=flag(Q(worked=True)),
            extended=flag(counted & Q(extended_flag=True)),
            escalated=flag(Q(escalated_flag=True)),
            whistled=flag(Q(whistled_flag=True)),
            reopened=flag(Q(reopened_flag=True)),
            returned=flag(Q(returned_flag=True)),
        )
        .order_by()
    )
    return {str(row.pop(column) or 0): row for row in rows}


def store_missing_readings(batch: int = 5000) -> tuple[int, float]:
    """Store the text readings intake keeps on cases seeded by an older seed or lexicon.

    What the worker's ``refresh_text_readings`` does after an upgrade, for every case
    (the worker keeps to those the search can still find).
    """
    import json

    from django.db import connection, transaction
    from django.db.models import Q

    from gridgov.algorithms.dedupe import READING_VERSION, reading
    from gridgov.cases.models import Case

    started = time.perf_counter()
    done, last = 0, 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last)
            .filter(Q(text_reading__isnull=True) | ~Q(text_reading__version=READING_VERSION))
            .order_by("pk")
            .values_list("pk", "description")[:batch]
        )
        if not rows:
            return done, time.perf_counter() - started
        last = rows[-1][0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE cases_case SET text_reading = %s WHERE id = %s",
                [(json.dumps(reading(text), ensure_ascii=False), pk) for pk, text in rows],
            )
        done += len(rows)


def busiest_month(street: Any) -> tuple[datetime.date, datetime.date]:
    from django.db.models import Sum

    from gridgov.insights.models import KpiRollup

    months: dict[datetime.date, int] = {}
    rows = KpiRollup.objects.filter(street_id=street.pk, dimension="channel")
    for row in rows.values("day").annotate(n=Sum("dispatched")):
        month = row["day"].replace(day=1)
        months[month] = months.get(month, 0) + row["n"]
    today = datetime.date.today().replace(day=1)
    start = max((m for m in months if m < today), key=lambda m: months[m])
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--with-duplicates",
        type=int,
        default=0,
        metavar="N",
        help="also time the intake duplicate search for N new reports (bench/duplicates_bench.py)",
    )
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="with --seeded: time only the intake duplicate search (no rollups, no KPIs)",
    )
    parser.add_argument(
        "--save-seeded",
        metavar="TARGET",
        help="seed, keep the database as TARGET (SQLite file or PostgreSQL database), stop",
    )
    parser.add_argument(
        "--seeded",
        metavar="TARGET",
        help="start from a copy of a database kept by --save-seeded instead of seeding",
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="gridgov-kpi-bench-") as data_dir,
        queue_bench.database(args.db, data_dir, template=_template(args)),
    ):
        return bench(args)


def _template(args: argparse.Namespace) -> str | None:
    """The seeded database to start from: copied here for SQLite, a template for PostgreSQL."""
    if not args.seeded:
        return None
    if args.db == "postgres":
        return args.seeded
    if not Path(args.seeded).is_file():
        raise SystemExit(f"no seeded SQLite file at {args.seeded}")
    return str(Path(args.seeded).resolve())


def save_seeded(args: argparse.Namespace) -> None:
    from django.db import connection, connections

    if args.db == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(Path(args.save_seeded).resolve())])
        return
    connections.close_all()
    import psycopg

    with psycopg.connect(f"{queue_bench.PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {args.save_seeded}")
        conn.execute(f"CREATE DATABASE {args.save_seeded} TEMPLATE {queue_bench.PG_DATABASE}")


def bench(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gridgov.accounts.actions import create_api_token
    from gridgov.cases.models import Case
    from gridgov.core.demo_data import DEMO_STREET, load_demo
    from gridgov.insights.figures import BY, KpiPlace, kpi_figures
    from gridgov.insights.kpis import MEASURES, refresh_kpis
    from gridgov.places.models import Street

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    if args.seeded:
        street = Street.objects.get(code=DEMO_STREET["code"])
        seeded_s = 0.0
        stored, stored_s = store_missing_readings()
        print(
            f"text readings stored for {stored:,} cases seeded before intake kept them "
            "(or under another lexicon): "
            f"{stored_s:.0f} s"
        )
    else:
        load_demo(cases=0)
        street = Street.objects.get(code=DEMO_STREET["code"])
        seeded_s, _counts = queue_bench.seed(street, args.cases, random.Random(args.seed))
        if args.save_seeded:
            save_seeded(args)
            print(f"{args.cases:,} cases seeded in {seeded_s:.0f} s, kept as {args.save_seeded}")
            return 0
    if args.search_only:
        args.with_duplicates = args.with_duplicates or 300
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return search(args)
    started = time.perf_counter()
    refreshed = refresh_kpis(batch=2000)
    refresh_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Case.objects.count()
    start, end = busiest_month(street)
    print(f"gridgov KPI benchmark on {args.db}: {total:,} cases")
    print(
        f"seeding {seeded_s:.0f} s; rollups built by the worker's step: {refreshed:,} cases "
        f"in {refresh_s:.0f} s ({refreshed / refresh_s:,.0f} cases/s)"
    )
    place = KpiPlace("street", street)
    admin = get_user_model().objects.get(username="street_admin")
    token = create_api_token(user=admin, name="kpi bench")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    failed = False
    print(f"street {street.name}, {start} to {end} (first dispatch), median of {args.repeat}")
    print(
        f"{'by':<9} {'groups':>6} {'cases':>7} {'rollups ms':>10} {'API ms':>8} "
        f"{'GROUP BY ms':>11} {'ratio':>6} same"
    )
    for by in BY:
        rollup_ms, figures = timed(lambda by=by: kpi_figures(place, start, end, by), args.repeat)
        api_ms, answer = timed(
            lambda by=by: client.get(
                "/api/v1/kpis", {"place": street.code, "from": start, "to": end, "by": by}
            ),
            args.repeat,
        )
        plain_ms, plain = timed(
            lambda by=by: plain_group_by(street, start, end, by), max(1, args.repeat // 2)
        )
        served = {row["key"]: {m: row[m] for m in MEASURES} for row in figures["rows"]}
        same = served == {
            key: {m: int(row[m] or 0) for m in MEASURES} for key, row in plain.items()
        }
        failed |= not same or api_ms >= 100 or answer.status_code != 200
        if not same and os.environ.get("KPI_BENCH_DIFF"):
            for key in sorted(set(served) | set(plain)):
                a, b = served.get(key, {}), plain.get(key, {})
                diff = {m: (a.get(m), b.get(m)) for m in MEASURES if a.get(m) != (b.get(m) or 0)}
                if diff:
                    print("   ", key, diff)
        print(
            f"{by:<9} {len(served):6d} {figures['total']['dispatched']:7,d} {rollup_ms:10.1f} "
            f"{api_ms:8.1f} {plain_ms:11.1f} {plain_ms / api_ms:6.1f} {'yes' if same else 'NO'}"
        )
    if args.with_duplicates:
        failed |= search(args) != 0
    return 1 if failed else 0


def search(args: argparse.Namespace) -> int:
    """Time the intake duplicate search alone and as the dispatcher (the street admin) sees it."""
    import duplicates_bench
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="street_admin")
    duplicates_bench.probe_search(args.with_duplicates, random.Random(args.seed))
    times = duplicates_bench.probe_search(
        args.with_duplicates, random.Random(args.seed), user=admin
    )
    return 1 if statistics.median(times) >= 5 else 0


if __name__ == "__main__":
    sys.exit(main())
