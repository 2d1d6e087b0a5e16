"""The staff workbench, the ledger list and the case map: the right cases for each persona.

Cases are made through the actions; time limits are set by submitting
"in the past" with ``clock.frozen``.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.cases.actions import (
    accept_case,
    report_for_duty,
    resolve_case,
    submit_case,
    verify_case,
    whistle,
)
from gridgov.cases.filters import filter_cases
from gridgov.cases.models import Case, Category
from gridgov.cases.units import unit_for
from gridgov.core import clock

pytestmark = pytest.mark.django_db

RUBBISH = "金华路46号门口的建筑垃圾堆了好几天了, 没人清运"
# Longitudes inside grid A, grid B (both community 一社区) and grid C (二社区).
GRID_A, GRID_B, GRID_C = 120.305, 120.315, 120.325


def category(code: str = "env.sanitation") -> Category:
    return Category.objects.get(code=code)


def report(world, *, lng=GRID_A, code="env.sanitation", ago=None, **kwargs) -> Case:
    """A resident's report, dispatched at intake (submitted ``ago`` before now if given)."""
    fields = {
        "description": RUBBISH,
        "category": category(code) if code else None,
        "lat": 36.105,
        "lng": lng,
        "actor": world.resident,
    }
    fields.update(kwargs)
    if ago is None:
        return submit_case(**fields)
    with clock.frozen(timezone.now() - ago):
        return submit_case(**fields)


def queues(client) -> dict[str, int]:
    response = client.get(reverse("case-workbench"))
    assert response.status_code == 200
    return {tab["key"]: tab["count"] for tab in response.context["tabs"]}


def queue(client, key: str) -> list[str]:
    response = client.get(reverse("case-workbench"), {"queue": key})
    assert response.status_code == 200
    items = response.context["items"]
    return [getattr(item, "case", item).number for item in items]


