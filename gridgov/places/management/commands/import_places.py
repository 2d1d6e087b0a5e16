"""`gridgov import-places FILE [--dry-run] [--update]`: load places from GeoJSON or Excel.

Runs as the operator (actor ``None``).  Prints the counts created, or every
problem on its own line on stderr and exits with status 1 (nothing written).
With ``--update`` existing grids are redrawn and their streets re-zoned;
every building, party group and member moved is printed (re-zoning is what
people check after a redraw).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.places.io import import_places


class Command(BaseCommand):
    help = (
        "Import communities, grids and buildings (.geojson/.json) or buildings and "
        "households (.xlsx). The whole file is checked first; nothing is written "
        "unless it is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .geojson, .json or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file only, write nothing"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="redraw grids whose code exists (GeoJSON) and re-zone their streets",
        )

    def handle(self, *args: Any, file: str, dry_run: bool, update: bool, **options: Any) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
            ) from exc
        result = import_places(path.name, data, actor=None, dry_run=dry_run, update=update)
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "%d problem found; nothing was written.",
                    "%d problems found; nothing was written.",
                    count,
                )
                % count
            )
        self.stdout.write(result.summary())
        for street, report in result.rezone.items():
            self.stdout.write(f"{street}:")
            for line in report.lines():
                self.stdout.write(f"  {line}")
