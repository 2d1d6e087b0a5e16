"""Excel import: rows checked with their sheet and row number; nothing written unless clean."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import numpy as np
import pytest
from openpyxl import Workbook

from gridgov.core.errors import ActionError
from gridgov.core.models import AuditLogEntry
from gridgov.places.io import (
    NewBuilding,
    bulk_create_buildings_and_households,
    import_excel,
    import_places,
)
from gridgov.places.models import Building, Household

BUILDING_HEADER = ["网格编码", "楼栋名称", "标准地址", "道路", "门牌号", "楼层", "纬度", "经度"]
HOUSEHOLD_HEADER = ["标准地址", "房号", "户主", "电话", "人数"]
NEW_ADDRESS = "青岛市市北区万安一路8号"


def workbook(
    buildings: list[list[Any]] | None = None,
    households: list[list[Any]] | None = None,
    building_header: list[str] = BUILDING_HEADER,
    household_header: list[str] = HOUSEHOLD_HEADER,
    sheet_names: tuple[str, str] = ("楼栋", "住户"),
) -> bytes:
    book = Workbook()
    book.remove(book.active)
    if buildings is not None:
        sheet = book.create_sheet(sheet_names[0])
        sheet.append(building_header)
        for row in buildings:
            sheet.append(row)
    if households is not None:
        sheet = book.create_sheet(sheet_names[1])
        sheet.append(household_header)
        for row in households:
            sheet.append(row)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def new_building(**changes: Any) -> list[Any]:
    row = {
        "grid": "",
        "name": "万安一路8号",
        "address": NEW_ADDRESS,
        "road": "万安一路",
        "door": "8号",
        "floors": 6,
        "lat": 36.106,
        "lng": 120.306,
    }
    row.update(changes)
    return list(row.values())


def counts() -> tuple[int, int]:
    return Building.objects.count(), Household.objects.count()


def where(result: Any) -> set[tuple[str, int | None, str]]:
    return {(issue.sheet, issue.number, issue.field) for issue in result.errors}


def test_it_creates_buildings_and_households_with_one_audit_row(world):
    data = workbook(
        buildings=[new_building(grid=world.grid_a.code)],
        households=[
            [NEW_ADDRESS, "1-101", "钱七", 13900001111, 3],
            [world.building_b.address, "2-202", "孙八", "13900002222", None],
        ],
    )
    result = import_excel(data, actor=world.street_admin, source="register.xlsx")
    assert result.ok, result.errors
    assert result.created == {"buildings": 1, "households": 2}
    made = Building.objects.get(address=NEW_ADDRESS)
    assert (made.grid, made.community, made.street) == (world.grid_a, world.c1, world.street)
    assert made.floors == 6 and made.door_number == "8号"
    household = Household.objects.get(building=made)
    assert (household.phone, household.size, household.grid_id) == ("13900001111", 3, made.grid_id)
    assert Household.objects.get(building=world.building_b, dwelling="2-202").size == 1
    entry = AuditLogEntry.objects.get(action="import_buildings_households")
    assert entry.actor == world.street_admin and entry.data["households"] == 2


def test_it_accepts_english_headers_and_sheet_names(world):
    data = workbook(
        buildings=[new_building()],
        households=[[NEW_ADDRESS, "1-101", "", "", 2]],
        building_header=[
            "grid_code",
            "name",
            "address",
            "road",
            "door_number",
            "floors",
            "lat",
            "lng",
        ],
        household_header=["building_address", "dwelling", "head_name", "phone", "size"],
        sheet_names=("buildings", "households"),
    )
    result = import_places("register.xlsx", data)
    assert result.ok, result.errors
    assert result.created == {"buildings": 1, "households": 1}


def test_a_dry_run_checks_the_rows_but_writes_nothing(world):
    before = counts()
    result = import_excel(workbook(buildings=[new_building()]), dry_run=True)
    assert result.ok and result.created == {"buildings": 1, "households": 0}
    assert counts() == before
    assert not AuditLogEntry.objects.filter(action="import_buildings_households").exists()


def test_it_rejects_coordinates_out_of_range_with_row_numbers(world):
    before = counts()
    result = import_excel(
        workbook(
            buildings=[
                new_building(),
                new_building(name="乙", address="乙地址", lat=95),
                new_building(name="丙", address="丙地址", lng=-181),
            ]
        )
    )
    assert where(result) == {("楼栋", 3, "lat"), ("楼栋", 4, "lng")}
    assert "3" in str(result.errors[0]) and "楼栋" in str(result.errors[0])
    assert counts() == before


def test_it_rejects_non_numeric_coordinates_and_floors(world):
    result = import_excel(
        workbook(
            buildings=[
                new_building(lat="北纬36度"),
                new_building(name="乙", address="乙地址", lng=None),
                new_building(name="丙", address="丙地址", floors="六"),
                new_building(name="丁", address="丁地址", lat="36.105", lng=" 120.305 "),
            ]
        )
    )
    assert where(result) == {("楼栋", 2, "lat"), ("楼栋", 3, "lng"), ("楼栋", 4, "floors")}


def test_it_rejects_a_point_outside_every_grid(world):
    result = import_excel(workbook(buildings=[new_building(lat=40.0, lng=120.0)]))
    assert where(result) == {("楼栋", 2, "lat")}


def test_it_rejects_a_grid_code_that_is_not_where_the_point_is(world):
    result = import_excel(
        workbook(
            buildings=[
                new_building(grid=world.grid_b.code),
                new_building(name="乙", address="乙地址", grid="NO-SUCH"),
            ]
        )
    )
    assert where(result) == {("楼栋", 2, "grid_code"), ("楼栋", 3, "grid_code")}


def test_it_rejects_missing_columns(world):
    header = ["楼栋名称", "标准地址", "纬度"]
    result = import_excel(
        workbook(
            buildings=[["甲", "地址", 36.1]],
            building_header=header,
            households=[["地址", "1-101"]],
            household_header=["标准地址"],
        )
    )
    assert where(result) == {("楼栋", 1, "lng"), ("住户", 1, "dwelling")}


def test_it_rejects_empty_required_cells(world):
    result = import_excel(
        workbook(
            buildings=[new_building(name=None), new_building(name="乙", address="  ")],
            households=[[NEW_ADDRESS, None, "", "", 1]],
        )
    )
    assert where(result) == {("楼栋", 2, "name"), ("楼栋", 3, "address"), ("住户", 2, "dwelling")}


def test_it_rejects_duplicate_names_and_addresses_in_file_and_database(world):
    before = counts()
    result = import_excel(
        workbook(
            buildings=[
                new_building(name=world.building_a.name),
                new_building(name="乙", address=world.building_a.address),
                new_building(name="丙", address="丙地址"),
                new_building(name="丙", address="丙地址", lat=36.107),
            ]
        )
    )
    assert where(result) == {
        ("楼栋", 2, "name"),
        ("楼栋", 3, "address"),
        ("楼栋", 5, "name"),
        ("楼栋", 5, "address"),
    }
    assert counts() == before


def test_it_rejects_bad_households(world):
    before = counts()
    result = import_excel(
        workbook(
            households=[
                ["没有这个地址", "1-101", "", "", 1],
                [world.building_a.address, world.household_a.dwelling, "", "", 1],
                [world.building_b.address, "9-901", "", "", 101],
                [world.building_b.address, "9-902", "", "", "两"],
                [world.building_b.address, "9-903", "", "", 2.5],
                [world.building_b.address, "9-904", "", "", 2],
                [world.building_b.address, "9-904", "", "", 2],
            ]
        )
    )
    assert where(result) == {
        ("住户", 2, "building_address"),
        ("住户", 3, "dwelling"),
        ("住户", 4, "size"),
        ("住户", 5, "size"),
        ("住户", 6, "size"),
        ("住户", 8, "dwelling"),
    }
    assert counts() == before


def test_a_household_in_a_faulty_new_building_reports_only_the_building(world):
    result = import_excel(
        workbook(buildings=[new_building(lat=95)], households=[[NEW_ADDRESS, "1-101", "", "", 1]])
    )
    assert where(result) == {("楼栋", 2, "lat")}


def test_a_grid_worker_may_only_add_to_their_own_grid(world):
    result = import_excel(
        workbook(
            buildings=[new_building(), new_building(name="乙", address="乙地址", lng=120.315)],
            households=[[world.building_c.address, "1-999", "", "", 1]],
        ),
        actor=world.grid_worker_a,
    )
    # building_c is outside the worker's scope: as unknown as a missing address.
    assert where(result) == {("楼栋", 3, "grid_code"), ("住户", 2, "building_address")}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b'{"type": "FeatureCollection", "features": []}',
        b"PK\x03\x04 but not a real zip",
    ],
)
def test_it_rejects_files_that_are_no_xlsx(world, data):
    result = import_places("register.xlsx", data)
    assert where(result) == {("", None, "file")}


def test_it_rejects_an_empty_workbook(world):
    assert where(import_excel(workbook(buildings=[], households=[]))) == {("", None, "file")}
    assert where(import_excel(workbook())) == {("", None, "file")}


def test_the_bulk_action_undoes_everything_if_a_grid_moved(world):
    before = counts()
    planned = NewBuilding(
        row=2, name="甲", address="甲地址", lat=36.105, lng=120.305, grid_id=world.grid_b.pk
    )
    with pytest.raises(ActionError):
        bulk_create_buildings_and_households(buildings=[planned], households=[])
    assert counts() == before


def test_checking_many_rows_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    rng = np.random.default_rng(7)
    lats = rng.uniform(36.1001, 36.1099, 1000)
    lngs = rng.uniform(120.3001, 120.3299, 1000)
    rows = [
        new_building(name=f"楼{i}", address=f"地址{i}", lat=float(lat), lng=float(lng))
        for i, (lat, lng) in enumerate(zip(lats, lngs, strict=True))
    ]
    households = [[f"地址{i}", "1-101", "", "", 1] for i in range(1000)]
    data = workbook(buildings=rows, households=households)
    with django_assert_max_num_queries(25):
        result = import_excel(data, dry_run=True)
    assert result.ok, result.errors[:3]
    assert result.created == {"buildings": 1000, "households": 1000}
