"""The hotline pages: street admins of the street only; others 404."""

from __future__ import annotations

import pytest

from gridgov.cases import actions
from gridgov.cases.models import Case, Category, OutboxMessage
from gridgov.hotline.models import HotlineCategoryMapping
from gridgov.hotline.tests.conftest import HOTLINE_CODE, order

pytestmark = pytest.mark.django_db


def _other_street_admin(world):
    from gridgov.accounts.actions import assign_role, create_user

    user = create_user(username="other_admin", password="other-pass-1")
    assign_role(user=user, role="street_admin", target=world.other_street)
    return user


def _accepted(hotline):
    case = Case.objects.get(pk=hotline.post(order()).json()["case_id"])
    return actions.accept_case(case=case, actor=hotline.world.grid_worker_a)


@pytest.mark.parametrize("url", ["/hotline/deliveries/", "/hotline/mapping/"])
@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident", "outsider"])
def test_only_street_admins_reach_the_pages(hotline, client, url, persona):
    client.force_login(hotline.world.users[persona])
    assert client.get(url).status_code == 404


def test_the_hotline_account_itself_gets_404(hotline, client):
    client.force_login(hotline.user)
    assert client.get("/hotline/deliveries/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/hotline/deliveries/").status_code == 302


def test_deliveries_show_pending_failing_and_delivered(hotline, client):
    case = _accepted(hotline)
    actions.resolve_case(case=case, actor=hotline.world.grid_worker_a, reply="已清运")
    first, second = OutboxMessage.objects.filter(sender="hotline").order_by("id")
    OutboxMessage.objects.filter(pk=first.pk).update(
        attempts=2, last_error="URLError: connection refused"
    )
    client.force_login(hotline.world.street_admin)
    response = client.get("/hotline/deliveries/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "GD20261123000123" in page and case.number in page
    assert "<td>已办结</td>" in page and "<td>resolved</td>" not in page  # in words
    assert "connection refused" in page
    assert "text-bg-danger" in page and "text-bg-secondary" in page
    OutboxMessage.objects.filter(pk=second.pk).update(delivered_at=second.next_attempt_at)
    assert "text-bg-success" in client.get("/hotline/deliveries/").content.decode()


def test_another_streets_admin_sees_none_of_its_messages(hotline, client):
    _accepted(hotline)
    client.force_login(_other_street_admin(hotline.world))
    response = client.get("/hotline/deliveries/")
    assert response.status_code == 200
    assert "GD20261123000123" not in response.content.decode()


def test_a_street_admin_adds_and_removes_a_code(hotline, client):
    client.force_login(hotline.world.street_admin)
    response = client.post(
        "/hotline/mapping/",
        {"hotline_code": "0502", "hotline_name": "道路破损", "category": "env.sanitation"},
    )
    assert response.status_code == 302
    row = HotlineCategoryMapping.objects.get(street=hotline.world.street, hotline_code="0502")
    assert row.category.code == "env.sanitation"
    assert "0502" in client.get("/hotline/mapping/").content.decode()
    assert client.post(f"/hotline/mapping/{row.pk}/delete/").status_code == 302
    assert not HotlineCategoryMapping.objects.filter(pk=row.pk).exists()


def test_changing_a_code_remaps_its_next_orders(hotline, client):
    other = Category.objects.filter(active=True).exclude(code="env.sanitation").first()
    client.force_login(hotline.world.street_admin)
    client.post("/hotline/mapping/", {"hotline_code": HOTLINE_CODE, "category": other.code})
    answer = hotline.post(order(order_number="GD2")).json()
    assert answer["category"] == other.code


def test_a_bad_mapping_form_answers_400(hotline, client):
    client.force_login(hotline.world.street_admin)
    response = client.post("/hotline/mapping/", {"hotline_code": "", "category": "nope"})
    assert response.status_code == 400


def test_another_streets_admin_cannot_remove_our_codes(hotline, client):
    row = HotlineCategoryMapping.objects.get(hotline_code=HOTLINE_CODE)
    client.force_login(_other_street_admin(hotline.world))
    assert client.post(f"/hotline/mapping/{row.pk}/delete/").status_code == 404
    assert HotlineCategoryMapping.objects.filter(pk=row.pk).exists()
    assert "市容环境" not in client.get("/hotline/mapping/").content.decode()
