"""The dashboard: who sees which place, the tables behind the charts, the Excel exports."""

import io

import pytest
from openpyxl import load_workbook

from gridgov.cases import actions
from gridgov.cases.models import Category
from gridgov.insights.kpis import refresh_kpis


@pytest.fixture
def cases(world):
    for code, lng in (
        ("env.sanitation", 120.305),
        ("facility.road", 120.305),
        ("env.sanitation", 120.325),
    ):
        actions.submit_case(
            description="楼道里堆满了杂物",
            category=Category.objects.get(code=code),
            lat=36.105,
            lng=lng,
            actor=world.resident,
        )
    refresh_kpis()


@pytest.mark.django_db
def test_a_street_admin_sees_the_street_and_may_switch_to_a_community(world, login, cases):
    client = login("street_admin")

    page = client.get("/insights/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.street.name in html and world.c1.code in html and world.grid_a.code in html
    assert (
        page.context["tables"]["category"].rows[0][0]
        == Category.objects.get(code="env.sanitation").name
    )
    assert sum(row[-1] for row in page.context["tables"]["daily"].rows) == 3
    shading = page.context["shading"]  # the grid map: open cases now, resolution rate
    assert shading[str(world.grid_a.pk)] == {"open": 2, "resolution": 0.0}
    assert set(page.context["grid_ids"]) == {world.grid_a.pk, world.grid_b.pk, world.grid_c.pk}

    community = client.get("/insights/", {"place": world.c2.code})
    assert community.status_code == 200
    assert sum(row[-1] for row in community.context["tables"]["daily"].rows) == 1


@pytest.mark.django_db
def test_each_role_sees_only_its_own_places(world, login, cases, client):
    assert client.get("/insights/").status_code == 302  # sign in first
    community_admin = login("community_admin")
    assert community_admin.get("/insights/").context["place"].code == world.c1.code
    assert community_admin.get("/insights/", {"place": world.street.code}).status_code == 404
    assert community_admin.get("/insights/", {"place": world.c2.code}).status_code == 404
    grid_worker = login("grid_worker_b")
    assert grid_worker.get("/insights/", {"place": world.grid_a.code}).status_code == 404
    for persona in ("resident", "dept_clerk", "outsider"):
        assert login(persona).get("/insights/").status_code == 404, persona


@pytest.mark.django_db
def test_the_red_and_black_list_ranks_units_by_kind(world, login, cases):
    page = login("street_admin").get("/insights/")

    tables = {t.name: t for t in page.context["red_black"]}
    assert set(tables) == {"red_black_grids", "red_black_communities", "red_black_departments"}
    assert {row[0] for row in tables["red_black_grids"].rows} == {
        world.grid_a.name,
        world.grid_c.name,
    }
    assert 'id="red-black"' in page.content.decode()


@pytest.mark.django_db
def test_every_table_downloads_as_excel_with_its_numbers(world, login, cases):
    client = login("street_admin")

    answer = client.get("/insights/export/category.xlsx", {"place": world.street.code})

    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] in ("问题类别", "Category")
    assert {row[0] for row in rows[1:]} == {"环境卫生", "道路井盖"}
    assert client.get("/insights/export/nothing.xlsx").status_code == 404
    assert (
        login("community_admin")
        .get("/insights/export/category.xlsx", {"place": world.street.code})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_bad_dates_say_so_and_show_this_month(world, login, cases):
    page = login("street_admin").get("/insights/", {"from": "tomorrow", "to": "2026-13-40"})

    assert page.status_code == 200
    assert page.context["notes"]
    backwards = login("street_admin").get("/insights/", {"from": "2026-05-02", "to": "2026-05-01"})
    assert backwards.status_code == 200 and backwards.context["notes"]
