"""`gridgov duplicates`: JSON Lines of reports in, one {"id", "duplicate_of"} line out per report.

Each input line: {"id", "text", "lat", "lng", "reported_at" (ISO 8601 with a
time zone, or taken as the deployment's), "category" (optional)}.
``duplicate_of`` is the id of the earliest report of the same problem, or
null. Output keeps the input order. A bad line gets {"line": N, "error": ...}
in its place and the exit status is 1; it takes no part in the matching.
Runs on a fresh install (the classifier reads what each report is about).
"""

from __future__ import annotations

import datetime
import json
import math
import sys
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from gridgov.algorithms.dedupe import Report, find_duplicates
from gridgov.insights.classifier import suggest
from gridgov.insights.jsonl import read_batches


def _number(row: dict[str, Any], key: str, limit: float) -> float:
    value = row.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f'"{key}" must be a number')
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f'"{key}" is out of range')
    return float(value)


def report_of(row: Any) -> Report:
    if not isinstance(row, dict):
        raise ValueError("each line must be a JSON object")
    report_id = row.get("id")
    if not isinstance(report_id, str | int) or isinstance(report_id, bool) or report_id == "":
        raise ValueError('"id" must be a string or a number')
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"text" must be a non-empty string')
    lat, lng = _number(row, "lat", 90), _number(row, "lng", 180)
    try:
        at = datetime.datetime.fromisoformat(str(row.get("reported_at")))
    except ValueError:
        raise ValueError('"reported_at" must be an ISO 8601 time') from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    category = row.get("category")
    if category is not None and not isinstance(category, str):
        raise ValueError('"category" must be a string when given')
    return Report(str(report_id), text, lat, lng, at, category or None)


class Command(BaseCommand):
    help = "Find duplicate reports: JSON Lines on stdin, one {id, duplicate_of} line per report."

    def handle(self, *args: Any, **options: Any) -> None:
        items = [item for batch in read_batches(sys.stdin, 10_000, report_of) for item in batch]
        reports = [item.value for item in items if item.error is None]
        ids = [report.id for report in reports]
        if len(ids) != len(set(ids)):
            seen: set[str] = set()
            for item in items:
                if item.error is None:
                    if item.value.id in seen:
                        item.error, item.value = '"id" repeats an earlier line', None
                    seen.add(item.value.id if item.value else "")
            reports = [item.value for item in items if item.error is None]
        # The classifier's reading of each text: what the report is about, whatever its category.
        read = []
        for first in range(0, len(reports), 5000):
            batch = reports[first : first + 5000]
            guesses = suggest([r.text for r in batch])
            read += [replace(r, topics=dict(g.top)) for r, g in zip(batch, guesses, strict=True)]
        found = find_duplicates(read)
        out = sys.stdout
        for item in items:
            if item.error is not None:
                result: dict[str, Any] = {"line": item.line, "error": item.error}
            else:
                result = {"id": item.value.id, "duplicate_of": found[item.value.id]}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
        if any(item.error is not None for item in items):
            sys.exit(1)
