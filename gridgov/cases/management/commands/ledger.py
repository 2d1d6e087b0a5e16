"""`gridgov ledger verify`: recompute the hash chain of every case's ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.cases.ledger import verify_ledger


class Command(BaseCommand):
    help = "Check the ledger (台账): any edited, inserted or deleted event is reported."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="recompute every case's hash chain")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = verify_ledger()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger damaged: {len(problems)} of {checked} cases")
        self.stdout.write(f"ledger intact: {checked} cases")
