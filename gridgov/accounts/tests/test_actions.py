"""Role assignments and API tokens."""

import pytest

from gridgov.accounts.actions import (
    assign_role,
    create_api_token,
    create_user,
    revoke_api_token,
    revoke_role,
    user_for_token,
)
from gridgov.accounts.models import RoleAssignment
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.scoping import scope_for
from gridgov.places.models import Building


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from gridgov import settings as product_settings

    assert product_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_role_needs_a_target_of_the_right_kind(world):
    user = create_user(username="newbie", password="x-secret-1")
    with pytest.raises(ActionError):
        assign_role(user=user, role="grid_worker", target=world.c1)
    with pytest.raises(ActionError):
        assign_role(user=user, role="branch_secretary", target=world.group_a)
    with pytest.raises(ActionError):
        assign_role(user=user, role="astronaut", target=world.grid_a)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_assignment_copies_place_ids_for_scoping(world):
    assignment = RoleAssignment.objects.get(user=world.branch_secretary_a)
    assert (assignment.street_id, assignment.community_id, assignment.grid_id) == (
        world.street.pk,
        world.c1.pk,
        world.grid_a.pk,
    )
    resident = RoleAssignment.objects.get(user=world.resident)
    assert resident.household_id == world.household_a.pk and resident.grid_id == world.grid_a.pk


def test_only_street_admin_of_that_street_assigns_roles(world):
    user = create_user(username="helper", password="x-secret-1")
    with pytest.raises(NotPermitted):
        assign_role(user=user, role="grid_worker", target=world.grid_a, actor=world.community_admin)
    with pytest.raises(NotPermitted):
        assign_role(user=user, role="grid_worker", target=world.grid_d, actor=world.street_admin)
    assign_role(user=user, role="grid_worker", target=world.grid_a, actor=world.street_admin)
    assert Building.objects.visible_to(user).filter(pk=world.building_a.pk).exists()


def test_revoked_role_no_longer_grants_access(world):
    user = world.grid_worker_a
    revoke_role(assignment=RoleAssignment.objects.get(user=user), actor=world.street_admin)
    assert not scope_for(user).allows_anything()
    assert not Building.objects.visible_to(user).exists()


def test_token_is_shown_once_and_stored_as_digest(world):
    token, raw = create_api_token(user=world.grid_worker_a, name="巡查App")
    assert raw.startswith("ggv_") and raw not in token.digest
    assert user_for_token(raw) == world.grid_worker_a
    assert user_for_token(raw + "x") is None
    revoke_api_token(token=token, actor=world.grid_worker_a)
    assert user_for_token(raw) is None


def test_nobody_revokes_another_users_token(world):
    token, _raw = create_api_token(user=world.grid_worker_a, name="app")
    with pytest.raises(NotPermitted):
        revoke_api_token(token=token, actor=world.grid_worker_b)


def test_token_needs_a_name(world):
    with pytest.raises(ActionError):
        create_api_token(user=world.grid_worker_a, name="  ")
