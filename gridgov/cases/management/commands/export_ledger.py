"""`gridgov export-ledger [--street CODE] [--events] [filters...] -o FILE.xlsx`.

The ledger's Excel exports (``cases.exports``) outside the web server, for
exports too big for a request (``GRIDGOV_WEB_EXPORT_MAX_ROWS``): 200,000
cases take minutes.  The filters are the ledger's (``cases.filters``); places
by code, the unit by id.  Runs as the operator: every street, unless
``--street`` narrows it.  Phone numbers are masked as in the web export.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from gridgov.cases.exports import export_cases, export_events
from gridgov.cases.filters import filter_cases
from gridgov.cases.models import Case
from gridgov.places.models import Community, Grid, Street


class Command(BaseCommand):
    help = "Export the ledger (台账) to Excel: one row per case, or per ledger event (--events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--events", action="store_true", help="one row per ledger event (办理记录)"
        )
        parser.add_argument("--street", help="street code (default: every street)")
        parser.add_argument("--community", help="community code")
        parser.add_argument("--grid", help="grid code")
        parser.add_argument("--unit", type=int, help="handling unit id (lead or whistled in)")
        parser.add_argument("--category", help="category code, e.g. env.sanitation")
        parser.add_argument(
            "--status", action="append", default=[], help="status (repeat for several)"
        )
        parser.add_argument("--channel", help="intake channel (web, hotline, ...)")
        parser.add_argument(
            "--from", dest="submitted_from", help="submitted on or after (YYYY-MM-DD)"
        )
        parser.add_argument("--to", dest="submitted_to", help="submitted on or before (YYYY-MM-DD)")
        parser.add_argument("--overdue", choices=("now", "late", "any"), help="time limits")
        parser.add_argument("-q", "--query", dest="q", help="case number or words of the text")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx.")
        cases: QuerySet[Case] = Case.objects.all()
        if options["street"]:
            street = Street.objects.filter(code=options["street"]).first()
            if street is None:
                raise CommandError(f"No street with the code {options['street']}.")
            cases = cases.filter(street=street)
        params: dict[str, Any] = {
            key: options[key]
            for key in ("unit", "category", "status", "channel", "overdue", "q")
            if options[key]
        }
        params.update(
            {
                key: options[key]
                for key in ("submitted_from", "submitted_to")
                if options[key] is not None
            }
        )
        for key, model in (("community", Community), ("grid", Grid)):
            if options[key]:
                place = model.objects.filter(code=options[key]).only("pk").first()
                if place is None:
                    raise CommandError(f"No {key} with the code {options[key]}.")
                params[key] = place.pk
        cases, form = filter_cases(cases, params)
        if form.errors:
            problems = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in form.errors.items()
            )
            raise CommandError(problems)
        started = time.perf_counter()
        count = cases.count()
        made = export_events(cases) if options["events"] else export_cases(cases)
        # Written next to the target and renamed: an interrupted export leaves no half file.
        partial = output.with_name(f".{output.name}.partial")
        try:
            with made, partial.open("wb") as out:
                shutil.copyfileobj(made, out)
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        what = "cases' ledger events" if options["events"] else "cases"
        self.stdout.write(
            f"{output}: {count:,} {what} in {time.perf_counter() - started:.1f} s "
            f"({output.stat().st_size / 2**20:.1f} MiB)"
        )
