"""`gridgov rezone --street CODE [--dry-run]`: make the party chain follow the grids."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.party.actions import rezone
from gridgov.places.models import Street


class Command(BaseCommand):
    help = "Reassign buildings to the grid their point lies in and members to that grid's branch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--street", help="street code (default: every street)")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would move, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        streets = Street.objects.all()
        if options["street"]:
            streets = streets.filter(code=options["street"])
            if not streets.exists():
                raise CommandError(f"No street with code {options['street']!r}.")
        for street in streets:
            report = rezone(street=street, dry_run=options["dry_run"])
            prefix = "[dry run] " if options["dry_run"] else ""
            self.stdout.write(
                f"{prefix}{street.name}: {len(report.buildings)} buildings, "
                f"{len(report.groups)} party groups, {len(report.members)} members moved"
            )
            for row in report.buildings:
                self.stdout.write(f"  building {row['building']}: {row['from']} -> {row['to']}")
            for row in report.groups:
                self.stdout.write(f"  group {row['group']}: {row['from']} -> {row['to']}")
            for row in report.members:
                self.stdout.write(f"  member {row['member']}: {row['from']} -> {row['to']}")
            for row in report.unplaced:
                name = row.get("building") or row.get("member")
                self.stdout.write(f"  not placed: {name} ({row['reason']})")
