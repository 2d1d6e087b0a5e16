"""`gridgov sweep [--at ISO-DATETIME]`: one deadlines pass, as if it were that time.

For cron, for catching up after downtime, and for tests.  A naive time is
read in the deployment's time zone (TIME_ZONE, Asia/Shanghai by default).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gridgov.cases.sweep import sweep


def parse_at(value: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; naive ones are in the current time zone."""
    try:
        at = datetime.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise CommandError(f"--at: not an ISO date-time: {value!r}") from exc
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


class Command(BaseCommand):
    help = (
        "One pass of the deadlines sweep: overdue responses are notified, overdue "
        "resolutions escalate one level up, unanswered whistles are notified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            default=None,
            help="sweep as if it were this time (ISO 8601, e.g. 2025-03-01T09:00; default now)",
        )
        parser.add_argument(
            "--batch", type=int, default=50, help="rows locked per transaction (default 50)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = parse_at(options["at"]) if options["at"] else None
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        report = sweep(at, batch=options["batch"])
        for line in report.lines():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(f"{len(report.errors)} rows failed (see above)")
