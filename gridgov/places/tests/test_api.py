"""The places API: scoping per persona, filters, locate, pagination, query counts."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.accounts.actions import create_api_token, create_user
from gridgov.accounts.models import ApiToken
from gridgov.places.actions import create_building, create_household
from tests.personas import square

STAFF_OF_TEST_STREET = [
    "street_admin",
    "community_admin",
    "community_admin_2",
    "grid_worker_a",
    "grid_worker_b",
    "branch_secretary_a",
    "dept_clerk",
    "partner",
    "enterprise",
    "resident",
]


@pytest.fixture
def api(world, client):
    """api(username, path, **params) -> response, authenticated with a Bearer token."""
    tokens: dict[str, str] = {}

    def get(username: str, path: str, **params: Any):
        if username not in tokens:
            user = world.users[username]
            tokens[username] = create_api_token(user=user, name="test")[1]
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        return client.get(f"/api/v1{path}", params, headers=headers)

    return get


def items(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "count"}
    return body["items"]


def ids(response) -> set[int]:
    return {row["id"] for row in items(response)}


def test_without_credentials_every_endpoint_answers_401_json(world, client):
    for path in (
        "/streets",
        "/communities",
        "/grids",
        f"/grids/{world.grid_a.pk}",
        "/buildings",
        "/places/locate?lat=36.105&lng=120.305",
    ):
        response = client.get(f"/api/v1{path}")
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Unauthorized"}
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_or_foreign_scheme_tokens_are_401(world, client):
    for header in ("Bearer nonsense", "Bearer ggv_not-a-real-token", "Token abc", "Bearer "):
        response = client.get("/api/v1/streets", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_streets_are_those_the_caller_has_a_role_in(world, api):
    assert ids(api("street_admin", "/streets")) == {world.street.pk}
    assert ids(api("resident", "/streets")) == {world.street.pk}
    assert ids(api("outsider", "/streets")) == set()
    row = items(api("grid_worker_a", "/streets"))[0]
    assert row == {
        "id": world.street.pk,
        "code": "370203901",
        "name": "测试街道",
        "district": "市北区",
        "city": "青岛市",
    }


def test_communities_filter_by_street_and_hide_other_streets(world, api):
    assert ids(api("grid_worker_a", "/communities")) == {world.c1.pk, world.c2.pk}
    assert ids(api("resident", "/communities", street=world.street.pk)) == {
        world.c1.pk,
        world.c2.pk,
    }
    # a filter naming a street outside the scope: 404 like a missing one
    for street_id in (world.other_street.pk, 999999):
        response = api("street_admin", "/communities", street=street_id)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}
    assert ids(api("outsider", "/communities")) == set()


def test_grid_list_items_carry_community_branch_and_bbox(world, api):
    rows = {row["id"]: row for row in items(api("resident", "/grids"))}
    assert set(rows) == {world.grid_a.pk, world.grid_b.pk, world.grid_c.pk}
    grid_a = rows[world.grid_a.pk]
    assert grid_a["code"] == "370203901001001" and grid_a["name"] == "一网格"
    assert grid_a["community"] == {"id": world.c1.pk, "name": "一社区"}
    assert grid_a["street_id"] == world.street.pk
    assert grid_a["branch"] == {"id": world.branch_a.pk, "name": "一网格党支部"}
    assert grid_a["bbox"] == pytest.approx([120.30, 36.10, 120.31, 36.11])
    assert grid_a["area_m2"] > 0
    assert set(grid_a["layers"]) == {"party", "governance", "emergency", "city"}
    assert "geometry" not in grid_a


def test_grid_filters(world, api):
    assert ids(api("grid_worker_a", "/grids", community=world.c1.pk)) == {
        world.grid_a.pk,
        world.grid_b.pk,
    }
    assert ids(api("grid_worker_a", "/grids", community=world.c2.pk)) == {world.grid_c.pk}
    assert ids(api("grid_worker_a", "/grids", street=world.street.pk, community=world.c2.pk)) == {
        world.grid_c.pk
    }
    assert api("grid_worker_a", "/grids", community=world.other_community.pk).status_code == 404
    assert api("grid_worker_a", "/grids", street=world.other_street.pk).status_code == 404
    assert api("grid_worker_a", "/grids", community="abc").status_code == 422


def test_grid_without_branch_has_null_branch(world, api):
    from gridgov.places.actions import create_grid

    create_grid(
        community=world.c2,
        code="370203901002009",
        name="新网格",
        geometry=square(120.33, 36.10, 120.34, 36.11),
    )
    rows = {row["name"]: row for row in items(api("street_admin", "/grids"))}
    assert rows["新网格"]["branch"] is None


def test_grids_are_public_in_the_street_so_grid_b_detail_is_readable(world, api):
    for username in ("grid_worker_a", "resident", "partner", "community_admin_2"):
        response = api(username, f"/grids/{world.grid_b.pk}")
        assert response.status_code == 200, username
        body = response.json()
        assert body["id"] == world.grid_b.pk
        assert body["geometry"]["type"] == "Polygon"
        assert body["geometry"]["coordinates"][0][0] == pytest.approx([120.31, 36.10])
        assert body["branch"] == {"id": world.branch_b.pk, "name": "二网格党支部"}


def test_other_streets_grid_is_404_for_everybody_of_the_test_street(world, api):
    for username in [*STAFF_OF_TEST_STREET, "outsider"]:
        response = api(username, f"/grids/{world.grid_d.pk}")
        assert response.status_code == 404, username
        assert response.json() == {"detail": "Not Found"}
        assert world.grid_d.pk not in ids(api(username, "/grids"))


def test_outsider_sees_nothing(world, api):
    for path in ("/streets", "/communities", "/grids", "/buildings"):
        assert items(api("outsider", path)) == [], path
    assert api("outsider", f"/grids/{world.grid_a.pk}").status_code == 404
    assert api("outsider", "/buildings", grid=world.grid_a.pk).status_code == 404


def test_missing_grid_answers_like_an_invisible_one(world, api):
    missing = api("street_admin", "/grids/999999")
    hidden = api("street_admin", f"/grids/{world.grid_d.pk}")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


def test_grid_worker_reads_own_grid_buildings_not_grid_b(world, api):
    rows = items(api("grid_worker_a", "/buildings"))
    assert [row["id"] for row in rows] == [world.building_a.pk]
    assert rows[0] == {
        "id": world.building_a.pk,
        "name": "万安一路6号",
        "address": "青岛市市北区万安一路6号",
        "road": "万安一路",
        "door_number": "6号",
        "lat": 36.105,
        "lng": 120.305,
        "floors": None,
        "grid_id": world.grid_a.pk,
        "community_id": world.c1.pk,
        "street_id": world.street.pk,
        "household_count": 2,
    }
    assert ids(api("grid_worker_a", "/buildings", grid=world.grid_a.pk)) == {world.building_a.pk}
    # grid B is on the public map, but its buildings are not the worker's: 404
    response = api("grid_worker_a", "/buildings", grid=world.grid_b.pk)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert api("grid_worker_b", "/buildings", grid=world.grid_a.pk).status_code == 404
    assert ids(api("branch_secretary_a", "/buildings")) == {world.building_a.pk}


def test_community_admin_cannot_see_buildings_of_c2(world, api):
    assert ids(api("community_admin", "/buildings")) == {world.building_a.pk, world.building_b.pk}
    assert api("community_admin", "/buildings", grid=world.grid_c.pk).status_code == 404
    assert ids(api("community_admin_2", "/buildings")) == {world.building_c.pk}


def test_street_admin_reads_every_building_of_the_street_only(world, api):
    assert ids(api("street_admin", "/buildings")) == {
        world.building_a.pk,
        world.building_b.pk,
        world.building_c.pk,
    }
    assert api("street_admin", "/buildings", grid=world.grid_d.pk).status_code == 404


def test_resident_partner_and_clerk_see_no_buildings(world, api):
    for username in ("resident", "partner", "enterprise", "dept_clerk"):
        assert items(api(username, "/buildings")) == [], username
        assert api(username, "/buildings", grid=world.grid_a.pk).status_code == 404, username


def test_superuser_reads_everything(world, api, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-secret-1")
    world.users["root"] = root
    assert world.grid_d.pk in ids(api("root", "/grids"))
    assert len(ids(api("root", "/buildings"))) == 4
    assert api("root", f"/grids/{world.grid_d.pk}").status_code == 200


def test_session_of_a_logged_in_user_works_for_get(world, login):
    client = login("grid_worker_a")
    response = client.get("/api/v1/buildings")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [world.building_a.pk]


# --- locate -----------------------------------------------------------------


def test_locate_returns_street_community_grid_and_branch(world, api):
    response = api("resident", "/places/locate", lat=36.105, lng=120.305)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "street": {"id": world.street.pk, "code": "370203901", "name": "测试街道"},
        "community": {"id": world.c1.pk, "code": "370203901001", "name": "一社区"},
        "grid": {"id": world.grid_a.pk, "code": "370203901001001", "name": "一网格"},
        "branch": {"id": world.branch_a.pk, "name": "一网格党支部"},
    }


def test_locate_outside_every_grid_is_404(world, api):
    response = api("street_admin", "/places/locate", lat=36.2, lng=120.9)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_locate_on_the_shared_edge_gives_exactly_one_grid(world, api):
    answers = {
        api("grid_worker_b", "/places/locate", lat=36.105, lng=120.31).json()["grid"]["id"]
        for _ in range(3)
    }
    assert len(answers) == 1
    assert answers <= {world.grid_a.pk, world.grid_b.pk}


def test_locate_in_an_invisible_grid_is_404(world, api):
    # grid D lies in another street
    assert api("street_admin", "/places/locate", lat=36.105, lng=120.405).status_code == 404
    assert api("outsider", "/places/locate", lat=36.105, lng=120.305).status_code == 404


def test_locate_grid_without_branch_has_null_branch(world, api):
    from gridgov.places.actions import create_grid

    create_grid(
        community=world.c2,
        code="370203901002009",
        name="新网格",
        geometry=square(120.33, 36.10, 120.34, 36.11),
    )
    response = api("resident", "/places/locate", lat=36.105, lng=120.335)
    assert response.status_code == 200
    assert response.json()["grid"]["name"] == "新网格" and response.json()["branch"] is None


@pytest.mark.parametrize(
    ("params", "bad_fields"),
    [
        ({}, {"lat", "lng"}),
        ({"lat": 36.105}, {"lng"}),
        ({"lat": "north", "lng": 120.305}, {"lat"}),
        ({"lat": 36.105, "lng": "east"}, {"lng"}),
        ({"lat": 91, "lng": 120.305}, {"lat"}),
        ({"lat": 36.105, "lng": -180.5}, {"lng"}),
        ({"lat": "nan", "lng": "inf"}, {"lat", "lng"}),
    ],
)
def test_locate_rejects_bad_coordinates_with_field_names(world, api, params, bad_fields):
    response = api("resident", "/places/locate", **params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {error["loc"][-1] for error in detail} == bad_fields
    assert all(error["msg"] for error in detail)


# --- pagination and query counts -----------------------------------------------


def test_lists_paginate_with_limit_and_offset(world, api):
    first = api("street_admin", "/grids", limit=2).json()
    rest = api("street_admin", "/grids", limit=2, offset=2).json()
    assert first["count"] == rest["count"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert {row["id"] for row in first["items"] + rest["items"]} == {
        world.grid_a.pk,
        world.grid_b.pk,
        world.grid_c.pk,
    }
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "many"}):
        response = api("street_admin", "/grids", **bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] in {"limit", "offset"}


def _more_buildings(world, count: int) -> None:
    for number in range(count):
        building = create_building(
            name=f"测试楼{number}",
            address=f"青岛市市北区测试路{number}号",
            lat=36.101 + number * 0.0005,
            lng=120.301 + (number % 5) * 0.0015,
        )
        create_household(building=building, dwelling="1-101", head_name="某", size=1)


def _queries(api, username: str, path: str, **params: Any) -> int:
    api(username, path, **params)  # warm up: token last_used_at, index
    # The token's last use is written once a minute: not during the measured call.
    ApiToken.objects.update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        assert api(username, path, **params).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_rows(world, api, django_assert_max_num_queries):
    paths = [
        ("/buildings", {}),
        ("/buildings", {"grid": world.grid_a.pk}),
        ("/grids", {}),
        ("/communities", {"street": world.street.pk}),
        ("/streets", {}),
        (f"/grids/{world.grid_a.pk}", {}),
        ("/places/locate", {"lat": 36.105, "lng": 120.305}),
    ]
    before = [_queries(api, "street_admin", path, **params) for path, params in paths]
    _more_buildings(world, 12)
    create_user(username="spare", password="x-secret-1")
    after = [_queries(api, "street_admin", path, **params) for path, params in paths]
    assert after == before
    assert len(items(api("street_admin", "/buildings"))) == 15
    with django_assert_max_num_queries(6):
        response = api("street_admin", "/buildings")
    assert {row["household_count"] for row in response.json()["items"]} == {1, 2}
    with django_assert_max_num_queries(6):
        api("street_admin", "/grids")
