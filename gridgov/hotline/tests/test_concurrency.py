"""Two sends of one order at the same moment make one case (PostgreSQL: real concurrency)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections

from gridgov.cases.models import Case, CaseEvent
from gridgov.hotline.models import HotlineOrder
from gridgov.hotline.tests.conftest import hotline_account, order


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_two_simultaneous_sends_make_one_case(transactional_db):
    from django.test import Client

    from gridgov.cases.catalogue import sync_categories
    from gridgov.cases.models import Category
    from gridgov.hotline.actions import set_mapping
    from tests.personas import build_world

    sync_categories()  # transactional_db empties the table the data migration filled
    world = build_world()
    set_mapping(
        street=world.street,
        hotline_code="0301",
        category=Category.objects.get(code="env.sanitation"),
        actor=None,
    )
    _user, token = hotline_account(world.street)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, int]] = []

    def send() -> None:
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                "/api/v1/hotline/orders",
                json.dumps(order()),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            answers.append((response.status_code, response.json().get("case_id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _case in answers) == [200, 201]
    assert len({case_id for _status, case_id in answers}) == 1
    assert Case.objects.count() == HotlineOrder.objects.count() == 1
    assert CaseEvent.objects.filter(action="submit").count() == 1
