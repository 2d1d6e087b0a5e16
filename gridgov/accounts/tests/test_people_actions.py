"""Street admins manage the people of their street: accounts, roles, passwords."""

import pytest
from django.contrib.auth import get_user_model

from gridgov.accounts.actions import (
    assign_role,
    create_user,
    create_user_for_street,
    password_refusal,
    revoke_role,
    set_user_password,
)
from gridgov.accounts.models import RoleAssignment
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.models import AuditLogEntry
from tests.personas import PASSWORD

GOOD = "a-good-pass-123"


def audit_actions():
    return list(AuditLogEntry.objects.order_by("pk").values_list("action", flat=True))


def test_street_admin_creates_a_user_with_a_first_role(world):
    before = AuditLogEntry.objects.count()
    user = create_user_for_street(
        street=world.street,
        username="newbie",
        password=GOOD,
        full_name="新人",
        role="grid_worker",
        target=world.grid_c,
        actor=world.street_admin,
    )
    assert user.check_password(GOOD) and user.first_name == "新人"
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.grid_id, assignment.street_id) == (
        "grid_worker",
        world.grid_c.pk,
        world.street.pk,
    )
    rows = AuditLogEntry.objects.order_by("pk")[before:]
    assert [(row.action, row.actor_id) for row in rows] == [
        ("create_user", world.street_admin.pk),
        ("assign_role", world.street_admin.pk),
    ]


def test_every_problem_is_reported_together_and_nothing_is_written(world):
    users, roles, audit = (
        get_user_model().objects.count(),
        RoleAssignment.objects.count(),
        AuditLogEntry.objects.count(),
    )
    with pytest.raises(ActionError) as caught:
        create_user_for_street(
            street=world.street,
            username="Grid_Worker_A",  # taken, whatever the case
            password="short",
            role="grid_worker",
            target=world.c1,  # a community is not a grid
            actor=world.street_admin,
        )
    assert set(caught.value.errors) == {"username", "password", "target"}
    counts = (
        get_user_model().objects.count(),
        RoleAssignment.objects.count(),
        AuditLogEntry.objects.count(),
    )
    assert counts == (users, roles, audit)


def test_the_first_role_must_lie_in_the_same_street(world):
    with pytest.raises(ActionError) as caught:
        create_user_for_street(
            street=world.street,
            username="newbie",
            password=GOOD,
            role="grid_worker",
            target=world.grid_d,
            actor=world.street_admin,
        )
    assert set(caught.value.errors) == {"target"}
    with pytest.raises(NotPermitted):
        create_user_for_street(
            street=world.other_street,
            username="newbie",
            password=GOOD,
            role="grid_worker",
            target=world.grid_d,
            actor=world.street_admin,
        )
    assert not get_user_model().objects.filter(username="newbie").exists()


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident", "outsider"])
def test_only_street_admins_create_users(world, persona):
    with pytest.raises(NotPermitted):
        create_user_for_street(
            street=world.street, username="newbie", password=GOOD, actor=world.users[persona]
        )
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_a_role_is_not_given_twice(world):
    with pytest.raises(ActionError) as caught:
        assign_role(
            user=world.grid_worker_a,
            role="grid_worker",
            target=world.grid_a,
            actor=world.street_admin,
        )
    assert set(caught.value.errors) == {"target"}
    assert RoleAssignment.objects.filter(user=world.grid_worker_a).count() == 1


def test_street_admin_sets_a_new_password(world):
    set_user_password(user=world.grid_worker_a, password=GOOD, actor=world.street_admin)
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password(GOOD)
    assert not world.grid_worker_a.check_password(PASSWORD)
    assert audit_actions()[-1] == "set_user_password"


def test_a_weak_password_is_refused(world):
    with pytest.raises(ActionError) as caught:
        set_user_password(user=world.grid_worker_a, password="short", actor=world.street_admin)
    assert set(caught.value.errors) == {"password"}
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password(PASSWORD)


def test_no_password_for_people_of_another_street_or_administrators(world, django_user_model):
    # A grid worker of this street who is also a grid worker in the other street.
    assign_role(user=world.grid_worker_b, role="grid_worker", target=world.grid_d)
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    assign_role(user=root, role="resident", target=world.household_a2)
    clerk = create_user(username="admin_clerk", password=PASSWORD)
    clerk.is_staff = True
    clerk.save()
    assign_role(user=clerk, role="resident", target=world.household_b)
    for user in (world.grid_worker_b, root, clerk, world.outsider):
        assert password_refusal(user=user, actor=world.street_admin)
        with pytest.raises(NotPermitted):
            set_user_password(user=user, password=GOOD, actor=world.street_admin)
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
    # The operator may.
    set_user_password(user=root, password=GOOD, actor=None)


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident"])
def test_only_street_admins_set_passwords(world, persona):
    with pytest.raises(NotPermitted):
        set_user_password(user=world.grid_worker_b, password=GOOD, actor=world.users[persona])


def test_street_admin_cannot_revoke_their_own_last_street_admin_role(world):
    own = RoleAssignment.objects.get(user=world.street_admin, role="street_admin")
    with pytest.raises(ActionError) as caught:
        revoke_role(assignment=own, actor=world.street_admin)
    assert set(caught.value.errors) == {"assignment"}
    own.refresh_from_db()
    assert own.active
    # With a second street admin role (given by the operator) the first may go.
    assign_role(user=world.street_admin, role="street_admin", target=world.other_street)
    revoke_role(assignment=own, actor=world.street_admin)
    own.refresh_from_db()
    assert not own.active


def test_a_role_is_revoked_once(world):
    assignment = RoleAssignment.objects.get(user=world.grid_worker_a)
    revoke_role(assignment=assignment, actor=world.street_admin)
    with pytest.raises(ActionError):
        revoke_role(assignment=assignment, actor=world.street_admin)
    assert audit_actions().count("revoke_role") == 1


def test_street_admin_revokes_only_in_their_street(world):
    other = create_user(username="other_worker", password=PASSWORD)
    assignment = assign_role(user=other, role="grid_worker", target=world.grid_d)
    with pytest.raises(NotPermitted):
        revoke_role(assignment=assignment, actor=world.street_admin)
    assignment.refresh_from_db()
    assert assignment.active
