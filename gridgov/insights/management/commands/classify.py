"""`gridgov classify`: JSON Lines in ({"text": ...}), one suggestion line out per input.

Output per line: {"category": CODE, "confidence": P, "top": [{"category": CODE,
"score": P}, ...]}. A line that is not a JSON object with a text of 1 to 2000
characters gets {"error": "..."} in its place; the exit status is then 1.
Works on a fresh install: the first use trains from the shipped corpus.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gridgov.insights.classifier import suggest
from gridgov.insights.jsonl import read_batches

TEXT_MAX = 2000


def _text_of(row: Any) -> str:
    if not isinstance(row, dict):
        raise ValueError("each line must be a JSON object")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"text" must be a non-empty string')
    if len(text) > TEXT_MAX:
        raise ValueError(f'"text" is longer than {TEXT_MAX} characters')
    return text


class Command(BaseCommand):
    help = "Suggest categories for texts: JSON Lines on stdin, one JSON line per input on stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="texts per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        out = sys.stdout
        for batch in read_batches(sys.stdin, max(1, options["batch"]), _text_of):
            good = [item for item in batch if item.error is None]
            predictions = iter(suggest([item.value for item in good]))
            for item in batch:
                if item.error is not None:
                    failed = True
                    result: dict[str, Any] = {"line": item.line, "error": item.error}
                else:
                    result = next(predictions).as_json()
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
        if failed:
            sys.exit(1)
