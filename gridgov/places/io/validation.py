"""What every place import shares: issues, results, file sniffing, value parsing, overlaps.

Imports validate the whole file first and write nothing unless it is clean, so
the person fixing a 2,000-row sheet sees every problem at once, each with the
feature or row number they can find in their own file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry.base import BaseGeometry

from gridgov.algorithms.geo import area_m2
from gridgov.places import index

if TYPE_CHECKING:
    from gridgov.party.actions import RezoneReport

GEOJSON = "geojson"
XLSX = "xlsx"
FORMAT_BY_EXTENSION = {".geojson": GEOJSON, ".json": GEOJSON, ".xlsx": XLSX}

# Leading bytes of files people pick by mistake from the same folder.
_MAGIC = (
    (b"PK\x03\x04", "xlsx"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"GIF8", "gif"),
)

FILE_FIELD = "file"
# Same msgids as the models' verbose_name_plural: one translation serves both.
KIND_LABELS = {
    "communities": gettext_lazy("communities"),
    "grids": gettext_lazy("grids"),
    "buildings": gettext_lazy("buildings"),
    "households": gettext_lazy("households"),
}


@dataclass(frozen=True)
class ImportIssue:
    """One problem found in an import file.

    ``number`` is the 1-based feature number (GeoJSON) or the Excel row as
    the user sees it (header = row 1); ``None`` for problems with the whole
    file.  ``field`` is the property or column key ("geometry", "lat", ...).
    """

    number: int | None
    field: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = {"number": self.number, "field": self.field, "message": self.message}
        if self.number is None:
            return _("%(field)s: %(message)s") % where
        if self.sheet:
            return _("%(sheet)s row %(number)s, %(field)s: %(message)s") % {
                **where,
                "sheet": self.sheet,
            }
        return _("Feature %(number)s, %(field)s: %(message)s") % where


@dataclass
class ImportResult:
    """What an import did: counts created per kind, or the issues that stopped it.

    An update (GeoJSON ``update=True``) also counts the grids redrawn in
    ``updated`` and keeps, per street name, what re-zoning moved in ``rezone``.
    """

    format: str = ""
    dry_run: bool = False
    created: dict[str, int] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    updated: dict[str, int] = field(default_factory=dict)
    rezone: dict[str, RezoneReport] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def created_rows(self) -> list[tuple[str, int]]:
        """(translated kind, count) pairs for the result page."""
        return [(str(KIND_LABELS.get(kind, kind)), count) for kind, count in self.created.items()]

    def updated_rows(self) -> list[tuple[str, int]]:
        """(translated kind, count) pairs of what an update redrew."""
        return [(str(KIND_LABELS.get(kind, kind)), count) for kind, count in self.updated.items()]

    def rezone_rows(self) -> list[dict[str, Any]]:
        """Per street: its name, its re-zoning report and that report's sentence (result page)."""
        return [
            {
                "street": street,
                "report": report,
                "summary": report.summary(street, dry_run=self.dry_run),
            }
            for street, report in self.rezone.items()
        ]

    def summary(self) -> str:
        """One line for the CLI and the flash message."""
        counts = ", ".join(
            f"{KIND_LABELS.get(kind, kind)} {count}" for kind, count in self.created.items()
        )
        if self.dry_run:
            line = _("Check passed, nothing written. Would create %s.") % (counts or "0")
        else:
            line = _("Imported: %s.") % (counts or "0")
        if self.updated:
            redrawn = ", ".join(f"{kind} {count}" for kind, count in self.updated_rows())
            line += " " + (_("Would redraw %s.") if self.dry_run else _("Redrawn: %s.")) % redrawn
        for street, report in self.rezone.items():
            line += " " + report.summary(street, dry_run=self.dry_run)
        return line


