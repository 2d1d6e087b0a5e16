"""Token login, Bearer and session auth, /me, and the API's error handlers."""

import json
from typing import Any

import pytest
from django.test import RequestFactory

from gridgov.accounts.actions import (
    assign_role,
    create_api_token,
    revoke_api_token,
    revoke_role,
    user_for_token,
)
from gridgov.accounts.models import ApiToken, RoleAssignment
from gridgov.api import api as ninja_api
from gridgov.core.api_auth import SessionReadAuth, auth_user
from gridgov.core.errors import ActionError, NotPermitted
from tests.personas import PASSWORD


def post_json(client, path: str, data: Any):
    return client.post(f"/api/v1{path}", json.dumps(data), content_type="application/json")


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def me(client, user) -> dict[str, Any]:
    raw = create_api_token(user=user, name="test")[1]
    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200, response.content
    return response.json()


# --- POST /auth/token -----------------------------------------------------------


def test_password_login_gives_a_working_token(world, client):
    response = post_json(client, "/auth/token", {"username": "grid_worker_a", "password": PASSWORD})
    assert response.status_code == 200, response.content
    raw = response.json()["token"]
    assert user_for_token(raw) == world.grid_worker_a
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert token.name.startswith("api login ")
    assert response.json()["prefix"] == token.prefix == raw[:12]
    assert token.digest != raw and raw not in token.digest
    listed = client.get("/api/v1/buildings", headers=bearer(raw))
    assert [row["id"] for row in listed.json()["items"]] == [world.building_a.pk]


