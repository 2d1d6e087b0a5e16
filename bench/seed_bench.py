"""Bulk-seeding benchmark: ``seed(streets=1, households=100000)`` on SQLite.

Runs on a throwaway SQLite database in a temporary directory (never the
project's var/ nor a DATABASE_URL from the environment: the seeder would
write 100,000 rows into it), migrates it, times the seed and prints
households per second.

    .venv/bin/python bench/seed_bench.py [--households N] [--streets N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=1)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gridgov-seed-bench-") as data_dir:
        # Settings read these at import: they must be set before django.setup().
        os.environ["GRIDGOV_DATA_DIR"] = data_dir
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(data_dir) / 'bench.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from gridgov.core.demo_data import database_counts, seed

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrate_s = time.perf_counter() - started

        started = time.perf_counter()
        counts = seed(streets=args.streets, households=args.households, seed=args.seed)
        seed_s = time.perf_counter() - started
        in_db = database_counts()
        connection.close()
        size_mib = (Path(data_dir) / "bench.sqlite3").stat().st_size / 2**20

    print(
        f"gridgov seed benchmark: {args.streets} street(s), {args.households:,} households, SQLite"
    )
    print(f"{'migrate (empty database)':<28} {migrate_s:8.2f} s")
    print(f"{'seed':<28} {seed_s:8.2f} s")
    print(f"{'households per second':<28} {counts['households'] / seed_s:8,.0f}")
    print(f"{'database file':<28} {size_mib:8.1f} MiB")
    for key in ("streets", "grids", "buildings", "households", "party_organisations", "members"):
        print(f"{key:<28} {in_db[key]:8,}")
    if in_db["households"] != args.households:
        print("household count in the database differs from the request", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
