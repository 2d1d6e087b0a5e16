"""`gridgov seed [--streets N --households N] [--cases N [--street CODE] [--days D]] [--seed S]`.

Bulk test data for load tests and the benchmarks; prints what it made and
how long it took.

* ``--streets N --households N``: N streets like the demo (own codes and
  names, side by side on the map) holding that many households in all
  (the default when ``--cases`` is not given: one street, 4,000 households);
* ``--cases N``: N cases with their ledger (``cases.seed``), spread over the
  last ``--days`` days, in the street ``--street CODE`` (by default the demo
  street, or the only street), or split over the new streets when
  ``--streets`` is given too.
"""

from __future__ import annotations

import datetime
import random
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gridgov.core.demo_data import DEMO_STREET, _split, seed
from gridgov.places.models import Street


class Command(BaseCommand):
    help = "Add demo-like streets with households, and/or cases with their ledger (bulk insert)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--streets", type=int, default=None, help="streets to add (default 1)")
        parser.add_argument(
            "--households", type=int, default=None, help="households in all (default 4000)"
        )
        parser.add_argument(
            "--cases", type=int, default=None, help="cases to add, with their ledger events"
        )
        parser.add_argument(
            "--street", default=None, help="the street code for --cases (default: the demo street)"
        )
        parser.add_argument(
            "--days", type=int, default=365, help="spread the cases over this many days (365)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = options["cases"]
        with_streets = cases is None or options["streets"] is not None
        streets = options["streets"] if options["streets"] is not None else 1
        households = options["households"] if options["households"] is not None else 4000
        if streets < 1 or households < 0 or (cases is not None and cases < 0):
            raise CommandError(
                "--streets must be at least 1, --households and --cases not negative."
            )
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        if with_streets and options["street"]:
            raise CommandError("--street names an existing street: leave out --streets.")
        # A throwaway database (bench, load tests) starts empty: make its tables.
        call_command("migrate", verbosity=0, interactive=False)
        targets: list[Street] = []
        if with_streets:
            before = set(Street.objects.values_list("pk", flat=True))
            self._streets(streets, households, options["seed"])
            targets = list(Street.objects.exclude(pk__in=before).order_by("pk"))
        else:
            targets = [self._street(options["street"])]
        if cases:
            self._cases(targets, cases, options["days"], options["seed"])

    def _streets(self, streets: int, households: int, seed_value: int) -> None:
        started = time.perf_counter()
        counts = seed(streets=streets, households=households, seed=seed_value, stdout=self.stdout)
        elapsed = time.perf_counter() - started
        counts.pop("milliseconds", None)
        for key, value in counts.items():
            self.stdout.write(f"{key:>20}: {value:,}")
        rate = counts.get("households", 0) / elapsed if elapsed else 0.0
        self.stdout.write(f"{'elapsed':>20}: {elapsed:.2f} s ({rate:,.0f} households/s)")

    def _street(self, code: str | None) -> Street:
        if code:
            street = Street.objects.filter(code=code).first()
            if street is None:
                raise CommandError(f"No street with the code {code}.")
            return street
        demo = Street.objects.filter(code=DEMO_STREET["code"]).first()
        if demo is not None:
            return demo
        streets = list(Street.objects.order_by("pk")[:2])
        if len(streets) != 1:
            raise CommandError("Name the street for the cases: --street CODE.")
        return streets[0]

    def _cases(self, streets: list[Street], cases: int, days: int, seed_value: int) -> None:
        from gridgov.cases.seed import seed_cases  # imports the cases app's models

        now = timezone.now().astimezone(datetime.UTC)
        rng = random.Random(seed_value)
        started = time.perf_counter()
        totals: dict[str, int] = {}
        for street, share in zip(streets, _split(cases, len(streets)), strict=True):
            counts = seed_cases(street, share, now, rng, days=days, stdout=self.stdout)
            counts.pop("milliseconds", None)
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        elapsed = time.perf_counter() - started
        for key, value in totals.items():
            self.stdout.write(f"{key:>20}: {value:,}")
        rate = totals.get("cases", 0) / elapsed if elapsed else 0.0
        self.stdout.write(f"{'elapsed':>20}: {elapsed:.2f} s ({rate:,.0f} cases/s)")
