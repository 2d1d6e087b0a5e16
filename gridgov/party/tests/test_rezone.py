"""Re-zoning (as in the Hexi article): members follow the grid their home lies in."""

import pytest
from django.core.management import call_command

from gridgov.core.errors import NotPermitted
from gridgov.core.models import AuditLogEntry
from gridgov.party.actions import rezone
from gridgov.party.models import PartyMember, PartyOrganisation
from gridgov.places.actions import change_grid_boundary
from gridgov.places.models import Building, Household
from tests.personas import square


def shrink_grid_a_and_grow_grid_b(world):
    """Grid A gives its eastern half (with 万安一路6号 at lng 120.305) to grid B."""
    change_grid_boundary(grid=world.grid_a, geometry=square(120.30, 36.10, 120.302, 36.11))
    change_grid_boundary(grid=world.grid_b, geometry=square(120.302, 36.10, 120.32, 36.11))


def test_rezone_with_unchanged_grids_moves_nothing(world):
    report = rezone(street=world.street)
    assert not report.changed
    assert report.unplaced == []


def test_rezone_moves_building_group_and_members_to_new_grid_branch(world):
    shrink_grid_a_and_grow_grid_b(world)
    report = rezone(street=world.street)

    building = Building.objects.get(pk=world.building_a.pk)
    assert building.grid_id == world.grid_b.pk
    assert set(Household.objects.filter(building=building).values_list("grid_id", flat=True)) == {
        world.grid_b.pk
    }
    member = PartyMember.objects.get(pk=world.member_a.pk)
    assert member.branch_id == world.branch_b.pk
    assert member.grid_id == world.grid_b.pk
    group = PartyOrganisation.objects.get(pk=world.group_a.pk)
    assert group.parent_id == world.branch_b.pk
    assert member.group_id == group.pk  # the group moved with its building
    assert [row["member"] for row in report.members] == ["张三"]
    assert [row["building"] for row in report.buildings] == ["万安一路6号"]
    assert AuditLogEntry.objects.filter(action="rezone").count() == 1


def test_rezone_is_idempotent(world):
    shrink_grid_a_and_grow_grid_b(world)
    rezone(street=world.street)
    assert not rezone(street=world.street).changed


def test_rezone_dry_run_reports_but_changes_nothing(world):
    shrink_grid_a_and_grow_grid_b(world)
    report = rezone(street=world.street, dry_run=True)
    assert report.members
    assert PartyMember.objects.get(pk=world.member_a.pk).branch_id == world.branch_a.pk
    assert Building.objects.get(pk=world.building_a.pk).grid_id == world.grid_a.pk


def test_rezone_moved_members_become_visible_to_new_grid_worker(world):
    shrink_grid_a_and_grow_grid_b(world)
    rezone(street=world.street)
    assert PartyMember.objects.visible_to(world.grid_worker_b).filter(pk=world.member_a.pk).exists()
    assert (
        not PartyMember.objects.visible_to(world.grid_worker_a)
        .filter(pk=world.member_a.pk)
        .exists()
    )


def test_only_a_street_admin_may_rezone(world):
    with pytest.raises(NotPermitted):
        rezone(street=world.street, actor=world.grid_worker_a)
    rezone(street=world.street, actor=world.street_admin)


def test_rezone_command_reports_what_moved(world, capsys):
    shrink_grid_a_and_grow_grid_b(world)
    call_command("rezone", "--street", world.street.code)
    out = capsys.readouterr().out
    assert "member 张三: 一网格党支部 -> 二网格党支部" in out
