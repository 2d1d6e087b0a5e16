"""POST /api/v1/hotline/orders: routing, the hotline's deadline, idempotency, refusals."""

from __future__ import annotations

import datetime

import pytest

from gridgov.cases.models import Case, CaseEvent, CaseKind, Channel, Priority
from gridgov.cases.workflow import Status
from gridgov.core.models import AuditLogEntry
from gridgov.hotline.models import HotlineOrder
from gridgov.hotline.tests.conftest import hotline_account, order

pytestmark = pytest.mark.django_db

DEADLINE = "2026-11-25T18:00:00+08:00"


def _written() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        HotlineOrder.objects.count(),
        AuditLogEntry.objects.filter(action="receive_hotline_order").count(),
    )


def test_a_mapped_order_is_dispatched_at_once_with_the_hotline_deadline(hotline):
    response = hotline.post(order(deadline=DEADLINE, urgency="urgent"))
    assert response.status_code == 201, response.content
    answer = response.json()
    case = Case.objects.get(pk=answer["case_id"])
    assert answer["case_number"] == case.number
    assert answer["category"] == "env.sanitation"
    assert case.status == Status.DISPATCHED
    assert case.lead_unit is not None and case.lead_unit.grid_id == hotline.world.grid_a.pk
    assert (case.kind, case.channel, case.priority) == (
        CaseKind.HOTLINE,
        Channel.HOTLINE,
        Priority.URGENT,
    )
    assert (case.requester_name, case.requester_phone) == ("李女士", "13912345678")
    assert case.requester_id is None  # the caller, not the integration account
    due = datetime.datetime.fromisoformat(DEADLINE)
    assert case.resolve_due == due
    assert datetime.datetime.fromisoformat(answer["resolve_due"]) == due
    dispatch = case.events.get(action="dispatch")
    assert dispatch.data["resolve_due"] == due.isoformat()
    assert dispatch.data["deadline_set_by"] == "caller"
    hotline_order = case.hotline_order
    assert hotline_order.order_number == "GD20261123000123"
    assert hotline_order.received_at == datetime.datetime.fromisoformat("2026-11-23T09:15:00+08:00")
    assert hotline_order.payload["caller_phone"] == "13912345678"
    assert hotline_order.received_by == hotline.user


def test_without_a_deadline_the_category_sets_it(hotline):
    answer = hotline.post(order()).json()
    case = Case.objects.get(pk=answer["case_id"])
    assert case.resolve_due == case.dispatched_at + datetime.timedelta(
        days=case.category.resolve_days
    )
    assert "deadline_set_by" not in (case.events.get(action="dispatch").data or {})


def test_an_unknown_code_waits_for_the_dispatcher_with_the_reason(hotline):
    response = hotline.post(order(category="9999", deadline=DEADLINE))
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["case_id"])
    assert case.category is None
    assert case.status == Status.SUBMITTED
    assert case.lead_unit is not None and case.lead_unit.kind == "street"
    assert "9999" in case.routing_reason
    assert case.resolve_due is None


def test_the_dispatcher_dispatching_later_keeps_the_hotline_deadline(hotline):
    from gridgov.cases.actions import dispatch_case, register_case
    from gridgov.cases.models import Category
    from gridgov.cases.units import unit_for

    answer = hotline.post(order(category="9999", deadline=DEADLINE)).json()
    case = Case.objects.get(pk=answer["case_id"])
    admin = hotline.world.street_admin
    case = register_case(
        case=case, actor=admin, category=Category.objects.get(code="env.sanitation")
    )
    case = dispatch_case(case=case, actor=admin, unit=unit_for(hotline.world.grid_a))
    assert case.resolve_due == datetime.datetime.fromisoformat(DEADLINE)
    assert case.events.get(action="dispatch").data["deadline_set_by"] == "caller"


def test_a_resent_order_answers_200_with_the_first_case_and_writes_nothing(hotline):
    first = hotline.post(order())
    assert first.status_code == 201
    before = _written()
    again = hotline.post(order(content="同一个工单又推送了一次, 内容略有不同"))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert _written() == before


def test_the_same_number_in_another_street_is_another_order(hotline):
    first = hotline.post(order(lat=None, lng=None))
    _user, other_token = hotline_account(hotline.world.other_street, "hotline_other")
    other = hotline.post(order(lat=None, lng=None), token=other_token)
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["case_id"] != other.json()["case_id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_number": None}, "order_number"),
        ({"order_number": "  "}, "order_number"),
        ({"caller_name": ""}, "caller_name"),
        ({"content": None}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "长" * 4001}, "content"),
        ({"received_at": "yesterday at nine"}, "received_at"),
        ({"received_at": None}, "received_at"),
        ({"deadline": "2026-13-45T25:00:00"}, "deadline"),
        ({"caller_phone": 13912345678}, "caller_phone"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"urgency": "very urgent"}, "urgency"),
        ({"category": ""}, "category"),
        ({"lat": 36.1, "lng": None}, "lat"),
        ({"lat": "north"}, "lat"),
    ],
)
def test_bad_input_answers_400_with_the_field_and_writes_nothing(hotline, change, field):
    before = _written()
    response = hotline.post(order(**change))
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert _written() == before


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_a_body_that_is_not_an_object_answers_400(hotline, body):
    response = hotline.post(body)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert HotlineOrder.objects.count() == 0


def test_a_wrong_token_answers_401(hotline):
    response = hotline.post(order(), token="not-a-token")
    assert response.status_code == 401
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["street_admin", "resident", "outsider"])
def test_an_account_without_the_hotline_role_gets_404(hotline, persona):
    from gridgov.accounts.actions import create_api_token

    token = create_api_token(user=hotline.world.users[persona], name="t")[1]
    response = hotline.post(order(), token=token)
    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_a_revoked_hotline_role_gets_404(hotline):
    from gridgov.accounts.actions import revoke_role
    from gridgov.accounts.models import RoleAssignment

    revoke_role(assignment=RoleAssignment.objects.get(user=hotline.user), actor=None)
    assert hotline.post(order()).status_code == 404


def test_a_browser_session_cannot_post(hotline, client):
    client.force_login(hotline.user)
    response = client.post("/api/v1/hotline/orders", order(), content_type="application/json")
    assert response.status_code == 401


def test_the_case_page_shows_the_hotline_order_number(hotline, login):
    from django.urls import reverse

    case_id = hotline.post(order()).json()["case_id"]
    html = login("grid_worker_a").get(reverse("case-detail", args=[case_id])).content.decode()
    assert "GD20261123000123" in html
