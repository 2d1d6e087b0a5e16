"""KPI rollups: after random workflows they agree exactly with a recount from the raw ledger.

``recount`` below is written apart from ``insights.kpis``: it replays the
CaseEvent rows as docs/kpis.md defines the figures (first dispatch in the
period; suspended and merged cases out of the denominators; response within
the category's limit of the first dispatch; closed now, on time against the
due time in force; the latest rating; any failed check; any approved
extension) and groups them the same ways.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gridgov.cases import actions
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.sweep import sweep
from gridgov.cases.tests.test_workflow_property import UNITS, apply, effective, steps
from gridgov.cases.units import forget_units, unit_for
from gridgov.core import clock
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.scoping import forget_scope
from gridgov.insights.figures import BY, KpiPlace, kpi_figures
from gridgov.insights.kpis import refresh_kpis
from gridgov.insights.models import KpiMonthRollup, KpiRollup

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
START, END = datetime.date(2025, 3, 1), datetime.date(2025, 4, 1)
CASES = [  # category, longitude (grid A, B or C), channel
    ("env.sanitation", 120.305, "web"),
    ("facility.road", 120.315, "hotline"),
    ("housing.property", 120.325, "app"),
    ("env.sanitation", 120.315, "patrol"),
]
MEASURES = [
    "dispatched", "left_out", "responded", "closed", "closed_on_time", "rated", "satisfied",
    "verified", "reworked", "extended", "escalated", "whistled", "reopened", "returned",
]  # fmt: skip


def recount(
    street_id: int, by: str, start: datetime.date = START, end: datetime.date = END
) -> dict[str, Counter[str]]:
    """The figures straight from the ledger, per group (docs/kpis.md)."""
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "sequence"):
        events[event.case_id].append(event)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for case in Case.objects.filter(street_id=street_id).select_related("category"):
        history = events[case.pk]
        dispatches = [e for e in history if e.action == "dispatch"]
        if not dispatches:
            continue
        first = dispatches[0].created_at
        if not start <= timezone.localdate(first) < end:
            continue
        status = history[-1].to_status  # the ledger's word, not the case row's
        out = status in ("suspended", "merged")
        limit = first + datetime.timedelta(hours=case.category.response_hours)
        closing = [e for e in history if e.action == "verify"]
        closed = status == "closed"
        ratings = [e.data["rating"] for e in history if e.action == "rate"]
        did = {e.action for e in history}
        figures = {
            "dispatched": 1,
            "left_out": out,
            "responded": not out
            and any(e.action == "accept" and e.created_at <= limit for e in history),
            "closed": not out and closed,
            "closed_on_time": not out and closed and closing[-1].created_at <= case.resolve_due,
            "rated": bool(ratings),
            "satisfied": bool(ratings) and ratings[-1] in ("satisfied", "basically_satisfied"),
            "verified": bool(did & {"verify", "rework"}),
            "reworked": "rework" in did,
            "extended": not out and any(
                e.action == "decide_extension" and e.data.get("approved") for e in history
            ),
            "escalated": "escalate" in did,
            "whistled": "whistle" in did,
            "reopened": "reopen" in did,
            "returned": "return" in did,
        }  # fmt: skip
        key = {
            "unit": str(case.lead_unit_id),
            "category": case.category.code,
            "grid": str(case.grid_id),
            "channel": case.channel,
        }[by]
        groups[key].update({name: int(value) for name, value in figures.items()})
    return groups


# Whole months come from the monthly rollups, the days around them from the daily ones.
PERIODS = [
    (START, END),
    (datetime.date(2025, 2, 20), datetime.date(2025, 4, 3)),
    (datetime.date(2025, 3, 1), datetime.date(2025, 3, 11)),
    (datetime.date(2025, 3, 5), datetime.date(2025, 5, 1)),
]


def monthly_sums() -> dict[tuple, tuple]:
    return {
        (r.street_id, r.dimension, r.month, r.community_id, r.grid_id, r.key): tuple(
            getattr(r, m) for m in MEASURES
        )
        for r in KpiMonthRollup.objects.all()
        if any(getattr(r, m) for m in MEASURES)
    }


def monthly_sums_of_the_days() -> dict[tuple, tuple]:
    sums: dict[tuple, Counter[str]] = defaultdict(Counter)
    for r in KpiRollup.objects.all():
        key = (r.street_id, r.dimension, r.day.replace(day=1), r.community_id, r.grid_id, r.key)
        sums[key].update({m: getattr(r, m) for m in MEASURES})
    return {
        key: tuple(counts[m] for m in MEASURES)
        for key, counts in sums.items()
        if any(counts.values())
    }


def as_served(figures: dict) -> dict[str, Counter[str]]:
    return {row["key"]: Counter({m: row[m] for m in MEASURES if row[m]}) for row in figures["rows"]}


@hsettings(
    max_examples=25,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(steps, min_size=5, max_size=40), refresh_midway=st.booleans())
def test_rollups_equal_a_recount_from_the_ledger_after_random_workflows(
    world, plan, refresh_midway
):
    with transaction.atomic():
        for user in world.users.values():
            forget_units(user)
            forget_scope(user)
        for name in UNITS:
            unit_for(world.places[name])
        with clock.frozen(T0):
            cases = [
                actions.submit_case(
                    description="楼道里堆满了杂物",
                    category=Category.objects.get(code=code),
                    lat=36.105,
                    lng=lng,
                    channel=channel,
                    actor=world.resident,
                )
                for code, lng, channel in CASES
            ]
        now = T0
        for number, step in enumerate(plan):
            now += datetime.timedelta(hours=step.hours_later)
            if refresh_midway and number == len(plan) // 2:
                refresh_kpis()  # counts moved twice must still add up
            if step.action == "sweep":
                sweep(now)
                continue
            index = step.case % len(cases)
            case = Case.objects.get(pk=cases[index].pk)
            other = Case.objects.get(pk=cases[(index + 1) % len(cases)].pk)
            step = effective(step, case)
            try:
                apply(step, case, other, world, now)
            except (actions.Conflict, NotPermitted, ActionError):
                continue
        refresh_kpis()
        place = KpiPlace("street", world.street)
        for start, end in PERIODS:  # a whole month, and days around whole months
            for by in BY:
                assert as_served(kpi_figures(place, start, end, by)) == {
                    key: counts for key, counts in recount(world.street.pk, by, start, end).items()
                }, (by, start, end)
        assert monthly_sums() == monthly_sums_of_the_days()
        assert not Case.objects.filter(kpis_pending=True).exists()
        transaction.set_rollback(True)


def _dispatched(world, code="env.sanitation", lng=120.305):
    return actions.submit_case(
        description="楼道里堆满了杂物",
        category=Category.objects.get(code=code),
        lat=36.105,
        lng=lng,
        actor=world.resident,
    )


@pytest.mark.django_db
def test_a_case_moves_its_counts_when_it_changes_hands(world):
    case = _dispatched(world)
    refresh_kpis()
    place = KpiPlace("street", world.street)
    today, tomorrow = timezone.localdate(), timezone.localdate() + datetime.timedelta(days=1)
    before = kpi_figures(place, today, tomorrow, "unit")
    assert [row["name"] for row in before["rows"]] == [world.grid_a.name]

    actions.redispatch_case(
        case=case, actor=world.street_admin, unit=unit_for(world.grid_b), reason="划错网格"
    )
    refresh_kpis()
    after = kpi_figures(place, today, tomorrow, "unit")

    assert [row["name"] for row in after["rows"]] == [world.grid_b.name]
    assert after["total"]["dispatched"] == 1
    assert (
        KpiRollup.objects.filter(dimension="unit", key=str(unit_for(world.grid_a).pk))
        .get()
        .dispatched
        == 0
    )


@pytest.mark.django_db
def test_rates_show_numerator_and_denominator_and_no_rate_without_cases(world):
    case = _dispatched(world)
    actions.suspend_case(case=case, actor=world.street_admin, reason="需长期整治")
    refresh_kpis()
    today = timezone.localdate()

    figures = kpi_figures(
        KpiPlace("street", world.street), today, today + datetime.timedelta(days=1), "category"
    )

    total = figures["total"]
    assert (total["dispatched"], total["left_out"], total["counted"]) == (1, 1, 0)
    assert total["resolution_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert figures["rows"][0]["rank"] is None  # fewer than 5 counted: listed, not ranked


@pytest.mark.django_db
def test_the_worker_pass_refreshes_the_counts(world):
    from django.core.management import call_command

    _dispatched(world)
    assert Case.objects.filter(kpis_pending=True).count() == 1

    call_command("worker", "--once", stdout=__import__("io").StringIO())

    assert not Case.objects.filter(kpis_pending=True).exists()
    assert KpiRollup.objects.filter(dimension="channel").get().dispatched == 1


def _get(client, user, **params):
    from gridgov.accounts.actions import create_api_token

    token = create_api_token(user=user, name="kpis")[1]
    return client.get("/api/v1/kpis", params, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_the_kpi_endpoint_answers_each_role_at_its_scope(world, client):
    _dispatched(world)
    _dispatched(world, code="facility.road", lng=120.325)  # grid C, community 2
    refresh_kpis()

    street = _get(client, world.street_admin, by="grid")
    assert street.status_code == 200
    body = street.json()
    assert body["place"]["code"] == world.street.code and body["total"]["dispatched"] == 2
    assert {row["name"] for row in body["rows"]} == {world.grid_a.name, world.grid_c.name}

    community = _get(client, world.community_admin, place=world.c1.code, by="category")
    assert community.status_code == 200 and community.json()["total"]["dispatched"] == 1
    assert [row["key"] for row in community.json()["rows"]] == ["env.sanitation"]

    grid = _get(client, world.grid_worker_a)  # by default: the worker's own grid, by unit
    assert grid.json()["place"]["kind"] == "grid" and grid.json()["total"]["dispatched"] == 1

    for user, place in (
        (world.grid_worker_b, world.grid_a.code),  # a neighbouring grid
        (world.community_admin, world.c2.code),  # another community
        (world.community_admin, world.street.code),  # the street above
        (world.dept_clerk, world.street.code),  # a department: no place to judge
        (world.resident, world.street.code),
        (world.outsider, world.street.code),
    ):  # fmt: skip
        assert _get(client, user, place=place).status_code == 404, (user, place)
    assert client.get("/api/v1/kpis").status_code == 401


@pytest.mark.django_db
def test_the_kpi_endpoint_refuses_bad_parameters_clearly(world, client):
    admin = world.street_admin

    assert _get(client, admin, by="weather").status_code == 400
    backwards = _get(client, admin, **{"from": "2026-05-01", "to": "2026-04-01"})
    assert backwards.status_code == 400 and "to" in backwards.json()["errors"]
    assert _get(client, admin, **{"from": "2020-01-01", "to": "2026-01-01"}).status_code == 400
    assert _get(client, admin, **{"from": "yesterday"}).status_code == 422
    assert _get(client, admin, place="999").status_code == 404
