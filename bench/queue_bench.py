"""Staff queues, ledger and case list: server time and SQL queries at 2,000 and 200,000 cases.

Runs on a throwaway database, never the project's var/ nor a DATABASE_URL
from the environment: SQLite in a temporary directory, or with ``--db
postgres`` a database ``gridgov_bench_queue`` on postgres://postgres@127.0.0.1:5432
(trust auth), created at the start and dropped at the end.  It migrates,
loads the demo street without history, seeds ``--small`` cases
(``cases.seed``), fetches every page as the demo personas with Django's test
client, then seeds up to ``--cases`` and fetches them again.  Per page it
prints the median time of ``--repeat`` requests (in-process: the view, its
queries and the template, no network) and the number of SQL queries, for both
sizes and their ratio.  Exits 1 if a page's query count differs between the
two sizes (a query per row somewhere) or a page does not answer 200.

    .venv/bin/python bench/queue_bench.py [--db sqlite|postgres] [--cases N] [--small N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "gridgov_bench_queue"
PERSONAS = ("street_admin", "community_admin", "grid_worker_a", "dept_urban")
DEEP_PAGE = 2000  # the ledger's page 2,000 (rows 99,951-100,000); fewer pages: the last one


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    params: dict[str, Any]
    api: bool = False


def pages(today: datetime.date) -> list[Page]:
    month_ago = (today - datetime.timedelta(days=30)).isoformat()
    return [
        Page("workbench", "/cases/workbench/", {}),
        *(
            Page(f"workbench {queue}", "/cases/workbench/", {"queue": queue})
            for queue in ("register", "overdue", "due_soon", "whistles", "verify", "mine")
        ),
        Page("ledger", "/cases/ledger/", {}),
        Page("ledger deep page", "/cases/ledger/", {"page": DEEP_PAGE}),
        Page("ledger status", "/cases/ledger/", {"status": ["dispatched", "accepted"]}),
        Page("ledger category", "/cases/ledger/", {"category": "env.sanitation"}),
        Page("ledger overdue", "/cases/ledger/", {"overdue": "now"}),
        Page(
            "ledger period",
            "/cases/ledger/",
            {"submitted_from": month_ago, "submitted_to": today.isoformat()},
        ),
        Page(
            "ledger combined",
            "/cases/ledger/",
            {"status": "closed", "category": "facility.parking", "submitted_from": month_ago},
        ),
        Page("api cases", "/api/v1/cases", {}, api=True),
        Page("api cases deep", "/api/v1/cases", {"offset": 100_000}, api=True),
        Page("api cases overdue", "/api/v1/cases", {"overdue": "true"}, api=True),
        Page("api cases status", "/api/v1/cases", {"status": "dispatched,accepted"}, api=True),
    ]


@dataclass
class Measure:
    ms: float
    queries: int
    slowest_ms: float
    status: int
    rows: int  # rows on the page (an empty page may skip its rows query)


@contextlib.contextmanager
def database(kind: str, data_dir: str, template: str | None = None) -> Iterator[None]:
    """Point Django at a throwaway database (before django.setup), and drop it afterwards.

    ``template``: start as a copy of this database (a SQLite file, or a
    PostgreSQL database name) instead of an empty one.
    """
    os.environ["GRIDGOV_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    os.environ.pop("DB_CONN_MAX_AGE", None)
    if kind == "sqlite":
        path = Path(data_dir) / "bench.sqlite3"
        if template:
            shutil.copyfile(template, path)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        yield
        return
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    admin(f"CREATE DATABASE {PG_DATABASE}" + (f" TEMPLATE {template}" if template else ""))
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")


def measure(client: Any, page: Page, headers: dict[str, str], repeat: int) -> Measure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, counts, slowest, status = [], [], 0.0, 0
    for attempt in range(repeat + 1):  # the first one warms the caches, and is not counted
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(page.path, page.params, **headers)
            elapsed = (time.perf_counter() - started) * 1000
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        status = response.status_code
        if attempt:
            times.append(elapsed)
            counts.append(len(captured))
            slowest = max(slowest, *(float(q["time"]) * 1000 for q in captured.captured_queries))
    # min: the API token's "last used" write happens once a minute at most.
    return Measure(statistics.median(times), min(counts), slowest, status, _rows(response))


def _rows(response: Any) -> int:
    if response.status_code != 200:
        return 0
    if response.get("Content-Type", "").startswith("application/json"):
        return len(response.json().get("items", []))
    context = response.context
    return len(context["items"]) if context is not None and "items" in context else 0


def run_pages(
    clients: dict[str, tuple[Any, dict[str, str]]], repeat: int
) -> dict[tuple[str, str], Measure]:
    from django.utils import timezone

    results = {}
    for page in pages(timezone.localdate()):
        for username in PERSONAS:
            client, token_headers = clients[username]
            headers = token_headers if page.api else {}
            results[(page.name, username)] = measure(client, page, headers, repeat)
    return results


def seed(street: Any, cases: int, rng: random.Random) -> tuple[float, dict[str, int]]:
    from django.db import connection

    from gridgov.cases.seed import seed_cases

    started = time.perf_counter()
    counts = seed_cases(street, cases, rng=rng)
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would do soon after a bulk load
    return elapsed, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 0 < args.small < args.cases:
        parser.error("--small must be positive and below --cases")

    with (
        tempfile.TemporaryDirectory(prefix="gridgov-queue-bench-") as data_dir,
        database(args.db, data_dir),
    ):
        return bench(args)


def bench(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gridgov.accounts.actions import create_api_token
    from gridgov.cases.ledger import verify_ledger
    from gridgov.cases.models import Case
    from gridgov.core.demo_data import DEMO_STREET, load_demo
    from gridgov.places.models import Street

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    load_demo(cases=0)
    street = Street.objects.get(code=DEMO_STREET["code"])
    rng = random.Random(args.seed)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
    clients = {}
    for username in PERSONAS:
        client = Client()
        client.force_login(users[username])
        _token, raw = create_api_token(user=users[username], name="queue bench")
        clients[username] = (client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})

    small_s, _counts = seed(street, args.small, rng)
    small = run_pages(clients, args.repeat)
    large_s, counts = seed(street, args.cases - args.small, rng)
    total = Case.objects.count()
    large = run_pages(clients, args.repeat)
    verify_started = time.perf_counter()
    checked, problems = verify_ledger()
    verify_s = time.perf_counter() - verify_started

    print(f"gridgov queue benchmark on {args.db}: {args.small:,} and {total:,} cases")
    print(
        f"seeding: {args.small:,} cases in {small_s:.1f} s ({args.small / small_s:,.0f} cases/s); "
        f"{args.cases - args.small:,} more in {large_s:.1f} s "
        f"({(args.cases - args.small) / large_s:,.0f} cases/s, "
        f"{counts.get('events', 0):,} ledger events)"
    )
    statuses = {k.split(":")[1]: v for k, v in counts.items() if k.startswith("status:")}
    print("statuses of the second seeding: " + ", ".join(f"{k} {v:,}" for k, v in statuses.items()))
    print(f"ledger verify: {checked:,} cases in {verify_s:.1f} s, {len(problems)} problems")
    header = (
        f"{'page':<22} {'persona':<16} {'ms ' + str(args.small):>9} {'q':>3} "
        f"{'ms ' + str(total):>10} {'q':>3} {'ratio':>6} {'slowest SQL':>11}"
    )
    print(header)
    print("-" * len(header))
    failed = bool(problems)
    for key, few in small.items():
        many = large[key]
        flag = ""
        if few.queries != many.queries and (few.rows and many.rows):
            flag, failed = " QUERIES DIFFER", True
        elif few.queries != many.queries:
            flag = f" (rows {few.rows}/{many.rows}: an empty page skips its rows query)"
        if few.status != 200 or many.status != 200:
            flag, failed = f"{flag} HTTP {few.status}/{many.status}", True
        print(
            f"{key[0]:<22} {key[1]:<16} {few.ms:9.1f} {few.queries:3d} {many.ms:10.1f} "
            f"{many.queries:3d} {many.ms / few.ms:6.1f} {many.slowest_ms:9.1f}ms{flag}"
        )
    worst = max(large.items(), key=lambda item: item[1].ms)
    print(f"slowest page at {total:,} cases: {worst[0][0]} ({worst[0][1]}) {worst[1].ms:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
