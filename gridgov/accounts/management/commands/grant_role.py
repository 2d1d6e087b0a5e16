"""`gridgov grant-role USERNAME ROLE TARGET`: give a user a role (creating the user if asked).

TARGET names the place or unit:
  street:CODE  community:CODE  grid:CODE  branch:GRID_CODE
  department:STREET_CODE/DEPT_CODE  organisation:STREET_CODE/NAME
  household:STREET_CODE/STANDARD_ADDRESS/DWELLING
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.accounts.actions import assign_role, create_user
from gridgov.accounts.models import Role
from gridgov.core.errors import ActionError
from gridgov.party.models import OrgKind, PartyOrganisation
from gridgov.places.models import Community, Department, Grid, Household, Organisation, Street


def resolve_target(spec: str) -> Any:
    kind, _, key = spec.partition(":")
    parts = key.split("/")
    lookups: dict[str, Any] = {
        "street": lambda: Street.objects.get(code=key),
        "community": lambda: Community.objects.get(code=key),
        "grid": lambda: Grid.objects.get(code=key),
        "branch": lambda: PartyOrganisation.objects.get(kind=OrgKind.GRID_BRANCH, grid__code=key),
        "department": lambda: Department.objects.get(street__code=parts[0], code=parts[1]),
        "organisation": lambda: Organisation.objects.get(street__code=parts[0], name=parts[1]),
        "household": lambda: Household.objects.get(
            street__code=parts[0], building__address=parts[1], dwelling=parts[2]
        ),
    }
    if kind not in lookups or not key:
        raise CommandError(
            f"Unknown target {spec!r}; use one of {', '.join(k + ':…' for k in lookups)}"
        )
    try:
        return lookups[kind]()
    except (IndexError, Exception) as exc:  # DoesNotExist of any model, or a short key
        raise CommandError(f"No {kind} matches {key!r}.") from exc


class Command(BaseCommand):
    help = "Give a user a role for a place or unit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument(
            "target", help="e.g. grid:370203016001001 or department:370203016/urban"
        )
        parser.add_argument("--password", help="create the user with this password if missing")

    def handle(self, *args: Any, **options: Any) -> None:
        target = resolve_target(options["target"])
        User = get_user_model()
        user = User.objects.filter(username=options["username"]).first()
        try:
            if user is None:
                if not options["password"]:
                    raise CommandError(
                        f"No user {options['username']!r}; give --password to create one."
                    )
                user = create_user(username=options["username"], password=options["password"])
            assignment = assign_role(user=user, role=options["role"], target=target)
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{user.username}: {assignment.get_role_display()} · {target}")
