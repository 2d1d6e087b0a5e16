"""Excel import of buildings (楼栋) and households (住户), the register street offices keep.

The workbook is read (``excel_sheets``), every row checked (``excel_check``)
and, only if no row has a problem, written by one bulk action with one audit
row (``bulk``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gridgov.core.errors import ActionError
from gridgov.places import index
from gridgov.places.io.bulk import bulk_create_buildings_and_households
from gridgov.places.io.excel_check import ExcelCheck
from gridgov.places.io.excel_sheets import BUILDING_SHEET, HOUSEHOLD_SHEET, read_workbook
from gridgov.places.io.validation import XLSX, ImportIssue, ImportResult, failed


def import_excel(
    data: bytes, *, actor: Any = None, dry_run: bool = False, source: str = ""
) -> ImportResult:
    """Check a workbook of buildings and households and, if it is clean, write it.

    ``actor`` is the user importing (``None`` = the operator at the CLI);
    ``source`` (the file name) goes into the audit row.
    """
    sheets, why = read_workbook(data)
    if why is not None:
        return failed(XLSX, why, dry_run=dry_run)
    check = ExcelCheck(actor)
    check.run(sheets[BUILDING_SHEET], sheets[HOUSEHOLD_SHEET])
    result = ImportResult(format=XLSX, dry_run=dry_run)
    if check.errors:
        result.errors = check.errors
        return result
    result.created = {"buildings": len(check.buildings), "households": len(check.households)}
    if dry_run:
        return result
    try:
        with transaction.atomic():
            result.created = bulk_create_buildings_and_households(
                buildings=check.buildings, households=check.households, actor=actor, source=source
            )
    except ActionError as exc:
        result.created = {}
        result.errors = [ImportIssue(None, next(iter(exc.errors), "__all__"), exc.message)]
        index.invalidate()
    return result
