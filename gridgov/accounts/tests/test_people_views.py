"""The people pages: street admins manage their street's people; everyone else gets 404."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gridgov.accounts.actions import assign_role, create_user
from gridgov.accounts.models import RoleAssignment
from gridgov.core.models import AuditLogEntry
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

GOOD = "a-good-pass-123"


def new_person(**changes):
    data = {
        "username": "newbie",
        "full_name": "新人",
        "password": GOOD,
        "password_again": GOOD,
        "role": "grid_worker",
        "target": "",
        "household": "",
    }
    data.update(changes)
    return data


def snapshot():
    """What a refused request must leave unchanged."""
    return (
        get_user_model().objects.count(),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "active")),
        list(get_user_model().objects.order_by("pk").values_list("password", flat=True)),
        AuditLogEntry.objects.count(),
    )


def can_log_in(username, password):
    return Client().login(username=username, password=password)


def field_error_ids(response):
    """The ids of the error texts rendered beside fields (see web/_field.html)."""
    html = response.content.decode()
    return {
        name
        for name in ("username", "password", "password_again", "role", "target", "household")
        if f'id="id_{name}-error"' in html
    }


# --- the whole round ---------------------------------------------------------------------


def test_street_admin_creates_assigns_revokes_and_resets(world, login):
    client = login("street_admin")
    # 1. A new person with a first role.
    response = client.post(reverse("people-new"), new_person(target=f"grid:{world.grid_c.pk}"))
    person = get_user_model().objects.get(username="newbie")
    assert response.status_code == 302
    assert response["Location"] == reverse("people-detail", args=[person.pk])
    assert person.first_name == "新人"
    assert list(RoleAssignment.objects.filter(user=person).values_list("role", "grid_id")) == [
        ("grid_worker", world.grid_c.pk)
    ]
    assert can_log_in("newbie", GOOD)

    # 2. A second role: resident of a household typed as "address / dwelling".
    response = client.post(
        reverse("people-role-add", args=[person.pk]),
        {"role": "resident", "household": "万安一路6号 / 1-102"},
    )
    assert response.status_code == 302
    resident = RoleAssignment.objects.get(user=person, role="resident")
    assert resident.household_id == world.household_a2.pk and resident.active

    page = client.get(reverse("people-detail", args=[person.pk]))
    assert page.status_code == 200
    assert {a.role for a in page.context["roles"]} == {"grid_worker", "resident"}

    # 3. Revoke it again.
    url = reverse("people-role-revoke", args=[person.pk, resident.pk])
    response = client.post(url)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert not resident.active
    assert [m.level_tag for m in get_messages(response.wsgi_request)][-1] == "success"

    # 4. A new password: the person signs in with it, no longer with the old one.
    response = client.post(
        reverse("people-password", args=[person.pk]),
        {"password": "another-pass-456", "password_again": "another-pass-456"},
    )
    assert response.status_code == 302
    assert can_log_in("newbie", "another-pass-456")
    assert not can_log_in("newbie", GOOD)

    actions = list(
        AuditLogEntry.objects.filter(actor=world.street_admin)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "create_user",
        "assign_role",
        "assign_role",
        "revoke_role",
        "set_user_password",
    ]


def test_each_role_offers_the_places_that_fit_it(world, login):
    client = login("street_admin")
    for role, target in (
        ("street_admin", f"street:{world.street.pk}"),
        ("community_admin", f"community:{world.c2.pk}"),
        ("branch_secretary", f"branch:{world.branch_c.pk}"),
        ("department_clerk", f"department:{world.dept_urban.pk}"),
        ("partner_staff", f"partner:{world.clinic.pk}"),
        ("enterprise_contact", f"enterprise:{world.enterprise.pk}"),
    ):
        response = client.post(
            reverse("people-role-add", args=[world.grid_worker_b.pk]),
            {"role": role, "target": target},
        )
        assert response.status_code == 302, (role, response.context["role_form"].errors)
    roles = set(
        RoleAssignment.objects.filter(user=world.grid_worker_b, active=True).values_list(
            "role", flat=True
        )
    )
    assert len(roles) == 7


def test_the_list_shows_people_with_their_roles_and_searches(world, login):
    client = login("street_admin")
    response = client.get(reverse("people"))
    assert response.status_code == 200
    names = [person.username for person in response.context["page"]]
    assert "grid_worker_a" in names and "resident" in names
    assert "outsider" not in names  # no role anywhere
    html = response.content.decode()
    assert "一网格" in html and "table-responsive" in html
    response = client.get(reverse("people"), {"q": "WORKER"})
    assert [p.username for p in response.context["page"]] == ["grid_worker_a", "grid_worker_b"]


def test_the_navigation_offers_the_page_to_street_admins_only(world, login):
    def labels(username):
        response = login(username).get(reverse("home"))
        with translation.override("en"):
            return [str(item["label"]) for item in response.context["nav_items"]]

    assert "People & roles" in labels("street_admin")
    assert "People & roles" not in labels("community_admin")
    assert "People & roles" not in labels("resident")


def test_pages_render_in_chinese_by_default(world, login):
    html = login("street_admin").get(reverse("people-new")).content.decode()
    assert "网格员" in html and "街道管理员" in html


# --- bad input: errors beside the fields, nothing changed ------------------------------


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"username": "grid_worker_a"}, {"username"}),
        ({"username": "bad name!"}, {"username"}),
        ({"password": "short", "password_again": "short"}, {"password"}),
        ({"password_again": "something-else-1"}, {"password_again"}),
        ({"role": "community_admin"}, {"target"}),  # a grid for a community admin
        ({"target": "grid:{grid_d}"}, {"target"}),  # a grid of the other street
        ({"target": ""}, {"target"}),
        ({"role": "resident", "household": "万安一路6号 / 9-999"}, {"household"}),
        ({"role": "resident", "household": "外路1号"}, {"household"}),
    ],
)
def test_bad_input_for_a_new_person_changes_nothing(world, login, changes, fields):
    client = login("street_admin")
    before = snapshot()
    data = new_person(target=f"grid:{world.grid_a.pk}")
    data.update({k: v.format(grid_d=world.grid_d.pk) for k, v in changes.items()})
    response = client.post(reverse("people-new"), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == fields
    assert field_error_ids(response) == fields
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"role": "grid_worker", "target": "community:{c1}"}, {"target"}),
        ({"role": "grid_worker", "target": "grid:{grid_d}"}, {"target"}),
        ({"role": "grid_worker", "target": "grid:{grid_a}"}, {"target"}),  # held already
        ({"role": "pilot", "target": "grid:{grid_a}"}, {"role"}),
        ({"role": "resident", "household": ""}, {"household"}),
    ],
)
def test_bad_input_for_a_role_changes_nothing(world, login, data, fields):
    client = login("street_admin")
    before = snapshot()
    ids = {"c1": world.c1.pk, "grid_a": world.grid_a.pk, "grid_d": world.grid_d.pk}
    data = {k: v.format(**ids) for k, v in data.items()}
    response = client.post(reverse("people-role-add", args=[world.grid_worker_a.pk]), data)
    assert response.status_code == 400
    assert set(response.context["role_form"].errors) == fields
    assert field_error_ids(response) == fields
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"password": "short", "password_again": "short"}, {"password"}),
        ({"password": GOOD, "password_again": GOOD + "x"}, {"password_again"}),
        ({"password": "", "password_again": ""}, {"password", "password_again"}),
    ],
)
def test_bad_new_password_changes_nothing(world, login, data, fields):
    client = login("street_admin")
    before = snapshot()
    response = client.post(reverse("people-password", args=[world.grid_worker_a.pk]), data)
    assert response.status_code == 400
    assert set(response.context["password_form"].errors) == fields
    assert field_error_ids(response) == fields
    assert snapshot() == before
    assert can_log_in("grid_worker_a", PASSWORD)


# --- who may -----------------------------------------------------------------------------


def every_request(world, person):
    assignment = RoleAssignment.objects.filter(user=person).first()
    role_data = {"role": "grid_worker", "target": f"grid:{world.grid_c.pk}"}
    password = {"password": GOOD, "password_again": GOOD}
    return [
        ("get", reverse("people"), None),
        ("get", reverse("people-new"), None),
        ("get", reverse("people-detail", args=[person.pk]), None),
        ("post", reverse("people"), {}),
        ("post", reverse("people-new"), new_person(target=f"grid:{world.grid_c.pk}")),
        ("post", reverse("people-role-add", args=[person.pk]), role_data),
        ("post", reverse("people-role-revoke", args=[person.pk, assignment.pk]), {}),
        ("post", reverse("people-password", args=[person.pk]), password),
    ]


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident", "outsider"])
def test_everyone_but_a_street_admin_gets_404(world, login, persona):
    client = login(persona)
    before = snapshot()
    for method, url, data in every_request(world, world.grid_worker_b):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 404, (persona, method, url)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    for method, url, data in every_request(world, world.grid_worker_b):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_street_admin_sees_only_the_people_of_their_street(world, login):
    other_admin = create_user(username="other_admin", password=PASSWORD)
    assign_role(user=other_admin, role="street_admin", target=world.other_street)
    other_worker = create_user(username="other_worker", password=PASSWORD)
    assign_role(user=other_worker, role="grid_worker", target=world.grid_d)

    client = login("other_admin")
    names = [p.username for p in client.get(reverse("people")).context["page"]]
    assert sorted(names) == ["other_admin", "other_worker"]
    before = snapshot()
    for method, url, data in every_request(world, world.grid_worker_a)[2:]:
        if url in (reverse("people"), reverse("people-new")):
            continue
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 404, (method, url)
    # A target of the first street is not among the other admin's choices.
    response = client.post(reverse("people-new"), new_person(target=f"grid:{world.grid_c.pk}"))
    assert response.status_code == 400 and set(response.context["form"].errors) == {"target"}
    assert snapshot() == before

    # And the other way round.
    client = login("street_admin")
    assert client.get(reverse("people-detail", args=[other_worker.pk])).status_code == 404
    assert "other_worker" not in client.get(reverse("people")).content.decode()


def test_password_of_someone_also_in_another_street_is_not_set(world, login):
    assign_role(user=world.grid_worker_b, role="grid_worker", target=world.grid_d)
    client = login("street_admin")
    page = client.get(reverse("people-detail", args=[world.grid_worker_b.pk]))
    assert page.context["roles_elsewhere"] and page.context["password_refusal"]
    # Only this street's role is listed.
    assert [a.grid_id for a in page.context["roles"]] == [world.grid_b.pk]
    before = snapshot()
    response = client.post(
        reverse("people-password", args=[world.grid_worker_b.pk]),
        {"password": GOOD, "password_again": GOOD},
    )
    assert response.status_code == 400 and response.context["password_form"].non_field_errors()
    assert snapshot() == before


def test_street_admin_cannot_reset_a_superusers_password(world, login, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    assign_role(user=root, role="resident", target=world.household_a2)
    client = login("street_admin")
    page = client.get(reverse("people-detail", args=[root.pk]))
    assert page.status_code == 200 and page.context["password_refusal"]
    password_url = reverse("people-password", args=[root.pk])
    assert f'action="{password_url}"' not in page.content.decode()
    before = snapshot()
    response = client.post(
        reverse("people-password", args=[root.pk]), {"password": GOOD, "password_again": GOOD}
    )
    assert response.status_code == 400
    assert snapshot() == before
    assert can_log_in("root", PASSWORD)


def test_street_admin_cannot_revoke_their_own_last_street_admin_role(world, login):
    client = login("street_admin")
    own = RoleAssignment.objects.get(user=world.street_admin, role="street_admin")
    before = snapshot()
    response = client.post(reverse("people-role-revoke", args=[world.street_admin.pk, own.pk]))
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert snapshot() == before
    assert client.get(reverse("people")).status_code == 200


def test_street_admin_sets_their_own_password_and_stays_signed_in(world, login):
    client = login("street_admin")
    response = client.post(
        reverse("people-password", args=[world.street_admin.pk]),
        {"password": GOOD, "password_again": GOOD},
    )
    assert response.status_code == 302
    assert client.get(reverse("people")).status_code == 200
    assert can_log_in("street_admin", GOOD)


def test_superuser_manages_people_of_every_street(world, login, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = login("root")
    other_worker = create_user(username="other_worker", password=PASSWORD)
    assign_role(user=other_worker, role="grid_worker", target=world.grid_d)
    assert client.get(reverse("people-detail", args=[other_worker.pk])).status_code == 200
    response = client.post(
        reverse("people-new"),
        new_person(username="second", target=f"grid:{world.grid_d.pk}"),
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user__username="second").street_id == world.other_street.pk


# --- bounded queries and pages -----------------------------------------------------------


def add_people(world, count, start=0):
    for n in range(start, start + count):
        user = create_user(username=f"person{n:03d}", password=PASSWORD, full_name=f"人员{n}")
        assign_role(user=user, role="grid_worker", target=world.grid_a)
        assign_role(user=user, role="resident", target=world.household_b)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_takes_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login("street_admin")
    add_people(world, 3)
    before = count_queries(client, reverse("people"))
    add_people(world, 60, start=3)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("people"))
    assert count_queries(client, reverse("people")) == before
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == 2
    second = client.get(reverse("people"), {"page": 2})
    assert len(second.context["page"]) == 63 + 10 - 50  # 63 new people and the 10 personas


def test_detail_page_takes_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login("street_admin")
    add_people(world, 1)
    person = get_user_model().objects.get(username="person000")
    url = reverse("people-detail", args=[person.pk])
    with django_assert_max_num_queries(20):
        client.get(url)


def test_page_links_keep_the_search(world, login):
    client = login("street_admin")
    add_people(world, 60)
    response = client.get(reverse("people"), {"q": "person"})
    assert 'href="?q=person&amp;page=2"' in response.content.decode()
