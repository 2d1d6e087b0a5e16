"""`gridgov export-places --format geojson|xlsx [--street CODE] -o FILE`.

Writes the layouts `gridgov import-places` reads.  Runs as the operator, so
it exports everything (and household phones unmasked): keep the file safe.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.places.io import (
    GEOJSON,
    XLSX,
    ExportError,
    detect_format,
    export_excel,
    export_geojson,
)


class Command(BaseCommand):
    help = (
        "Export places as GeoJSON (communities, grids, buildings) or .xlsx (buildings, households)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=[GEOJSON, XLSX], help="default: from the output file's extension"
        )
        parser.add_argument("--street", help="street code (default: every street)")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument(
            "--no-communities", action="store_true", help="GeoJSON: leave out community features"
        )

    def handle(
        self, *args: Any, output: str, street: str | None, no_communities: bool, **options: Any
    ) -> None:
        fmt = options.get("format") or detect_format(output)
        if fmt not in (GEOJSON, XLSX):
            raise CommandError(_("Give --format geojson or xlsx (or an output ending in it)."))
        try:
            if fmt == GEOJSON:
                collection = export_geojson(
                    user=None, street_code=street, communities=not no_communities
                )
                data = json.dumps(collection, ensure_ascii=False, indent=1).encode()
                count = len(collection["features"])
            else:
                data = export_excel(user=None, street_code=street)
                count = None
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc.strerror}
            ) from exc
        if count is None:
            self.stdout.write(_("Wrote %s.") % output)
        else:
            self.stdout.write(
                _("Wrote %(count)d features to %(file)s.") % {"count": count, "file": output}
            )
