"""GeoJSON import in update mode: existing grids are redrawn and their street re-zoned."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gridgov.core.errors import ActionError
from gridgov.core.models import AuditLogEntry
from gridgov.party.models import PartyMember, PartyOrganisation
from gridgov.places import index
from gridgov.places.actions import GridRedraw, redraw_grids
from gridgov.places.io import import_geojson, import_places
from gridgov.places.models import Building, Grid
from gridgov.places.tests.test_import_geojson import building, collection, community, grid
from tests.personas import square

# Grid A gives its eastern part, with 万安一路6号 (lng 120.305), to grid B.
A_SHRUNK = square(120.30, 36.10, 120.302, 36.11)
B_GROWN = square(120.302, 36.10, 120.32, 36.11)
C2 = "370203901002"


def redraw_a_and_b(world: Any, b_first: bool = False) -> bytes:
    features = [
        grid(world.grid_a.code, world.grid_a.name, A_SHRUNK),
        grid(world.grid_b.code, world.grid_b.name, B_GROWN),
    ]
    return collection(*(reversed(features) if b_first else features))


def snapshot(world: Any) -> dict[str, Any]:
    """What an update may change: boundaries, where 万安一路6号 is, 张三's branch, audit rows."""
    return {
        "geometries": dict(Grid.objects.values_list("code", "geometry")),
        "building_grid": Building.objects.get(pk=world.building_a.pk).grid_id,
        "member_branch": PartyMember.objects.get(pk=world.member_a.pk).branch_id,
        "group_parent": PartyOrganisation.objects.get(pk=world.group_a.pk).parent_id,
        "audit": AuditLogEntry.objects.count(),
    }


@pytest.mark.parametrize("b_first", [False, True], ids=["a-then-b", "b-then-a"])
def test_update_moves_the_border_and_rezones_in_either_order(world, b_first):
    result = import_geojson(redraw_a_and_b(world, b_first), actor=world.street_admin, update=True)
    assert result.ok, result.errors
    assert result.updated == {"grids": 2}
    assert result.created["grids"] == 0
    assert Grid.objects.get(pk=world.grid_a.pk).geometry["coordinates"] == A_SHRUNK["coordinates"]
    assert Grid.objects.get(pk=world.grid_b.pk).max_lng == pytest.approx(120.32)
    assert Building.objects.get(pk=world.building_a.pk).grid_id == world.grid_b.pk
    member = PartyMember.objects.get(pk=world.member_a.pk)
    assert (member.branch_id, member.grid_id) == (world.branch_b.pk, world.grid_b.pk)
    report = result.rezone[world.street.name]
    assert report.buildings == [{"building": "万安一路6号", "from": "一网格", "to": "二网格"}]
    assert report.members == [{"member": "张三", "from": "一网格党支部", "to": "二网格党支部"}]
    assert [row["group"] for row in report.groups] == ["万安一路6号党小组"]
    redraws = AuditLogEntry.objects.filter(action="change_grid_boundary", actor=world.street_admin)
    assert redraws.count() == 2
    assert all({"before", "after"} <= set(entry.data) for entry in redraws)
    assert AuditLogEntry.objects.filter(action="rezone", actor=world.street_admin).count() == 1
    assert index.locate_grid_id(36.105, 120.305) == world.grid_b.pk


def test_update_refuses_an_overlap_with_a_stored_grid_not_in_the_file(world):
    before = snapshot(world)
    into_c = square(120.302, 36.10, 120.325, 36.11)  # grid B would swallow half of grid C
    data = collection(
        grid(world.grid_a.code, world.grid_a.name, A_SHRUNK),
        grid(world.grid_b.code, world.grid_b.name, into_c),
    )
    result = import_geojson(data, actor=world.street_admin, update=True)
    assert [(issue.number, issue.field) for issue in result.errors] == [(2, "geometry")]
    assert world.grid_c.code in result.errors[0].message
    assert not result.rezone and not result.updated
    assert snapshot(world) == before


def test_update_may_not_move_a_grid_to_another_community(world):
    before = snapshot(world)
    data = collection(
        grid(world.grid_a.code, world.grid_a.name, A_SHRUNK, community=C2),
        community("370203901003", "三社区"),
        grid(world.grid_b.code, world.grid_b.name, B_GROWN, community="370203901003"),
    )
    result = import_geojson(data, actor=world.street_admin, update=True)
    assert {(issue.number, issue.field) for issue in result.errors} == {
        (1, "community"),
        (3, "community"),
    }
    assert snapshot(world) == before


def test_update_dry_run_reports_the_moves_but_changes_nothing(world):
    before = snapshot(world)
    result = import_geojson(
        redraw_a_and_b(world), actor=world.street_admin, dry_run=True, update=True
    )
    assert result.ok and result.dry_run
    assert [row["member"] for row in result.rezone[world.street.name].members] == ["张三"]
    assert snapshot(world) == before
    assert index.locate_grid_id(36.105, 120.305) == world.grid_a.pk


