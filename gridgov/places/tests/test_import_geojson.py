"""GeoJSON import: every problem is reported with its feature number and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gridgov.cli import main as gridgov_main
from gridgov.core.errors import ActionError
from gridgov.core.models import AuditLogEntry
from gridgov.places.io import import_geojson, import_places
from gridgov.places.models import Building, Community, Grid, Household
from tests.personas import square

STREET = "370203901"
C1 = "370203901001"
# Free land north of the world's grids (which span lat 36.10-36.11).
FREE = square(120.30, 36.12, 120.31, 36.13)
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.35, 36.2], [120.36, 36.21], [120.36, 36.2], [120.35, 36.21], [120.35, 36.2]]
    ],
}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def community(code: str, name: str, street: str = STREET) -> dict[str, Any]:
    return feature(None, kind="community", street=street, code=code, name=name)


def grid(code: str, name: str, geometry: Any, community: str = C1, **extra: Any) -> dict[str, Any]:
    return feature(
        geometry,
        kind="grid",
        street=extra.pop("street", STREET),
        community=community,
        code=code,
        name=name,
        **extra,
    )


def building(name: str, address: str, lng: Any, lat: Any, **extra: Any) -> dict[str, Any]:
    return feature(
        {"type": "Point", "coordinates": [lng, lat]},
        kind="building",
        name=name,
        address=address,
        **extra,
    )


def counts() -> tuple[int, int, int, int]:
    return (
        Community.objects.count(),
        Grid.objects.count(),
        Building.objects.count(),
        Household.objects.count(),
    )


def where(result: Any) -> set[tuple[int | None, str]]:
    return {(issue.number, issue.field) for issue in result.errors}


def test_it_creates_communities_grids_and_buildings_through_actions(world):
    data = collection(
        community("370203901003", "三社区"),
        grid("G-NEW-1", "新网格", FREE, community="370203901003", layers=["party", "city"]),
        grid("G-NEW-2", "北网格", square(120.31, 36.12, 120.32, 36.13), community="一社区"),
        building("新楼1号", "青岛市市北区新路1号", 120.305, 36.125, grid="G-NEW-1", floors=6),
        building("旧网格新楼", "青岛市市北区万安一路8号", 120.306, 36.106),
    )
    result = import_geojson(data, actor=world.street_admin)
    assert result.ok, result.errors
    assert result.created == {"communities": 1, "grids": 2, "buildings": 2}
    new_grid = Grid.objects.get(code="G-NEW-1")
    assert new_grid.community.name == "三社区" and new_grid.layers == ["party", "city"]
    assert Grid.objects.get(code="G-NEW-2").community == world.c1
    assert Building.objects.get(name="新楼1号").grid == new_grid
    assert Building.objects.get(name="旧网格新楼").grid == world.grid_a
    actions = list(
        AuditLogEntry.objects.filter(actor=world.street_admin).values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        ["create_community", "create_grid", "create_grid", "create_building", "create_building"]
    )


def test_a_dry_run_checks_the_file_but_writes_nothing(world):
    before = counts()
    result = import_geojson(collection(grid("G-NEW-1", "新网格", FREE)), dry_run=True)
    assert result.ok and result.dry_run and result.created["grids"] == 1
    assert counts() == before


def test_it_rejects_self_intersecting_grid_with_feature_number(world):
    before = counts()
    result = import_geojson(
        collection(grid("G-OK", "好网格", FREE), grid("G-BAD", "蝴蝶", BOW_TIE))
    )
    assert where(result) == {(2, "geometry")}
    assert "2" in str(result.errors[0]) and "geometry" in str(result.errors[0])
    assert counts() == before


def test_it_rejects_grids_overlapping_each_other_in_the_file(world):
    before = counts()
    result = import_geojson(
        collection(
            grid("G-1", "甲", FREE),
            grid("G-2", "乙", square(120.305, 36.12, 120.315, 36.13)),
        )
    )
    assert where(result) == {(2, "geometry")}
    assert counts() == before


def test_it_rejects_a_grid_overlapping_a_stored_grid(world):
    before = counts()
    result = import_geojson(
        collection(
            grid("G-1", "甲", FREE), grid("G-2", "乙", square(120.305, 36.10, 120.315, 36.11))
        )
    )
    assert where(result) == {(2, "geometry")}
    assert world.grid_a.code in result.errors[0].message
    assert counts() == before


def test_grids_sharing_only_an_edge_are_not_overlapping(world):
    result = import_geojson(
        collection(grid("G-1", "甲", FREE), grid("G-2", "乙", square(120.31, 36.12, 120.32, 36.13)))
    )
    assert result.ok, result.errors


def test_overlap_up_to_the_tolerance_is_accepted(world, settings):
    # A sliver about 0.0001° (≈ 9 m) wide along a 1.1 km edge: roughly 10,000 m².
    sliver = square(120.3099, 36.12, 120.32, 36.13)
    data = collection(grid("G-1", "甲", FREE), grid("G-2", "乙", sliver))
    assert where(import_geojson(data, dry_run=True)) == {(2, "geometry")}
    settings.GRIDGOV_OVERLAP_TOLERANCE_M2 = 20_000
    assert import_geojson(data, dry_run=True).ok


def test_it_rejects_unknown_street_and_community(world):
    before = counts()
    result = import_geojson(
        collection(
            grid("G-1", "甲", FREE, street="999999"),
            grid("G-2", "乙", square(120.31, 36.12, 120.32, 36.13), community="没有的社区"),
            building("楼", "地址", 120.305, 36.125, grid="G-NONE"),
        )
    )
    assert {(1, "street"), (2, "community")} <= where(result)
    assert counts() == before


def test_it_rejects_a_community_of_another_street(world):
    result = import_geojson(collection(grid("G-1", "甲", FREE, community="370203902001")))
    assert where(result) == {(1, "community")}


def test_it_rejects_duplicate_names_in_the_file_and_in_the_database(world):
    before = counts()
    result = import_geojson(
        collection(
            grid("G-1", "一网格", FREE),  # C1 has 一网格 already
            grid("G-2", "新网格", square(120.31, 36.12, 120.32, 36.13)),
            grid("G-3", "新网格", square(120.32, 36.12, 120.33, 36.13)),
            community("370203901009", "一社区"),
        )
    )
    assert where(result) == {(1, "name"), (3, "name"), (4, "name")}
    assert counts() == before


def test_it_rejects_duplicate_codes_in_the_file_and_in_the_database(world):
    result = import_geojson(
        collection(
            grid(world.grid_a.code, "甲", FREE),
            grid("G-2", "乙", square(120.31, 36.12, 120.32, 36.13)),
            grid("G-2", "丙", square(120.32, 36.12, 120.33, 36.13)),
            community(C1, "新社区"),
        )
    )
    assert where(result) == {(1, "code"), (3, "code"), (4, "code")}


def test_it_rejects_coordinates_out_of_range_or_not_numbers(world):
    before = counts()
    result = import_geojson(
        collection(
            building("甲", "地址1", 200, 36.105),
            building("乙", "地址2", "120.3", 36.105),
            building("丙", "地址3", 120.305, 95),
            grid("G-1", "甲", square(120.30, 36.12, 190, 36.13)),
        )
    )
    assert where(result) == {(1, "lng"), (2, "lng"), (3, "lat"), (4, "geometry")}
    assert counts() == before


def test_it_rejects_a_building_outside_every_grid(world):
    before = counts()
    result = import_geojson(collection(building("野楼", "荒地1号", 120.5, 36.5)))
    assert where(result) == {(1, "geometry")}
    assert counts() == before


def test_it_rejects_a_building_whose_grid_code_is_not_where_its_point_is(world):
    result = import_geojson(
        collection(
            building("甲", "地址1", 120.305, 36.105, grid=world.grid_b.code),
            building("乙", "地址2", 120.306, 36.105, grid="NO-SUCH-GRID"),
        )
    )
    assert where(result) == {(1, "grid"), (2, "grid")}


def test_it_rejects_duplicate_building_names_and_addresses(world):
    result = import_geojson(
        collection(
            building(world.building_a.name, "新地址", 120.305, 36.104),
            building("新楼", world.building_a.address, 120.306, 36.104),
            building("双楼", "双地址", 120.307, 36.104),
            building("双楼", "双地址", 120.308, 36.104),
        )
    )
    assert where(result) == {(1, "name"), (2, "address"), (4, "name"), (4, "address")}


def test_it_reports_every_missing_property_and_unknown_kind(world):
    result = import_geojson(
        collection(
            feature(FREE, kind="grid", street=STREET, community=C1),
            feature(None, kind="park"),
            {"type": "Feature", "geometry": None},
        )
    )
    assert where(result) == {(1, "code"), (1, "name"), (2, "kind"), (3, "properties")}


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("places.geojson", b"PK\x03\x04 an excel workbook"),
        ("places.geojson", b"\x89PNG\r\n\x1a\n"),
        ("places.json", b"this is not json"),
        ("places.geojson", json.dumps({"type": "Feature", "properties": {}}).encode()),
        ("places.geojson", b"[1, 2]"),
        ("places.txt", collection(grid("G-1", "甲", FREE))),
        ("places", collection(grid("G-1", "甲", FREE))),
        ("places.xls", b"\xd0\xcf\x11\xe0"),
    ],
)
def test_it_rejects_wrong_file_types(world, filename, data):
    before = counts()
    result = import_places(filename, data)
    assert where(result) == {(None, "file")}
    assert counts() == before


@pytest.mark.parametrize("data", [b"", b"  \n", collection()])
def test_it_rejects_an_empty_file_or_collection(world, data):
    result = import_places("places.geojson", data)
    assert where(result) == {(None, "file")}


def test_a_community_admin_may_not_import_grids_into_the_street(world):
    before = counts()
    result = import_geojson(collection(grid("G-1", "甲", FREE)), actor=world.community_admin)
    assert where(result) == {(1, "street")}
    assert counts() == before


def test_a_street_admin_cannot_see_another_street(world):
    result = import_geojson(
        collection(grid("G-1", "甲", FREE, street="370203902", community="370203902001")),
        actor=world.street_admin,
    )
    assert where(result) == {(1, "street")}


def test_a_refused_write_rolls_back_everything(world, monkeypatch):
    def refuse(**kwargs: Any) -> None:
        raise ActionError("no", {"address": ["no"]})

    monkeypatch.setattr("gridgov.places.io.geojson.create_building", refuse)
    before = counts()
    result = import_geojson(
        collection(
            community("370203901003", "三社区"),
            grid("G-1", "甲", FREE, community="370203901003"),
            building("楼", "地址", 120.305, 36.125),
        )
    )
    assert where(result) == {(3, "address")}
    assert not result.created
    assert counts() == before


def test_the_command_prints_counts(world, tmp_path, capsys):
    path = tmp_path / "places.geojson"
    path.write_bytes(collection(grid("G-1", "甲", FREE)))
    call_command("import_places", str(path))
    assert "1" in capsys.readouterr().out
    assert Grid.objects.filter(code="G-1").exists()


def test_the_command_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "places.geojson"
    path.write_bytes(collection(grid("G-1", "甲", FREE)))
    call_command("import_places", str(path), "--dry-run")
    assert not Grid.objects.filter(code="G-1").exists()


def test_the_command_prints_each_error_and_fails(world, tmp_path, capsys):
    path = tmp_path / "places.geojson"
    path.write_bytes(collection(grid("G-1", "甲", BOW_TIE), grid(world.grid_a.code, "乙", FREE)))
    with pytest.raises(CommandError):
        call_command("import_places", str(path))
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert not Grid.objects.filter(code="G-1").exists()


def test_the_gridgov_command_exits_with_status_1_on_errors(world, tmp_path):
    path = tmp_path / "places.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(SystemExit) as caught:
        gridgov_main(["import-places", str(path)])
    assert caught.value.code == 1
