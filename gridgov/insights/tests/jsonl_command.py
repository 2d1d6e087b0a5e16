"""Run a JSON Lines command (``gridgov classify``, ``gridgov duplicates``) as a user would."""

import io
import json

from django.core.management import call_command


def run_jsonl(monkeypatch, command: str, rows: list) -> tuple[list[dict], int]:
    """Feed ``rows`` (objects, or raw strings for broken lines); the answers and the exit code."""
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = 0
    try:
        call_command(command)
    except SystemExit as stop:
        code = int(stop.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], code
