"""Import and export of places: GeoJSON (communities, grids, buildings) and Excel
(buildings, households).

Entry points (CLI, web) call :func:`import_places` with the file name and its
bytes; the format follows the extension.  Every import checks the whole file
and writes nothing unless it is clean; see ``validation`` for the shared
result and issue types.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from gridgov.places.io.bulk import (
    NewBuilding,
    NewHousehold,
    bulk_create_buildings_and_households,
)
from gridgov.places.io.excel import import_excel
from gridgov.places.io.export import ExportError, export_excel, export_geojson
from gridgov.places.io.geojson import import_geojson
from gridgov.places.io.validation import (
    GEOJSON,
    XLSX,
    ImportIssue,
    ImportResult,
    detect_format,
    failed,
    unknown_format_message,
)

__all__ = [
    "GEOJSON",
    "XLSX",
    "ExportError",
    "ImportIssue",
    "ImportResult",
    "NewBuilding",
    "NewHousehold",
    "bulk_create_buildings_and_households",
    "detect_format",
    "export_excel",
    "export_geojson",
    "import_excel",
    "import_geojson",
    "import_places",
]


def import_places(
    filename: str, data: bytes, *, actor: Any = None, dry_run: bool = False, update: bool = False
) -> ImportResult:
    """Import ``data`` as GeoJSON (.geojson, .json) or Excel (.xlsx), chosen by ``filename``.

    ``actor`` is the importing user (``None`` = the operator at the CLI).
    With ``dry_run`` nothing is written.  With ``update`` a GeoJSON grid whose
    code exists redraws that grid and its street is re-zoned; Excel files
    hold no grids, so ``update`` changes nothing for them.  Returns the counts
    created or every issue found; nothing is written when there is any issue.
    """
    fmt = detect_format(filename)
    if fmt == GEOJSON:
        return import_geojson(data, actor=actor, dry_run=dry_run, update=update)
    if fmt == XLSX:
        return import_excel(data, actor=actor, dry_run=dry_run, source=PurePath(filename).name)
    return failed("", unknown_format_message(filename), dry_run=dry_run)
