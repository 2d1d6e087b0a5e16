"""`gridgov seed --streets N --households N [--seed S]`: bulk test data.

Adds N streets like the demo (own codes and names, side by side on the map)
holding the given number of households in all, for load tests and the
benchmarks; prints what it made and how long it took.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.core.demo_data import seed


class Command(BaseCommand):
    help = "Add N demo-like streets with the given total of households (bulk insert)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--streets", type=int, default=1, help="streets to add (default 1)")
        parser.add_argument(
            "--households", type=int, default=4000, help="households in all (default 4000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["streets"] < 1 or options["households"] < 0:
            raise CommandError("--streets must be at least 1 and --households not negative.")
        # A throwaway database (bench, load tests) starts empty: make its tables.
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        counts = seed(
            streets=options["streets"],
            households=options["households"],
            seed=options["seed"],
            stdout=self.stdout,
        )
        elapsed = time.perf_counter() - started
        counts.pop("milliseconds", None)
        for key, value in counts.items():
            self.stdout.write(f"{key:>20}: {value:,}")
        rate = counts.get("households", 0) / elapsed if elapsed else 0.0
        self.stdout.write(f"{'elapsed':>20}: {elapsed:.2f} s ({rate:,.0f} households/s)")
