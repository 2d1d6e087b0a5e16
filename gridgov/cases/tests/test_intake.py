"""Intake through the API, as the hot path: its answer, its numbers, its queries."""

import json
import threading

import pytest
from django.db import connection, connections

from gridgov.accounts.actions import create_api_token
from gridgov.cases.actions import submit_case
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import Case, Category
from gridgov.cases.units import ensure_units
from gridgov.places.models import Grid

REPORT = "楼道里堆满了杂物, 有消防隐患, 麻烦尽快来看看"


def post_case(client, user, **fields):
    token = create_api_token(user=user, name="intake")[1]
    body = {"description": REPORT, "lat": 36.105, "lng": 120.305, **fields}
    return client.post(
        "/api/v1/cases",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    ), token


def category_for(handler_prefix: str) -> str:
    return Category.objects.filter(handler__startswith=handler_prefix).order_by("code")[0].code


@pytest.mark.parametrize("handler", ["grid", "community", "street:", "partner"])
@pytest.mark.parametrize("who", ["resident", "grid_worker_a", "enterprise"])
def test_the_answer_is_what_reading_the_case_shows_the_requester(world, client, handler, who):
    response, token = post_case(client, world.users[who], category=category_for(handler))
    assert response.status_code == 201, response.content.decode()
    created = response.json()

    read = client.get(
        f"/api/v1/cases/{created['id']}", headers={"Authorization": f"Bearer {token}"}
    )

    assert created["status"] == "dispatched"
    assert created == read.json()


def test_a_case_waiting_for_the_dispatcher_answers_the_same_as_a_read(world, client):
    response, token = post_case(client, world.resident)  # no category: not dispatched
    created = response.json()

    read = client.get(
        f"/api/v1/cases/{created['id']}", headers={"Authorization": f"Bearer {token}"}
    )

    assert created["status"] == "submitted"
    assert created == read.json()


@pytest.mark.parametrize(
    "place",
    [{"lat": 36.0, "lng": 120.0}, {"lat": None, "lng": None, "address": "金华路46号"}],
    ids=["outside every grid", "address only"],
)
def test_a_case_with_no_grid_goes_to_the_callers_street(world, client, place):
    response, token = post_case(client, world.resident, category="env.sanitation", **place)
    created = response.json()

    read = client.get(
        f"/api/v1/cases/{created['id']}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 201
    assert created["street"]["id"] == world.street.pk and created["grid"] is None
    assert created["status"] == "submitted"
    assert created == read.json()


def test_numbers_count_up_per_street_and_day_from_one(world):
    category = Category.objects.get(code="env.sanitation")
    numbers = [
        submit_case(
            description=REPORT, category=category, lat=36.105, lng=lng, actor=world.resident
        ).number.rpartition("-")[2]
        for lng in (120.305, 120.315, 120.325)
    ]
    assert numbers == ["0001", "0002", "0003"]


def test_one_intake_takes_a_fixed_number_of_queries(
    world, client, settings, django_assert_num_queries
):
    settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS = 3600  # the grid fingerprint: once a second
    ensure_units(world.street)  # units are made on first use; here they exist
    token = create_api_token(user=world.resident, name="intake")[1]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"description": REPORT, "category": "env.sanitation", "lat": 36.105, "lng": 120.305}
    client.post("/api/v1/cases", body, content_type="application/json", headers=headers)
    # token, roles, category; BEGIN; the grid's and street's units with their places,
    # the routing rule; the number; case INSERT and UPDATE; the events; COMMIT.
    # Notifications and outbox messages: the worker's (Case.notices_pending).
    with django_assert_num_queries(11):
        response = client.post(
            "/api/v1/cases", body, content_type="application/json", headers=headers
        )
    assert response.status_code == 201


def test_intake_still_routes_when_another_process_moved_the_grids(world, settings):
    """The index of this process is stale (recheck not due): the grid read disagrees, so
    intake looks again with a fresh index instead of trusting the stale answer."""
    settings.GRIDGOV_GRID_INDEX_RECHECK_SECONDS = 3600
    ensure_units(world.street)
    category = Category.objects.get(code="env.sanitation")
    submit_case(
        description=REPORT, category=category, lat=36.105, lng=120.305, actor=world.resident
    )
    Grid.objects.filter(pk=world.grid_a.pk).update(community=world.c2)  # another process

    case = submit_case(
        description=REPORT, category=category, lat=36.105, lng=120.305, actor=world.resident
    )

    assert case.grid_id == world.grid_a.pk and case.community_id == world.c2.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_simultaneous_intakes_get_distinct_numbers_and_a_sound_ledger(transactional_db):
    from tests.personas import build_world

    world = build_world()
    category = Category.objects.get(code="env.sanitation")
    intakes = 6
    barrier = threading.Barrier(intakes)
    failures: list[BaseException] = []

    def intake(lng: float) -> None:
        try:
            barrier.wait()
            submit_case(
                description=REPORT, category=category, lat=36.105, lng=lng, actor=world.resident
            )
        except BaseException as exc:  # noqa: BLE001  (reported in the assertion)
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=intake, args=(120.301 + 0.005 * n,)) for n in range(intakes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    numbers = sorted(
        number.rpartition("-")[2] for number in Case.objects.values_list("number", flat=True)
    )
    assert numbers == [f"{n:04d}" for n in range(1, intakes + 1)]
    assert verify_ledger() == (intakes, [])
