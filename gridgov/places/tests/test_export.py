"""Exports: the importers' own layouts (files round-trip), scoped by visible_to, phones masked."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import load_workbook

from gridgov.places import index
from gridgov.places.actions import (
    create_building,
    create_community,
    create_grid,
    create_household,
    create_street,
)
from gridgov.places.io import ExportError, export_excel, export_geojson, import_places
from gridgov.places.models import Building, Community, Grid, Household
from tests.personas import square


class Rollback(Exception):
    """Raised to undo the places made for an export, leaving an empty database."""


def make_places(street: Any) -> None:
    c1 = create_community(street=street, code="RT-C1", name="往返一社区")
    c2 = create_community(street=street, code="RT-C2", name="往返二社区")
    # Created out of code order: the export keeps id order, so ties replay the same way.
    create_grid(
        community=c2,
        code="RT-G2",
        name="乙",
        geometry=square(121.01, 37.0, 121.02, 37.01),
        layers=["city"],
    )
    g1 = create_grid(
        community=c1,
        code="RT-G1",
        name="甲",
        geometry={
            "type": "MultiPolygon",
            "coordinates": [
                square(121.0, 37.0, 121.01, 37.01)["coordinates"],
                square(121.0, 37.02, 121.01, 37.03)["coordinates"],
            ],
        },
    )
    a = create_building(
        name="甲楼",
        address="往返路1号",
        lat=37.005,
        lng=121.005,
        road="往返路",
        door_number="1号",
        floors=5,
        grid=g1,
    )
    create_building(
        name="边界楼", address="往返路2号", lat=37.005, lng=121.01
    )  # on the shared edge
    create_building(name="乙楼", address="往返路3号", lat=37.005, lng=121.015, floors=None)
    create_household(building=a, dwelling="1-101", head_name="钱七", phone="13900001111", size=3)
    create_household(building=a, dwelling="1-102", size=0)


def snapshot() -> dict[str, Any]:
    return {
        "communities": sorted(Community.objects.values_list("street__code", "code", "name")),
        "grids": sorted(
            (g.code, g.name, g.community.code, json.dumps(g.geometry), tuple(g.layers), g.area_m2)
            for g in Grid.objects.select_related("community")
        ),
        "buildings": sorted(
            Building.objects.values_list(
                "grid__code", "name", "address", "road", "door_number", "floors", "lat", "lng"
            )
        ),
        "households": sorted(
            Household.objects.values_list(
                "building__address", "dwelling", "head_name", "phone", "size"
            )
        ),
    }


@pytest.fixture
def street(db):
    return create_street(code="RT", name="往返街道")


def test_geojson_export_round_trips_into_an_empty_database(street):
    with pytest.raises(Rollback), transaction.atomic():
        make_places(street)
        exported = json.dumps(export_geojson(street_code="RT")).encode()
        before = snapshot()
        raise Rollback
    index.invalidate()
    assert not Grid.objects.exists()
    result = import_places("places.geojson", exported)
    assert result.ok, result.errors
    after = snapshot()
    assert {k: after[k] for k in ("communities", "grids", "buildings")} == {
        k: before[k] for k in ("communities", "grids", "buildings")
    }


def test_excel_export_round_trips_buildings_and_households(street):
    with pytest.raises(Rollback), transaction.atomic():
        make_places(street)
        exported = export_excel(street_code="RT")
        before = snapshot()
        raise Rollback
    index.invalidate()
    assert not Building.objects.exists()
    with transaction.atomic():
        c1 = create_community(street=street, code="RT-C1", name="往返一社区")
        c2 = create_community(street=street, code="RT-C2", name="往返二社区")
        create_grid(
            community=c2, code="RT-G2", name="乙", geometry=square(121.01, 37.0, 121.02, 37.01)
        )
        create_grid(
            community=c1, code="RT-G1", name="甲", geometry=square(121.0, 37.0, 121.01, 37.01)
        )
    result = import_places("register.xlsx", exported)
    assert result.ok, result.errors
    after = snapshot()
    assert after["buildings"] == before["buildings"]
    assert after["households"] == before["households"]


def test_export_shows_a_grid_worker_only_what_they_see_with_masked_phones(world):
    book = load_workbook(BytesIO(export_excel(user=world.grid_worker_a)))
    buildings = [row[1] for row in book["楼栋"].iter_rows(min_row=2, values_only=True)]
    assert buildings == [world.building_a.name]
    phones = [row[3] for row in book["住户"].iter_rows(min_row=2, values_only=True)]
    assert phones == ["138****1111", "138****2222"]
    kinds = {f["properties"]["kind"] for f in export_geojson(user=world.grid_worker_a)["features"]}
    assert kinds == {"community", "grid", "building"}


def test_street_admin_and_operator_get_full_phones(world):
    for user in (world.street_admin, None):
        book = load_workbook(BytesIO(export_excel(user=user, street_code=world.street.code)))
        phones = {row[3] for row in book["住户"].iter_rows(min_row=2, values_only=True)}
        assert "13800001111" in phones


def test_a_community_admin_gets_masked_phones(world):
    book = load_workbook(BytesIO(export_excel(user=world.community_admin)))
    phones = {row[3] for row in book["住户"].iter_rows(min_row=2, values_only=True)}
    assert phones and all("*" in phone for phone in phones)


def test_a_resident_exports_the_public_map_but_no_buildings(world):
    features = export_geojson(user=world.resident)["features"]
    assert {f["properties"]["kind"] for f in features} == {"community", "grid"}
    assert world.grid_d.code not in {f["properties"]["code"] for f in features}


def test_operator_export_covers_every_street_unless_one_is_chosen(world):
    codes = {f["properties"].get("code") for f in export_geojson()["features"]}
    assert world.grid_d.code in codes
    chosen = export_geojson(street_code=world.street.code, communities=False)["features"]
    assert world.grid_d.code not in {f["properties"].get("code") for f in chosen}
    assert "community" not in {f["properties"]["kind"] for f in chosen}


def test_exporting_a_street_the_user_cannot_see_fails(world):
    with pytest.raises(ExportError):
        export_geojson(user=world.street_admin, street_code=world.other_street.code)


def test_the_export_command_writes_geojson_and_xlsx(world, tmp_path):
    geojson = tmp_path / "places.geojson"
    call_command("export_places", "--street", world.street.code, "-o", str(geojson))
    assert len(json.loads(geojson.read_text())["features"]) == 2 + 3 + 3
    workbook = tmp_path / "register.xlsx"
    call_command("export_places", "--format", "xlsx", "-o", str(workbook))
    assert load_workbook(workbook).sheetnames == ["楼栋", "住户"]


def test_the_export_command_rejects_an_unknown_street_or_format(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_places", "--street", "nope", "-o", str(tmp_path / "a.geojson"))
    with pytest.raises(CommandError):
        call_command("export_places", "-o", str(tmp_path / "a.csv"))
