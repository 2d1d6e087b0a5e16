"""`gridgov grant-role`: operators give roles from the shell."""

import pytest
from django.core.management import CommandError, call_command

from gridgov.accounts.models import RoleAssignment


def test_it_creates_user_and_grants_grid_worker_role(world):
    call_command(
        "grant_role",
        "newworker",
        "grid_worker",
        f"grid:{world.grid_b.code}",
        "--password",
        "pw-123456",
    )
    assignment = RoleAssignment.objects.get(user__username="newworker")
    assert assignment.grid_id == world.grid_b.pk


def test_it_grants_department_clerk_by_street_and_department_code(world):
    call_command(
        "grant_role", "outsider", "department_clerk", f"department:{world.street.code}/urban"
    )
    assert RoleAssignment.objects.get(user=world.outsider).department_id == world.dept_urban.pk


@pytest.mark.parametrize(
    "args",
    [
        ("nobody", "grid_worker", "grid:370203901001001"),  # missing user, no password
        ("outsider", "grid_worker", "grid:000"),  # unknown grid
        ("outsider", "grid_worker", "planet:mars"),  # unknown target kind
        ("outsider", "grid_worker", "street:370203901"),  # wrong target kind for the role
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(world, args):
    before = RoleAssignment.objects.count()
    with pytest.raises(CommandError):
        call_command("grant_role", *args)
    assert RoleAssignment.objects.count() == before