def test_password_login_may_name_the_token(world, client):
    response = post_json(
        client, "/auth/token", {"username": "resident", "password": PASSWORD, "name": "手机"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "手机"


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "grid_worker_a", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_401_json(world, client, credentials):
    response = post_json(client, "/auth/token", credentials)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token_and_old_tokens_stop_working(world, client):
    raw = create_api_token(user=world.grid_worker_a, name="before")[1]
    world.grid_worker_a.is_active = False
    world.grid_worker_a.save()
    response = post_json(client, "/auth/token", {"username": "grid_worker_a", "password": PASSWORD})
    assert response.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "resident"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": PASSWORD}, {"username"}),
    ],
)
def test_missing_fields_are_422_with_field_names(world, client, body, missing):
    response = post_json(client, "/auth/token", body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {error["loc"][-1] for error in detail} == missing
    assert all(error["msg"] for error in detail)


def test_token_login_needs_no_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post_json(strict, "/auth/token", {"username": "resident", "password": PASSWORD})
    assert response.status_code == 200


# --- Bearer and session ---------------------------------------------------------------


def test_revoked_token_is_401(world, client):
    token, raw = create_api_token(user=world.street_admin, name="script")
    assert client.get("/api/v1/streets", headers=bearer(raw)).status_code == 200
    revoke_api_token(token=token, actor=world.street_admin)
    response = client.get("/api/v1/streets", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_token_use_is_recorded(world, client):
    token, raw = create_api_token(user=world.resident, name="script")
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_session_works_for_get(world, login):
    client = login("resident")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "resident"


def test_session_is_refused_for_unsafe_methods(world):
    factory = RequestFactory()
    auth = SessionReadAuth()
    for method in ("post", "put", "patch", "delete"):
        request = getattr(factory, method)("/api/v1/anything")
        request.user = world.street_admin
        assert auth(request) is None, method
    request = factory.get("/api/v1/anything")
    request.user = world.street_admin
    request.COOKIES["sessionid"] = "x"
    assert auth(request) == world.street_admin
    assert auth_user(request) == world.street_admin


def test_session_of_inactive_user_is_refused(world):
    request = RequestFactory().get("/api/v1/me")
    world.resident.is_active = False
    request.user = world.resident
    assert SessionReadAuth()(request) is None


def test_no_credentials_is_401(world, client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


# --- /me -----------------------------------------------------------------------------


EXPECTED_ROLES = {
    "street_admin": ("street_admin", "street", "street"),
    "community_admin": ("community_admin", "community", "c1"),
    "community_admin_2": ("community_admin", "community", "c2"),
    "grid_worker_a": ("grid_worker", "grid", "grid_a"),
    "grid_worker_b": ("grid_worker", "grid", "grid_b"),
    "branch_secretary_a": ("branch_secretary", "party_organisation", "branch_a"),
    "dept_clerk": ("department_clerk", "department", "dept_urban"),
    "partner": ("partner_staff", "organisation", "clinic"),
    "enterprise": ("enterprise_contact", "organisation", "enterprise"),
    "resident": ("resident", "household", "household_a"),
}


@pytest.mark.parametrize("username", sorted(EXPECTED_ROLES))
def test_me_lists_the_role_of_each_persona(world, client, username):
    role, kind, target_name = EXPECTED_ROLES[username]
    target = getattr(world, target_name)
    user = world.users[username]
    body = me(client, user)
    assert body["user"] == {"id": user.pk, "username": username, "full_name": ""}
    assert body["is_superuser"] is False
    assert len(body["roles"]) == 1
    listed = body["roles"][0]
    assert (listed["role"], listed["kind"], listed["id"], listed["name"]) == (
        role,
        kind,
        target.pk,
        str(target),
    )
    assert listed["role_label"]
    assert body["places"] == [{"kind": kind, "id": target.pk, "name": str(target)}]


def test_me_names_the_residents_dwelling_and_the_full_name(world, client):
    world.resident.first_name = "张三"
    world.resident.save()
    body = me(client, world.resident)
    assert body["user"]["full_name"] == "张三"
    assert body["roles"][0]["name"] == "万安一路6号 1-101"


def test_me_of_outsider_has_no_roles(world, client):
    body = me(client, world.outsider)
    assert body["roles"] == [] and body["places"] == []


def test_me_lists_every_active_role_and_distinct_places(world, client):
    user = world.partner
    assign_role(user=user, role="enterprise_contact", target=world.clinic)
    assign_role(user=user, role="grid_worker", target=world.grid_a)
    body = me(client, user)
    assert sorted(role["role"] for role in body["roles"]) == [
        "enterprise_contact",
        "grid_worker",
        "partner_staff",
    ]
    assert sorted((place["kind"], place["id"]) for place in body["places"]) == [
        ("grid", world.grid_a.pk),
        ("organisation", world.clinic.pk),
    ]
    revoke_role(assignment=RoleAssignment.objects.get(user=user, role="grid_worker"))
    body = me(client, user)
    assert "grid_worker" not in {role["role"] for role in body["roles"]}


def test_me_query_count_is_fixed(world, client, django_assert_max_num_queries):
    user = world.street_admin
    for target in (world.grid_a, world.grid_b, world.grid_c):
        assign_role(user=user, role="grid_worker", target=target)
    raw = create_api_token(user=user, name="test")[1]
    client.get("/api/v1/me", headers=bearer(raw))
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/me", headers=bearer(raw))
    assert len(response.json()["roles"]) == 4


# --- error handlers and docs ---------------------------------------------------------------


def test_action_error_maps_to_400_with_field_messages():
    request = RequestFactory().post("/api/v1/things")
    response = ninja_api.on_exception(
        request, ActionError("Bad name.", {"name": ["Bad name."], "code": ["Taken."]})
    )
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "detail": "Bad name.",
        "errors": {"name": ["Bad name."], "code": ["Taken."]},
    }
    plain = ninja_api.on_exception(request, ActionError("No."))
    assert json.loads(plain.content) == {"detail": "No.", "errors": {"__all__": ["No."]}}


def test_not_permitted_maps_to_404_like_a_missing_row():
    request = RequestFactory().post("/api/v1/things")
    response = ninja_api.on_exception(request, NotPermitted("You may not change this place."))
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "Not Found"}


def test_openapi_is_served_and_no_cdn_docs_page(world, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/grids/{grid_id}" in response.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 404


def test_password_guessing_is_throttled(world, client, settings):
    statuses = [
        client.post(
            "/api/v1/auth/token",
            {"username": "grid_worker_a", "password": "wrong"},
            content_type="application/json",
        ).status_code
        for _ in range(25)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
