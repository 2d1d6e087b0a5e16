"""Duplicate detection: quality on the held-out sets, `gridgov duplicates` on 100,000 reports,
and the intake search with 1,000,000 cases in the database.

1. Pairwise precision, recall and F1 on ``tests/data/insights/duplicates_{dev,dev3,test}.jsonl``
   (reports given without their category, as the sets hold them), for the method and for
   the rules-only baseline (place, time and category alone).
2. ``gridgov duplicates`` on ``--reports`` synthetic reports (texts of the corpus and the
   sets, points over 10 x 10 km, times over a year) on a fresh database: wall time.
3. ``--cases`` cases seeded into the demo street (``cases.seed``, over the past year) on a
   throwaway database (``--db sqlite|postgres``), then the intake search
   (``insights.duplicates.duplicate_candidates``) for ``--probes`` new reports at the
   points of random existing cases: median and 95th percentile.

Exits 1 when a target is missed (F1 0.90 on the test set, 60 s, 5 ms).

    .venv/bin/python bench/duplicates_bench.py [--db sqlite] [--cases 1000000] [--reports 100000]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import queue_bench  # noqa: E402  (the throwaway database and the seeding, shared)

queue_bench.PG_DATABASE = "gridgov_bench_duplicates"
SETS = ROOT / "tests" / "data" / "insights"


def read_set(name: str) -> list[dict]:
    path = SETS / f"duplicates_{name}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def quality() -> bool:
    from gridgov.algorithms.dedupe import Report, find_duplicates, pairwise_f1, rules_only
    from gridgov.algorithms.dedupe_fit import reports_of

    passed = True
    for name in ("dev", "dev3", "test"):
        rows = read_set(name)
        reports = reports_of(rows)  # without their category, with the classifier's reading
        with_category = [
            Report(r.id, r.text, r.lat, r.lng, r.at, row.get("category"))
            for r, row in zip(reports, rows, strict=True)
        ]
        truth = {row["id"]: row["problem"] for row in rows}
        method = pairwise_f1(find_duplicates(reports), truth)
        rules = pairwise_f1(rules_only(with_category), truth)
        print(
            f"{name} set ({len(rows)} reports, {len(set(truth.values()))} problems): "
            f"method P {method[0]:.3f} R {method[1]:.3f} F1 {method[2]:.3f}; "
            f"rules on place, time and category P {rules[0]:.3f} R {rules[1]:.3f} "
            f"F1 {rules[2]:.3f}"
        )
        if name == "test":
            passed = method[2] >= 0.90
    return passed


def synthetic_reports(n: int, rng: random.Random) -> list[dict]:
    from gridgov.insights.classifier import shipped_corpus

    texts = [text for text, _ in shipped_corpus()]
    texts += [row["text"] for name in ("dev", "test") for row in read_set(name)]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return [
        {
            "id": i,
            "text": rng.choice(texts),
            "lat": 36.0 + rng.random() * 0.09,
            "lng": 120.3 + rng.random() * 0.11,
            "reported_at": (
                start + datetime.timedelta(seconds=rng.random() * 365 * 86400)
            ).isoformat(),
        }
        for i in range(n)
    ]


def cli(n: int, rng: random.Random) -> float:
    with tempfile.TemporaryDirectory(prefix="gridgov-duplicates-cli-") as data_dir:
        env = {
            **os.environ,
            "GRIDGOV_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{Path(data_dir) / 'db.sqlite3'}",
        }
        gridgov = str(ROOT / ".venv" / "bin" / "gridgov")
        subprocess.run([gridgov, "migrate", "-v", "0"], env=env, check=True)
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in synthetic_reports(n, rng))
        started = time.perf_counter()
        done = subprocess.run(
            [gridgov, "duplicates"],
            env=env,
            input=lines,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
        answers = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(answers) == n
        found = sum(1 for a in answers if a["duplicate_of"] is not None)
        print(
            f"gridgov duplicates: {n:,} reports in {elapsed:.1f} s "
            f"({n / elapsed:,.0f} reports/s, start-up and classification included; "
            f"{found:,} marked duplicates)"
        )
        return elapsed


def intake_search(args: argparse.Namespace) -> list[float]:
    import django

    django.setup()
    from django.core.management import call_command

    from gridgov.cases.models import Case
    from gridgov.core.demo_data import DEMO_STREET, load_demo
    from gridgov.places.models import Street

    call_command("migrate", verbosity=0, interactive=False)
    load_demo(cases=0)
    street = Street.objects.get(code=DEMO_STREET["code"])
    rng = random.Random(args.seed)
    seeded_s, _counts = queue_bench.seed(street, args.cases, rng)
    total = Case.objects.count()
    print(f"seeded {total:,} cases in {seeded_s:.0f} s on {args.db}")
    return probe_search(args.probes, rng)


def probe_search(probes_wanted: int, rng: random.Random, user: Any = None) -> list[float]:
    """Time the intake search for new reports at the points of random existing cases.

    ``user``: searched as that user sees the street (the case page passes the viewer).
    """
    from gridgov.cases.models import Case
    from gridgov.core import clock
    from gridgov.insights.duplicates import duplicate_candidates

    total = Case.objects.count()
    ids = list(Case.objects.filter(lat__isnull=False).values_list("id", flat=True)[:200_000])
    probes = Case.objects.filter(pk__in=rng.sample(ids, probes_wanted)).only(
        "lat", "lng", "description", "street_id"
    )
    now = clock.now()
    times = []
    found = 0
    for probe in probes:
        new = Case(
            street_id=probe.street_id,
            lat=probe.lat + rng.uniform(-0.0001, 0.0001),
            lng=probe.lng + rng.uniform(-0.0001, 0.0001),
            description=probe.description,
            submitted_at=now,
        )
        started = time.perf_counter()
        candidates = duplicate_candidates(new, user)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(candidates)
    times.sort()
    as_whom = f" as {user.username}" if user else ""
    print(
        f"intake duplicate search{as_whom}, {total:,} cases: "
        f"median {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms over {len(times)} new reports "
        f"({found} with candidates)"
    )
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-db", action="store_true", help="quality and the CLI only")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    rng = random.Random(args.seed)
    ok = quality()
    ok = cli(args.reports, rng) < 60 and ok
    if args.skip_db:
        return 0 if ok else 1
    with (
        tempfile.TemporaryDirectory(prefix="gridgov-duplicates-bench-") as data_dir,
        queue_bench.database(args.db, data_dir),
    ):
        times = intake_search(args)
    ok = statistics.median(times) < 5 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