def test_update_checks_names_in_the_final_state(world):
    duplicate = collection(grid(world.grid_a.code, world.grid_b.name, A_SHRUNK))
    result = import_geojson(duplicate, update=True)
    assert [(issue.number, issue.field) for issue in result.errors] == [(1, "name")]
    swapped = collection(
        grid(world.grid_a.code, world.grid_b.name, A_SHRUNK),
        grid(world.grid_b.code, world.grid_a.name, B_GROWN),
    )
    assert import_geojson(swapped, update=True).ok
    assert Grid.objects.get(pk=world.grid_a.pk).name == world.grid_b.name
    assert Grid.objects.get(pk=world.grid_b.pk).name == world.grid_a.name


def test_a_new_grid_may_take_land_a_redrawn_grid_gave_up(world):
    data = collection(
        grid("G-NEW", "新网格", square(120.302, 36.10, 120.31, 36.11)),
        grid(world.grid_a.code, world.grid_a.name, A_SHRUNK),
        building("新楼", "青岛市市北区万安一路9号", 120.303, 36.105, grid="G-NEW"),
    )
    result = import_geojson(data, actor=world.street_admin, update=True)
    assert result.ok, result.errors
    assert result.created == {"communities": 0, "grids": 1, "buildings": 1}
    new_grid = Grid.objects.get(code="G-NEW")
    assert Building.objects.get(pk=world.building_a.pk).grid_id == new_grid.pk
    assert Building.objects.get(name="新楼").grid_id == new_grid.pk
    # The new grid has no party branch yet: 张三 stays and is reported.
    report = result.rezone[world.street.name]
    assert [row.get("member") for row in report.unplaced] == ["张三"]
    assert PartyMember.objects.get(pk=world.member_a.pk).branch_id == world.branch_a.pk


def test_without_update_an_existing_code_is_still_a_duplicate(world):
    before = snapshot(world)
    result = import_geojson(collection(grid(world.grid_a.code, world.grid_a.name, A_SHRUNK)))
    # As before update mode existed: the code, the name and the overlap with itself.
    assert {(issue.number, issue.field) for issue in result.errors} == {
        (1, "code"),
        (1, "name"),
        (1, "geometry"),
    }
    assert result.rezone == {}
    assert snapshot(world) == before


def test_update_is_for_street_admins_of_the_grid(world):
    before = snapshot(world)
    result = import_geojson(redraw_a_and_b(world), actor=world.community_admin, update=True)
    assert {issue.field for issue in result.errors} == {"street"}
    assert snapshot(world) == before


def test_import_places_passes_update_through(world):
    result = import_places("grids.geojson", redraw_a_and_b(world), update=True)
    assert result.ok and result.updated == {"grids": 2}


def test_the_command_with_update_prints_the_moves(world, tmp_path, capsys):
    path = tmp_path / "redraw.geojson"
    path.write_bytes(redraw_a_and_b(world, b_first=True))
    call_command("import_places", str(path), "--update")
    out = capsys.readouterr().out
    assert world.street.name in out
    assert "万安一路6号" in out and "张三" in out
    assert "一网格党支部 -> 二网格党支部" in out
    assert PartyMember.objects.get(pk=world.member_a.pk).branch_id == world.branch_b.pk


def test_the_command_update_dry_run_prints_but_writes_nothing(world, tmp_path, capsys):
    before = snapshot(world)
    path = tmp_path / "redraw.geojson"
    path.write_bytes(redraw_a_and_b(world))
    call_command("import_places", str(path), "--update", "--dry-run")
    assert "张三" in capsys.readouterr().out
    assert snapshot(world) == before


def test_the_command_without_update_refuses_an_existing_code(world, tmp_path, capsys):
    path = tmp_path / "redraw.geojson"
    path.write_bytes(redraw_a_and_b(world))
    with pytest.raises(CommandError):
        call_command("import_places", str(path))
    err = capsys.readouterr().err
    assert world.grid_a.code in err and world.grid_b.code in err
    assert Building.objects.get(pk=world.building_a.pk).grid_id == world.grid_a.pk


def test_redraw_grids_checks_the_final_state_not_the_order(world):
    grid_b = Grid.objects.get(pk=world.grid_b.pk)
    grid_a = Grid.objects.get(pk=world.grid_a.pk)
    redraw_grids([GridRedraw(grid_b, B_GROWN), GridRedraw(grid_a, A_SHRUNK)])
    assert Grid.objects.get(pk=world.grid_b.pk).min_lng == pytest.approx(120.302)


def test_redraw_grids_refuses_two_redrawn_grids_that_overlap(world):
    grid_a = Grid.objects.get(pk=world.grid_a.pk)
    grid_b = Grid.objects.get(pk=world.grid_b.pk)
    with pytest.raises(ActionError):
        redraw_grids(
            [
                GridRedraw(grid_a, square(120.30, 36.10, 120.312, 36.11)),
                GridRedraw(grid_b, B_GROWN),
            ]
        )
    assert Grid.objects.get(pk=world.grid_a.pk).max_lng == pytest.approx(120.31)


def test_update_accepts_the_community_by_name(world):
    # The community may be given by name as well as by code.
    data = collection(grid(world.grid_a.code, world.grid_a.name, A_SHRUNK, community="一社区"))
    result = import_geojson(data, update=True, dry_run=True)
    assert result.ok, result.errors
