"""The import page (street admins only, 404 for others) and the export download (staff only)."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gridgov.party.models import PartyMember
from gridgov.places.models import Grid
from gridgov.places.tests.test_import_geojson import BOW_TIE, FREE, collection, grid
from gridgov.places.tests.test_import_update import redraw_a_and_b


def upload(data: bytes, name: str = "places.geojson", dry_run: bool = False) -> dict:
    form = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        form["dry_run"] = "on"
    return form


def test_street_admin_imports_a_file(world, login):
    client = login("street_admin")
    response = client.post(reverse("places-import"), upload(collection(grid("G-1", "甲", FREE))))
    assert response.status_code == 200
    assert response.context["result"].created["grids"] == 1
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert Grid.objects.get(code="G-1").name == "甲"


def test_a_dry_run_from_the_page_writes_nothing(world, login):
    client = login("street_admin")
    data = upload(collection(grid("G-1", "甲", FREE)), dry_run=True)
    response = client.post(reverse("places-import"), data)
    assert response.status_code == 200 and response.context["result"].dry_run
    assert not Grid.objects.filter(code="G-1").exists()


def test_the_page_lists_each_problem_with_its_feature_number(world, login):
    client = login("street_admin")
    data = upload(collection(grid("G-1", "甲", FREE), grid("G-2", "乙", BOW_TIE)))
    response = client.post(reverse("places-import"), data)
    assert response.status_code == 200
    assert [(e.number, e.field) for e in response.context["result"].errors] == [(2, "geometry")]
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert "<code>geometry</code>" in response.content.decode()
    assert not Grid.objects.filter(code="G-1").exists()


def test_the_page_reports_a_wrong_file_type(world, login):
    client = login("street_admin")
    response = client.post(reverse("places-import"), upload(b"\x89PNG\r\n", name="map.png"))
    assert [(e.number, e.field) for e in response.context["result"].errors] == [(None, "file")]


def test_street_admin_sees_the_upload_form(world, login):
    response = login("street_admin").get(reverse("places-import"))
    assert response.status_code == 200 and "form" in response.context


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get(reverse("places-import"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["grid_worker_a", "community_admin", "resident", "outsider"])
def test_everyone_but_a_street_admin_gets_404(world, login, persona):
    client = login(persona)
    assert client.get(reverse("places-import")).status_code == 404
    data = upload(collection(grid("G-1", "甲", FREE)))
    assert client.post(reverse("places-import"), data).status_code == 404
    assert not Grid.objects.filter(code="G-1").exists()


def test_staff_download_what_they_see(world, login):
    client = login("grid_worker_a")
    response = client.get(reverse("places-export"), {"format": "geojson"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    buildings = [
        f["properties"]["name"]
        for f in json.loads(response.content)["features"]
        if f["properties"]["kind"] == "building"
    ]
    assert buildings == [world.building_a.name]
    response = client.get(reverse("places-export"), {"format": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    assert [row[3] for row in book["住户"].iter_rows(min_row=2, values_only=True)] == [
        "138****1111",
        "138****2222",
    ]


@pytest.mark.parametrize("persona", ["resident", "outsider", "partner"])
def test_non_staff_get_404_on_export(world, login, persona):
    response = login(persona).get(reverse("places-export"), {"format": "geojson"})
    assert response.status_code == 404


def test_export_of_a_street_out_of_sight_is_404(world, login):
    response = login("street_admin").get(
        reverse("places-export"), {"format": "geojson", "street": world.other_street.code}
    )
    assert response.status_code == 404


def test_export_with_an_unknown_format_is_a_bad_request(world, login):
    response = login("street_admin").get(reverse("places-export"), {"format": "csv"})
    assert response.status_code == 400


def test_the_update_checkbox_redraws_grids_and_shows_what_moved(world, login):
    client = login("street_admin")
    page = client.get(reverse("places-import")).content.decode()
    assert 'name="update"' in page and reverse("party-rezone") in page
    data = {**upload(redraw_a_and_b(world)), "update": "on"}
    response = client.post(reverse("places-import"), data)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.updated == {"grids": 2}
    content = response.content.decode()
    assert "张三" in content and "二网格党支部" in content and "table-responsive" in content
    assert reverse("party-rezone") in content
    assert PartyMember.objects.get(pk=world.member_a.pk).branch_id == world.branch_b.pk


def test_without_the_update_checkbox_an_existing_grid_is_a_duplicate(world, login):
    response = login("street_admin").post(reverse("places-import"), upload(redraw_a_and_b(world)))
    assert (1, "code") in {(e.number, e.field) for e in response.context["result"].errors}
    assert Grid.objects.get(pk=world.grid_a.pk).max_lng == pytest.approx(120.31)
