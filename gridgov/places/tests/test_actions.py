"""Place actions: validation, permissions, audit rows, and the point-in-grid index."""

import pytest
from django.utils import timezone

from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.models import AuditLogEntry
from gridgov.places import index
from gridgov.places.actions import (
    change_grid_boundary,
    create_building,
    create_community,
    create_grid,
    create_household,
)
from gridgov.places.models import Building, Grid, Household
from tests.personas import square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.35, 36.2], [120.36, 36.21], [120.36, 36.2], [120.35, 36.21], [120.35, 36.2]]
    ],
}


def test_it_rejects_self_intersecting_grid(world):
    with pytest.raises(ActionError) as caught:
        create_grid(community=world.c1, code="x1", name="蝴蝶", geometry=BOW_TIE)
    assert "geometry" in caught.value.errors
    assert not Grid.objects.filter(code="x1").exists()


def test_it_rejects_grid_overlapping_a_neighbour(world):
    with pytest.raises(ActionError) as caught:
        create_grid(
            community=world.c1,
            code="x2",
            name="重叠",
            geometry=square(120.305, 36.10, 120.315, 36.11),
        )
    assert "一网格" in caught.value.message or "二网格" in caught.value.message


def test_grids_may_touch_along_an_edge(world):
    grid = create_grid(
        community=world.c2, code="x3", name="四网格", geometry=square(120.33, 36.10, 120.34, 36.11)
    )
    assert grid.area_m2 > 900_000  # ~0.01° x 0.01° near 36°N is about 1 km²


def test_grid_names_are_unique_per_community_not_per_street(world):
    with pytest.raises(ActionError):
        create_grid(
            community=world.c1,
            code="x4",
            name="一网格",
            geometry=square(120.50, 36.1, 120.51, 36.11),
        )
    create_grid(
        community=world.c2, code="x5", name="一网格", geometry=square(120.50, 36.1, 120.51, 36.11)
    )


def test_community_names_are_unique_per_street(world):
    with pytest.raises(ActionError):
        create_community(street=world.street, code="c9", name="一社区")
    create_community(street=world.other_street, code="c9", name="一社区")


def test_it_rejects_unknown_layer(world):
    with pytest.raises(ActionError) as caught:
        create_grid(
            community=world.c2,
            code="x6",
            name="五网格",
            geometry=square(120.5, 36.1, 120.51, 36.11),
            layers=["party", "spaceport"],
        )
    assert "layers" in caught.value.errors


def test_building_takes_the_grid_its_point_lies_in(world):
    assert world.building_a.grid_id == world.grid_a.pk
    assert world.building_a.community_id == world.c1.pk


def test_it_rejects_building_outside_every_grid_or_with_bad_coordinates(world):
    for lat, lng in ((36.5, 121.0), (95.0, 120.3), (float("nan"), 120.3)):
        with pytest.raises(ActionError):
            create_building(name="外面", address=f"外面{lat}", lat=lat, lng=lng)
    assert not Building.objects.filter(name="外面").exists()


def test_it_rejects_building_whose_given_grid_disagrees_with_its_point(world):
    with pytest.raises(ActionError) as caught:
        create_building(
            name="错网格", address="错网格1号", lat=36.105, lng=120.305, grid=world.grid_b
        )
    assert "grid" in caught.value.errors


def test_standard_address_is_unique_per_street(world):
    with pytest.raises(ActionError):
        create_building(name="另一个", address="青岛市市北区万安一路6号", lat=36.104, lng=120.304)


def test_grid_worker_may_add_households_in_own_grid_only(world):
    create_household(building=world.building_a, dwelling="3-303", actor=world.grid_worker_a)
    with pytest.raises(NotPermitted):
        create_household(building=world.building_b, dwelling="3-303", actor=world.grid_worker_a)
    assert not Household.objects.filter(building=world.building_b, dwelling="3-303").exists()


def test_community_admin_may_not_draw_grids(world):
    with pytest.raises(NotPermitted):
        create_grid(
            community=world.c1,
            code="x7",
            name="七网格",
            geometry=square(120.5, 36.1, 120.51, 36.11),
            actor=world.community_admin,
        )


def test_every_action_writes_an_audit_row(world):
    before = AuditLogEntry.objects.count()
    create_household(building=world.building_a, dwelling="9-909", actor=world.street_admin)
    entry = AuditLogEntry.objects.order_by("-id").first()
    assert AuditLogEntry.objects.count() == before + 1
    assert entry.action == "create_household" and entry.actor == world.street_admin


def test_index_is_rebuilt_when_a_grid_changes(world):
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_a.pk
    change_grid_boundary(grid=world.grid_a, geometry=square(120.30, 36.10, 120.301, 36.11))
    change_grid_boundary(grid=world.grid_b, geometry=square(120.301, 36.10, 120.32, 36.11))
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_b.pk


def test_another_processs_change_is_seen_after_the_recheck_interval(world, settings):
    settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS = 3600
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_a.pk
    # As another process would: a write this process's signals do not see.
    Grid.objects.filter(pk=world.grid_a.pk).update(
        geometry=square(120.30, 36.10, 120.301, 36.11), updated_at=timezone.now()
    )
    Grid.objects.filter(pk=world.grid_b.pk).update(
        geometry=square(120.301, 36.10, 120.32, 36.11), updated_at=timezone.now()
    )
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_a.pk  # not rechecked yet

    settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS = 0

    assert index.locate_grid_id(36.105, 120.3015) == world.grid_b.pk


def test_a_grid_saved_in_this_process_is_seen_at_once(world, settings):
    settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS = 3600
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_a.pk
    change_grid_boundary(grid=world.grid_a, geometry=square(120.30, 36.10, 120.301, 36.11))
    change_grid_boundary(grid=world.grid_b, geometry=square(120.301, 36.10, 120.32, 36.11))
    assert index.locate_grid_id(36.105, 120.3015) == world.grid_b.pk
    assert index.locate_grid_place(36.105, 120.3015) == (
        world.grid_b.pk,
        world.grid_b.community_id,
        world.grid_b.street_id,
    )


def test_point_on_shared_edge_belongs_to_exactly_one_grid_every_time(world):
    answers = {index.locate_grid_id(36.105, 120.31) for _ in range(3)}
    assert answers == {min(world.grid_a.pk, world.grid_b.pk)}


def test_change_boundary_refuses_overlap_and_keeps_old_polygon(world):
    before = Grid.objects.get(pk=world.grid_a.pk).geometry
    with pytest.raises(ActionError):
        change_grid_boundary(grid=world.grid_a, geometry=square(120.30, 36.10, 120.315, 36.11))
    assert Grid.objects.get(pk=world.grid_a.pk).geometry == before


def test_it_rejects_grid_overlapping_a_grid_of_another_street(world):
    with pytest.raises(ActionError):
        create_grid(
            community=world.c2,
            code="x8",
            name="越界",
            geometry=square(120.405, 36.10, 120.42, 36.11),
        )


def test_geometry_errors_are_translated(world):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ActionError) as caught:
        create_grid(community=world.c1, code="x9", name="蝴蝶2", geometry=BOW_TIE)
    assert "自相交" in caught.value.errors["geometry"][0]
