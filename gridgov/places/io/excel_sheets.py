"""Reading the workbook: the 楼栋 and 住户 sheets, their headers (Chinese or English) and rows.

Row numbers are kept as Excel shows them (the header is row 1) so every
issue points at the row the user sees; blank rows are skipped.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gridgov.places.io.validation import clean_text, sniff_binary

BUILDING_SHEET, HOUSEHOLD_SHEET = "楼栋", "住户"
SHEET_ALIASES = {BUILDING_SHEET: ("楼栋", "buildings"), HOUSEHOLD_SHEET: ("住户", "households")}
# key -> accepted headers; the first is what the export writes.
BUILDING_COLUMNS = {
    "grid_code": ("网格编码", "grid_code", "grid"),
    "name": ("楼栋名称", "name"),
    "address": ("标准地址", "address"),
    "road": ("道路", "road"),
    "door_number": ("门牌号", "door_number"),
    "floors": ("楼层", "floors"),
    "lat": ("纬度", "lat", "latitude"),
    "lng": ("经度", "lng", "longitude"),
}
HOUSEHOLD_COLUMNS = {
    "building_address": ("标准地址", "building_address", "address"),
    "dwelling": ("房号", "dwelling"),
    "head_name": ("户主", "head_name"),
    "phone": ("电话", "phone"),
    "size": ("人数", "size"),
}
BUILDING_REQUIRED = ("name", "address", "lat", "lng")
HOUSEHOLD_REQUIRED = ("building_address", "dwelling")
MAX_FLOORS = 200
MAX_HOUSEHOLD_SIZE = 100


@dataclass
class Sheet:
    """One sheet's data rows as {column key: cell value}, by Excel row number."""

    name: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def read_workbook(data: bytes) -> tuple[dict[str, Sheet | None], str | None]:
    """The two sheets (None where absent), or why the bytes are no usable workbook."""
    if not data.strip():
        return {}, _("The file is empty.")
    kind = sniff_binary(data)
    if kind != "xlsx":
        return {}, _("The file is not a valid .xlsx workbook (it looks like %s).") % (
            kind or _("text or an unknown format")
        )
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return {}, _("The file is not a valid .xlsx workbook.")
    try:
        found: dict[str, Sheet | None] = {BUILDING_SHEET: None, HOUSEHOLD_SHEET: None}
        by_name = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        columns = {BUILDING_SHEET: BUILDING_COLUMNS, HOUSEHOLD_SHEET: HOUSEHOLD_COLUMNS}
        required = {BUILDING_SHEET: BUILDING_REQUIRED, HOUSEHOLD_SHEET: HOUSEHOLD_REQUIRED}
        for sheet, aliases in SHEET_ALIASES.items():
            ws = next((by_name[a] for a in aliases if a in by_name), None)
            if ws is not None:
                found[sheet] = _read_sheet(
                    sheet, ws.iter_rows(values_only=True), columns[sheet], required[sheet]
                )
    finally:
        workbook.close()
    if all(sheet is None for sheet in found.values()):
        return {}, _("The workbook has no sheet named 楼栋 (buildings) or 住户 (households).")
    if not any(sheet is not None and (sheet.rows or sheet.missing) for sheet in found.values()):
        return {}, _("The workbook is empty: no building or household rows.")
    return found, None


def _read_sheet(
    name: str, rows: Any, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> Sheet:
    sheet = Sheet(name)
    header = next(rows, None)
    if header is None:
        return sheet
    wanted = {alias.lower(): key for key, aliases in columns.items() for alias in aliases}
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = wanted.get(clean_text(cell).lower())
        if key is not None and key not in positions:
            positions[key] = position
    sheet.missing = [key for key in required if key not in positions]
    for number, values in enumerate(rows, start=2):
        if all(value is None or clean_text(value) == "" for value in values):
            continue
        sheet.rows.append(
            (
                number,
                {
                    key: values[position] if position < len(values) else None
                    for key, position in positions.items()
                },
            )
        )
    return sheet
