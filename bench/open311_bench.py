"""Open311 on a database of 200,000 cases: POST requests per second, GET requests (1,000 items).

Migrates a throwaway database (SQLite in a temporary directory, or
``gridgov_bench_open311`` on postgres://postgres@127.0.0.1:5432, created and
dropped: never var/ nor a DATABASE_URL from the environment), loads the demo
street without history, bulk-seeds ``--cases`` cases over the past year
(``cases.seed.seed_cases``) and then, in-process with Django's test client
(view, queries, rendering; no network):

* ``POST /open311/v2/requests.json`` with an API key, varied service codes
  and points in the street's grids, ``--posts`` times in each of 3 batches:
  requests per second (median batch); every answer must be 200;
* ``GET /open311/v2/requests.{json,xml}?page_size=1000`` (the last 90 days,
  the spec's default window): median latency of ``--repeat`` requests, with
  1,000 items in each answer, and its number of queries.

The GETs run on 2,000 cases first and again on the full database: the
number of queries must not grow (exit 1 otherwise, or on any failed request).

    .venv/bin/python bench/open311_bench.py [--db sqlite|postgres] [--cases 200000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_bench  # noqa: E402  (the throwaway database and the seeding, shared)

queue_bench.PG_DATABASE = "gridgov_bench_open311"
SERVICES = ("facility.road", "env.sanitation", "facility.lighting", "env.ads", "housing.repair")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    # The bench posts far faster than a client may: lift the per-key limit.
    os.environ["GRIDGOV_OPEN311_RATE"] = "1000000/m"
    with (
        tempfile.TemporaryDirectory(prefix="gridgov-open311-bench-") as data_dir,
        queue_bench.database(args.db, data_dir),
    ):
        return bench(args)


def measure_get(client: Any, fmt: str, repeat: int) -> tuple[float, int, int, int]:
    """Median ms, queries, items and status of GET requests.{fmt}?page_size=1000."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, items, status = [], 0, 0, 0
    for attempt in range(repeat + 1):  # the first warms the caches and is not counted
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(f"/open311/v2/requests.{fmt}", {"page_size": 1000})
            elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        body = response.content
        items = body.count(b"<request>") if fmt == "xml" else len(response.json())
        if attempt:
            times.append(elapsed)
            queries = len(captured)
    return statistics.median(times), queries, items, status


def post_rate(client: Any, raw_key: str, points: list[tuple[float, float]], n: int) -> float:
    """Open311 POSTs per second over ``n`` sequential requests (every one must be 200)."""
    rng = random.Random(n)
    started = time.perf_counter()
    for i in range(n):
        lat, lng = points[i % len(points)]
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": raw_key,
                "service_code": SERVICES[i % len(SERVICES)],
                "lat": f"{lat:.6f}",
                "long": f"{lng:.6f}",
                "description": f"路口第{rng.randint(1, 99)}号井盖旁路面坑洼，雨天积水，请处理。",
                **({"attribute[damage_type]": "pothole"} if i % 5 == 0 else {}),
                "first_name": "小明",
                "phone": "13900001234",
            },
        )
        if response.status_code != 200:
            raise SystemExit(f"POST answered {response.status_code}: {response.content[:300]!r}")
    return n / (time.perf_counter() - started)


def bench(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gridgov.core.demo_data import DEMO_STREET, load_demo
    from gridgov.open311.actions import create_api_key
    from gridgov.places.models import Building, Street

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    load_demo(cases=0)
    street = Street.objects.get(code=DEMO_STREET["code"])
    rng = random.Random(args.seed)
    _key, raw_key = create_api_key(street=street, name="open311 bench")
    points = [(b.lat, b.lng) for b in Building.objects.filter(street=street).order_by("pk")[:300]]
    client = Client()

    queue_bench.seed(street, args.small, rng)
    small = {fmt: measure_get(client, fmt, args.repeat) for fmt in ("json", "xml")}
    seeded_s, _counts = queue_bench.seed(street, args.cases - args.small, rng)
    large = {fmt: measure_get(client, fmt, args.repeat) for fmt in ("json", "xml")}
    rates = [post_rate(client, raw_key, points, args.posts) for _batch in range(3)]

    from gridgov.cases.models import Case

    total = Case.objects.count()
    print(f"gridgov Open311 benchmark on {args.db}: {total:,} cases ({seeded_s:.0f} s to seed)")
    print(
        f"POST requests.json: {statistics.median(rates):.1f} requests/s "
        f"(batches of {args.posts}: {', '.join(f'{r:.1f}' for r in rates)})"
    )
    failed = False
    for fmt in ("json", "xml"):
        few, many = small[fmt], large[fmt]
        flag = ""
        if few[1] != many[1]:
            flag, failed = " QUERIES DIFFER", True
        if few[3] != 200 or many[3] != 200 or many[2] != 1000:
            flag, failed = f"{flag} HTTP {few[3]}/{many[3]}, {many[2]} items", True
        print(
            f"GET requests.{fmt}?page_size=1000: {few[0]:.0f} ms at {args.small:,} cases, "
            f"{many[0]:.0f} ms at {total:,} ({many[2]} items, {many[1]} queries){flag}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
