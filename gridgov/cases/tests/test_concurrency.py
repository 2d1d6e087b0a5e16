"""Two people acting on one case at once: exactly one wins (PostgreSQL row locks)."""

import json
import threading

import pytest
from django.db import connection, connections

from gridgov.cases.actions import Conflict, accept_case, return_case, submit_case
from gridgov.cases.models import Case, Category


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
@pytest.mark.parametrize("with_version", [True, False])
def test_two_simultaneous_moves_one_wins_the_other_conflicts(transactional_db, with_version):
    from tests.personas import build_world

    world = build_world()
    case = submit_case(
        description="楼道里堆满了杂物, 有消防隐患",
        category=Category.objects.get(code="env.sanitation"),
        lat=36.105,
        lng=120.305,
        actor=world.resident,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(move):
        try:
            barrier.wait()
            move()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001  (reported in the assertion)
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    # Both saw the same version: accepting and returning it cannot both happen.
    seen = case.version
    moves = [
        lambda: accept_case(case=case, actor=world.grid_worker_a, version=seen),
        lambda: return_case(
            case=case, actor=world.grid_worker_a, reason="不归我们管", version=seen
        ),
    ]
    threads = [threading.Thread(target=act, args=(move,)) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Case.objects.get(pk=case.pk).event_count == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_two_simultaneous_api_calls_one_200_the_other_409(transactional_db):
    from django.test import Client

    from gridgov.cases.catalogue import sync_categories
    from gridgov.cases.tests.test_api import demo_api, rubbish_report

    sync_categories()  # transactional_db empties the table the data migration filled
    api = demo_api(Client())
    case = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    seen = case["version"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def act(action, body):
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                f"/api/v1/cases/{case['id']}/actions/{action}",
                json.dumps({**body, "version": seen}),
                content_type="application/json",
                headers=api.headers("grid_worker_a"),
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("accept", {"note": "已到现场"})),
        threading.Thread(target=act, args=("return", {"reason": "不归我们管"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    after = api.ok(api.get("grid_worker_a", f"/cases/{case['id']}/events"))
    assert [event["action"] for event in after["items"]][-1] in ("accept", "return")
    assert Case.objects.get(pk=case["id"]).version == seen + 1