class Issues:
    """Collects issues for one file (or one sheet) in the order they are found."""

    def __init__(self, sheet: str = "") -> None:
        self.sheet = sheet
        self.items: list[ImportIssue] = []

    def add(self, number: int | None, field_name: str, message: str) -> None:
        self.items.append(ImportIssue(number, field_name, message, self.sheet))

    def file_error(self, message: str) -> None:
        self.add(None, FILE_FIELD, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def failed(fmt: str, message: str, *, dry_run: bool = False) -> ImportResult:
    """A result with one whole-file error (wrong type, empty, unreadable)."""
    return ImportResult(
        format=fmt, dry_run=dry_run, errors=[ImportIssue(None, FILE_FIELD, message)]
    )


def detect_format(filename: str) -> str | None:
    """GEOJSON or XLSX from the file name's extension; None for anything else."""
    return FORMAT_BY_EXTENSION.get(PurePath(filename or "").suffix.lower())


def sniff_binary(data: bytes) -> str | None:
    """The kind of a binary file by its first bytes ("xlsx", "png", ...), else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def unknown_format_message(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xls":
        return _("Old .xls workbooks are not read: save the file as .xlsx.")
    suffix = suffix or _("(none)")
    return _("Unsupported file type %s: use .geojson, .json or .xlsx.") % suffix


def load_json(data: bytes) -> tuple[Any, str | None]:
    """(parsed value, None) or (None, why the bytes are not JSON)."""
    if not data.strip():
        return None, _("The file is empty.")
    kind = sniff_binary(data)
    if kind is not None:
        return None, _("The file is not GeoJSON text but a %s file.") % kind
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, _("The file is not UTF-8 text.")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, _("The file is not valid JSON (line %(line)s, column %(column)s).") % {
            "line": exc.lineno,
            "column": exc.colno,
        }


def clean_text(value: Any) -> str:
    """Cell or property as stripped text (numbers without a trailing ".0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(value: Any, *, allow_text: bool) -> float | None:
    """A finite float, or None.  JSON must give numbers; Excel cells may hold text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not allow_text:
            return None
        value = value.strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def parse_whole(value: Any, *, allow_text: bool) -> int | None:
    """An integer (3, 3.0 or "3"), or None for anything else (3.5, "three")."""
    number = parse_number(value, allow_text=allow_text)
    if number is None or not number.is_integer():
        return None
    return int(number)


def check_length(issues: Issues, number: int, field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        issues.add(number, field_name, _("Longer than %d characters.") % limit)


def check_lat_lng(
    issues: Issues, number: int, lat: Any, lng: Any, *, allow_text: bool
) -> tuple[float, float] | None:
    """Valid (lat, lng) or None after adding the issue (non-numeric or out of range)."""
    lat_f = parse_number(lat, allow_text=allow_text)
    lng_f = parse_number(lng, allow_text=allow_text)
    bad = False
    if lat_f is None:
        issues.add(number, "lat", _("Latitude is missing or not a number."))
        bad = True
    elif not -90.0 <= lat_f <= 90.0:
        issues.add(number, "lat", _("Latitude out of range (-90 to 90): %s") % lat_f)
        bad = True
    if lng_f is None:
        issues.add(number, "lng", _("Longitude is missing or not a number."))
        bad = True
    elif not -180.0 <= lng_f <= 180.0:
        issues.add(number, "lng", _("Longitude out of range (-180 to 180): %s") % lng_f)
        bad = True
    if bad or lat_f is None or lng_f is None:
        return None
    return lat_f, lng_f


def chunked(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices small enough for an SQL ``IN (...)`` on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def overlap_tolerance() -> float:
    return float(settings.GRIDGOV_OVERLAP_TOLERANCE_M2)


def overlaps_within(polygons: Sequence[BaseGeometry]) -> list[tuple[int, int, float]]:
    """Pairs (i, j, shared m²) with i < j whose overlap exceeds the tolerance.

    An STRtree finds the pairs whose shapes touch; only those are intersected,
    so a file of thousands of grids is not compared pair by pair.
    """
    if len(polygons) < 2:
        return []
    shapes = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    keep = left < right
    return _shared_areas(shapes[left[keep]], shapes[right[keep]], left[keep], right[keep])


def overlaps_with_existing(polygons: Sequence[BaseGeometry]) -> list[tuple[int, int, float]]:
    """(i, grid id, shared m²) for file polygons overlapping grids already stored.

    Reuses the process-wide grid index (its STRtree holds every stored grid).
    """
    existing = index.grid_index()
    if not polygons or len(existing) == 0:
        return []
    shapes = np.asarray(polygons, dtype=object)
    mine, theirs = existing.tree.query(shapes, predicate="intersects")
    return _shared_areas(shapes[mine], existing.polygons[theirs], mine, existing.keys[theirs])


def _shared_areas(
    a: np.ndarray, b: np.ndarray, a_keys: Iterable[Any], b_keys: Iterable[Any]
) -> list[tuple[int, int, float]]:
    if len(a) == 0:
        return []
    tolerance = overlap_tolerance()
    found = []
    for shared, key_a, key_b in zip(shapely.intersection(a, b), a_keys, b_keys, strict=True):
        area = area_m2(shared)
        if area > tolerance:
            found.append((int(key_a), int(key_b), area))
    return found


def visible(queryset: Any, actor: Any) -> Any:
    """``visible_to(actor)``, except that ``None`` (the operator at the CLI) sees everything.

    ``scope_for(None)`` is the anonymous scope (nothing), which is right for
    the web but not for ``gridgov import-places`` run by the operator.
    """
    return queryset if actor is None else queryset.visible_to(actor)


def fetch_in(queryset: Any, lookup: str, values: Iterable[Any]) -> list[Any]:
    """Rows of ``queryset`` whose ``lookup`` is in ``values``, queried in chunks."""
    distinct = sorted(set(values))
    rows: list[Any] = []
    for part in chunked(distinct):
        rows.extend(queryset.filter(**{f"{lookup}__in": part}))
    return rows


def forbidden_grid_message(grid_pk: int, grid_name: str, actor: Any, cache: dict[int, str]) -> str:
    """Why the actor may not add buildings here, naming the grid only if they may see it."""
    if grid_pk not in cache:
        from gridgov.places.models import Grid

        cache[grid_pk] = (
            _("You may not add buildings to grid %s.") % grid_name
            if visible(Grid.objects.filter(pk=grid_pk), actor).exists()
            else _("The point lies outside the grids you may change.")
        )
    return cache[grid_pk]