def ledger(client, **params) -> list[str]:
    response = client.get(reverse("case-ledger"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return [case.number for case in response.context["items"]]


# --- who gets the pages --------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["case-workbench", "case-ledger", "case-map", "case-map-data"])
@pytest.mark.parametrize(
    "username",
    [
        "street_admin",
        "community_admin",
        "grid_worker_a",
        "branch_secretary_a",
        "dept_clerk",
        "partner",
    ],
)
def test_case_handlers_get_the_staff_pages(world, login, username, url_name):
    assert login(username).get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("url_name", ["case-workbench", "case-ledger", "case-map", "case-map-data"])
@pytest.mark.parametrize("username", ["resident", "enterprise", "outsider"])
def test_people_who_handle_no_cases_get_404(world, login, username, url_name):
    assert login(username).get(reverse(url_name)).status_code == 404


def test_anonymous_is_sent_to_the_login_page(world, client):
    for url_name in (
        "case-workbench",
        "case-ledger",
        "case-ledger-export",
        "case-map",
        "case-rules",
    ):
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_navigation_offers_the_workbench_to_case_handlers_only(world, login, client):
    html = login("grid_worker_a").get(reverse("home")).content.decode()
    assert reverse("case-workbench") in html
    client.logout()
    html = login("resident").get(reverse("home")).content.decode()
    assert reverse("case-workbench") not in html


def test_the_workbench_is_marked_active_in_the_navigation_on_the_ledger(world, login):
    response = login("street_admin").get(reverse("case-ledger"))
    active = [item for item in response.context["nav_items"] if item["active"]]
    assert [item["url"] for item in active] == [reverse("case-workbench")]


# --- the queues ----------------------------------------------------------------------------


def test_the_street_admin_sees_cases_waiting_for_the_dispatcher(world, login):
    waiting = report(world, code=None)  # no category: waits for the dispatcher
    dispatched = report(world)
    client = login("street_admin")
    assert queue(client, "register") == [waiting.number]
    assert dispatched.number not in queue(client, "register")


def test_only_dispatchers_have_the_register_queue(world, login):
    report(world, code=None)
    assert "register" not in queues(login("grid_worker_a"))


def test_overdue_and_due_soon_queues(world, login):
    late = report(world, ago=datetime.timedelta(days=5))  # both limits passed
    soon = report(world, ago=datetime.timedelta(hours=1))  # response due in 23 hours
    fresh = report(world, code="env.greening", lng=GRID_B)  # to the community, 24 h from now
    with clock.frozen(timezone.now() - datetime.timedelta(days=6)):
        accept_case(case=fresh, actor=world.community_admin)  # accepted: no response limit
    for username in ("street_admin", "grid_worker_a"):
        client = login(username)
        assert queue(client, "overdue") == [late.number]
        assert soon.number in queue(client, "due_soon")
        assert late.number not in queue(client, "due_soon")
        client.logout()


def test_an_accepted_case_is_overdue_only_by_its_resolution_limit(world, login):
    case = report(world, ago=datetime.timedelta(hours=30))  # response limit passed
    client = login("grid_worker_a")
    assert queue(client, "overdue") == [case.number]
    accept_case(case=case, actor=world.grid_worker_a)
    assert queue(client, "overdue") == []


def test_the_grid_worker_sees_their_grid_and_never_another(world, login):
    mine = report(world, lng=GRID_A)
    theirs = report(world, lng=GRID_B)
    client = login("grid_worker_a")
    assert queue(client, "mine") == [mine.number]
    assert ledger(client) == [mine.number]
    client.logout()
    client = login("grid_worker_b")
    assert queue(client, "mine") == [theirs.number]
    assert mine.number not in ledger(client)
    for key in queues(client):
        assert mine.number not in queue(client, key)


def test_grid_worker_b_never_sees_grid_a_even_when_overdue(world, login):
    late = report(world, lng=GRID_A, ago=datetime.timedelta(days=5))
    client = login("grid_worker_b")
    assert queues(client)["overdue"] == 0
    assert late.number not in ledger(client, overdue="now")
    data = client.get(reverse("case-map-data")).json()
    assert data["features"] == []


def test_the_department_sees_the_whistle_awaiting_its_report(world, login):
    case = report(world)
    accept_case(case=case, actor=world.grid_worker_a)
    whistle(case=case, actor=world.grid_worker_a, up=True, reason="垃圾量大, 网格清不动")
    client = login("dept_clerk")
    assert queues(client)["whistles"] == 0
    whistle(
        case=case,
        actor=world.community_admin,
        units=[unit_for(world.dept_urban)],
        reason="需要城管调车清运",
    )
    assert queue(client, "whistles") == [case.number]
    assert queue(client, "mine") == [case.number]  # a co-handler (事不完、人不撤)
    report_for_duty(case=case, actor=world.dept_clerk, note="已到场")
    assert queue(client, "whistles") == []
    assert queue(client, "mine") == [case.number]
    assert ledger(client) == [case.number]


def test_the_community_admin_gets_the_whistle_up_and_verifies(world, login):
    case = report(world)
    other = report(world, lng=GRID_C)  # community 二社区: not theirs
    whistle(case=case, actor=world.grid_worker_a, up=True, reason="需要社区协调")
    client = login("community_admin")
    assert queue(client, "whistles") == [case.number]
    assert other.number not in ledger(client)
    report_for_duty(case=case, actor=world.community_admin)
    resolve_case(case=case, actor=world.community_admin, reply="已协调清运")
    assert queue(client, "verify") == [case.number]
    verify_case(case=case, actor=world.grid_worker_a, ok=True)
    assert queue(client, "verify") == []
    assert queue(client, "mine") == []


def test_a_staff_member_does_not_find_their_own_home_report_in_the_queues(world, login):
    from gridgov.accounts.actions import assign_role

    assign_role(user=world.dept_clerk, role="resident", target=world.household_b)
    home = report(world, lng=GRID_B, actor=world.dept_clerk)
    client = login("dept_clerk")
    assert all(count == 0 for count in queues(client).values())
    assert home.number in ledger(client)  # still on their own record


def test_rows_link_to_the_case_page(world, login):
    case = report(world)
    html = login("grid_worker_a").get(reverse("case-workbench"), {"queue": "mine"})
    assert f'href="/cases/{case.pk}/"' in html.content.decode()


def test_the_default_queue_is_the_first_with_something_in_it(world, login):
    report(world, ago=datetime.timedelta(days=5))
    response = login("grid_worker_a").get(reverse("case-workbench"))
    assert response.context["queue"].key == "overdue"


# --- the ledger list -----------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """Cases across grids, categories, channels and times."""
    a = report(world, lng=GRID_A, ago=datetime.timedelta(days=10))
    b = report(world, lng=GRID_B, code="facility.road", channel="hotline")
    c = report(world, lng=GRID_C, code="env.greening")
    resolve_case(case=b, actor=world.dept_clerk, reply="井盖已更换")
    return {"a": a, "b": b, "c": c}


def test_the_ledger_filters_by_place(world, login, spread):
    client = login("street_admin")
    assert set(ledger(client)) == {case.number for case in spread.values()}
    assert set(ledger(client, community=world.c1.pk)) == {spread["a"].number, spread["b"].number}
    assert ledger(client, grid=world.grid_c.pk) == [spread["c"].number]


def test_the_ledger_filters_by_unit_category_status_and_channel(world, login, spread):
    client = login("street_admin")
    assert ledger(client, unit=unit_for(world.dept_urban).pk) == [spread["b"].number]
    assert ledger(client, category="env.greening") == [spread["c"].number]
    assert ledger(client, status="resolved") == [spread["b"].number]
    both = ledger(client, status=["resolved", "dispatched"])
    assert len(both) == 3
    assert ledger(client, channel="hotline") == [spread["b"].number]


def test_the_ledger_filters_by_period_and_overdue(world, login, spread):
    client = login("street_admin")
    today = timezone.localdate()
    assert set(ledger(client, submitted_from=today.isoformat())) == {
        spread["b"].number,
        spread["c"].number,
    }
    old = (today - datetime.timedelta(days=10)).isoformat()
    assert ledger(client, submitted_from=old, submitted_to=old) == [spread["a"].number]
    assert ledger(client, overdue="now") == [spread["a"].number]


def test_the_unit_filter_finds_cases_a_unit_was_whistled_to(world, login, spread):
    whistle(
        case=spread["a"],
        actor=world.grid_worker_a,
        units=[unit_for(world.dept_urban)],
        reason="需要城管",
    )
    client = login("street_admin")
    assert set(ledger(client, unit=unit_for(world.dept_urban).pk)) == {
        spread["a"].number,
        spread["b"].number,
    }


def test_bad_filters_are_shown_beside_their_fields(world, login, spread):
    client = login("street_admin")
    response = client.get(
        reverse("case-ledger"),
        {"submitted_from": "2024-05-02", "submitted_to": "2024-05-01", "status": "lost"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_submitted_to-error"' in html and 'id="id_status-error"' in html
    assert response.context["items"] == []


def test_a_place_outside_the_scope_is_not_a_valid_filter(world, login, spread):
    response = login("grid_worker_b").get(reverse("case-ledger"), {"grid": world.grid_d.pk})
    assert response.status_code == 400


def test_the_ledger_is_paginated_and_keeps_the_filters(world, login, monkeypatch):
    from gridgov.cases.views import staff

    for _ in range(3):
        report(world)
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    response = login("street_admin").get(reverse("case-ledger"), {"category": "env.sanitation"})
    assert len(response.context["items"]) == 2
    assert response.context["page"].paginator.num_pages == 2
    assert "category=env.sanitation&amp;page=2" in response.content.decode()


def test_ledger_pages_follow_each_other_newest_first(world, login, monkeypatch):
    from gridgov.cases.views import staff

    for days in (3, 1, 2, 5, 4):
        report(world, ago=datetime.timedelta(days=days))
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    client = login("street_admin")
    pages = [
        [case.number for case in client.get(reverse("case-ledger"), {"page": n}).context["items"]]
        for n in (1, 2, 3)
    ]
    newest_first = list(Case.objects.order_by("-submitted_at").values_list("number", flat=True))
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]


def test_filter_cases_takes_plain_dicts_for_the_api(world, spread):
    cases, form = filter_cases(
        Case.objects.visible_to(world.street_admin),
        {"status": "resolved,dispatched", "overdue": True, "grid": world.grid_a.pk},
        user=world.street_admin,
    )
    assert not form.errors
    assert [case.number for case in cases] == [spread["a"].number]
    cases, form = filter_cases(Case.objects.all(), {"category": "no.such"})
    assert "category" in form.errors and not cases.exists()


# --- the case map --------------------------------------------------------------------------


def test_the_map_shows_open_cases_with_their_status(world, login, spread):
    verify_case(case=spread["b"], actor=world.street_admin, ok=True)  # closed: off the map
    late = spread["a"]
    data = login("street_admin").get(reverse("case-map-data")).json()
    by_number = {f["properties"]["number"]: f["properties"] for f in data["features"]}
    assert set(by_number) == {spread["a"].number, spread["c"].number}
    assert by_number[late.number]["status"] == "dispatched"
    assert by_number[late.number]["overdue"] is True
    assert by_number[late.number]["url"] == f"/cases/{late.pk}/"
    assert data["total"] == 2 and data["truncated"] is False


def test_the_map_takes_the_ledger_filters(world, login, spread):
    data = login("street_admin").get(reverse("case-map-data"), {"grid": world.grid_c.pk}).json()
    assert [f["properties"]["number"] for f in data["features"]] == [spread["c"].number]
    page = login("street_admin").get(reverse("case-map"), {"grid": world.grid_c.pk})
    assert f"grid={world.grid_c.pk}" in page.content.decode()


# --- a fixed number of queries ---------------------------------------------------------------


def _many(world, count: int) -> None:
    """``count`` cases in grid A: half overdue, some whistled to the department, some new."""
    urban = unit_for(world.dept_urban)
    for i in range(count):
        ago = datetime.timedelta(days=5) if i % 2 else None
        case = report(world, ago=ago, code=None if i % 5 == 0 else "env.sanitation")
        if i % 5 and i % 3 == 0:
            whistle(case=case, actor=world.grid_worker_a, units=[urban], reason="需要城管")


PAGES = [
    ("case-workbench", {}),
    ("case-workbench", {"queue": "overdue"}),
    ("case-workbench", {"queue": "whistles"}),
    ("case-workbench", {"queue": "register"}),
    ("case-workbench", {"queue": "due_soon"}),
    ("case-workbench", {"queue": "mine"}),
    ("case-ledger", {}),
    ("case-ledger", {"page": 2}),  # with 20 cases: the only page; with 200: rows 51-100
    ("case-ledger", {"overdue": "now", "unit": "", "status": "dispatched"}),
    ("case-map-data", {}),
]


def _measure(client, login, username, django_assert_max_num_queries) -> dict[str, int]:
    client.logout()
    login(username)
    counts = {}
    for url_name, params in PAGES:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse(url_name), params).status_code == 200
        counts[f"{url_name} {params}"] = len(captured)
    return counts


def test_pages_take_a_fixed_number_of_queries(world, client, login, django_assert_max_num_queries):
    users = ("street_admin", "grid_worker_a", "dept_clerk", "community_admin")
    _many(world, 20)
    few = {u: _measure(client, login, u, django_assert_max_num_queries) for u in users}
    _many(world, 180)
    assert Case.objects.count() == 200
    many = {u: _measure(client, login, u, django_assert_max_num_queries) for u in users}
    assert many == few


def test_phone_numbers_are_masked_in_the_lists(world, login):
    report(world, description="垃圾堆了好几天, 请回电13812345678")
    client = login("grid_worker_a")
    for url in (reverse("case-ledger"), reverse("case-workbench") + "?queue=mine"):
        html = client.get(url).content.decode()
        assert "13812345678" not in html and "138****5678" in html
