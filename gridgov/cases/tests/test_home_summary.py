"""The home page's case part: queues for handlers, own reports for residents."""

import datetime

from django.urls import reverse

from gridgov.cases import actions
from gridgov.cases.models import Case, Category
from gridgov.cases.views.summary import case_summary
from gridgov.core import clock

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def rubbish(world, at=T0):
    with clock.frozen(at):
        return actions.submit_case(
            description="楼下的建筑垃圾堆了好几天了, 没人清运",
            category=Category.objects.get(code="env.sanitation"),
            lat=36.105,
            lng=120.305,
            actor=world.resident,
        )


def counts(summary):
    return {tile.key: tile.count for tile in summary.queues + summary.mine}


def test_a_grid_worker_sees_overdue_cases_of_the_grid_and_grid_b_does_not(world):
    rubbish(world)
    with clock.frozen(T0 + datetime.timedelta(days=2)):
        mine = counts(case_summary(world.grid_worker_a))
        other = counts(case_summary(world.grid_worker_b))
    assert mine["overdue"] == 1 and mine["mine"] == 1
    assert other["overdue"] == 0 and other["mine"] == 0
    assert "register" not in mine  # the street's dispatcher has that queue


def test_the_resident_is_asked_to_rate_a_closed_case(world):
    case = rubbish(world)
    assert counts(case_summary(world.resident)) == {"open": 1, "to_rate": 0}
    case = actions.resolve_case(case=case, actor=world.grid_worker_a, reply="已清运")
    actions.verify_case(case=case, actor=world.grid_worker_a, ok=True)
    summary = case_summary(world.resident)
    assert counts(summary) == {"open": 0, "to_rate": 1}
    assert summary.mine[1].alert and summary.queues == []


def test_the_home_page_links_each_queue_to_the_workbench(world, login):
    rubbish(world)
    html = login("street_admin").get(reverse("home")).content.decode()
    assert f'href="{reverse("case-workbench")}?queue=register"' in html
    assert reverse("case-ledger") in html


def test_an_outsider_gets_no_case_section(world, login):
    rubbish(world)
    html = login("outsider").get(reverse("home")).content.decode()
    assert 'id="cases-heading"' not in html
    assert Case.objects.count() == 1
