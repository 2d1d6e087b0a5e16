"""The deadlines sweep: overdue response, escalation one level up, unanswered whistles."""

import datetime
import io
import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from gridgov.cases.actions import (
    accept_case,
    decide_extension,
    report_for_duty,
    request_extension,
    resolve_case,
    resume_case,
    submit_case,
    suspend_case,
    whistle,
)
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import (
    Case,
    CaseEvent,
    Category,
    Notification,
    OutboxMessage,
    Summons,
    UnitKind,
)
from gridgov.cases.sweep import escalate_case, sweep
from gridgov.cases.units import unit_for
from gridgov.core import clock

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def rubbish_case(world, at=T0, lat=36.105, lng=120.305):
    """env.sanitation in grid A: response due in 24 h, resolution in 3 days."""
    with clock.frozen(at):
        return submit_case(
            description="楼下的建筑垃圾堆了好几天了, 没人清运",
            category=Category.objects.get(code="env.sanitation"),
            lat=lat,
            lng=lng,
            actor=world.resident,
        )


def state():
    """Everything a sweep may change, to compare two passes."""
    return (
        list(
            Case.objects.order_by("pk").values_list(
                "pk",
                "status",
                "version",
                "event_count",
                "response_overdue_at",
                "escalated_at",
                "escalation_count",
            )
        ),
        list(Summons.objects.order_by("pk").values_list("pk", "due_at", "overdue_notified_at")),
        CaseEvent.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
    )


def notified(kind, case=None):
    rows = Notification.objects.filter(kind=kind)
    if case is not None:
        rows = rows.filter(case=case)
    return sorted(rows.values_list("user__username", flat=True))


# --------------------------------------------------------------------------- response


def test_an_overdue_response_notifies_the_unit_and_its_supervisor_once(world):
    case = rubbish_case(world)
    assert sweep(T0 + 23 * HOUR).changes == 0  # not yet due

    report = sweep(T0 + 25 * HOUR)
    assert report.response_overdue == [(case.number, "一网格")]
    case.refresh_from_db()
    assert case.response_overdue_at == T0 + 25 * HOUR
    assert case.status == "dispatched" and case.version == 2  # not a workflow step
    assert case.event_count == 3  # no ledger event
    # the grid's people and the community above it; not grid B, not the street
    assert notified("response_overdue", case) == [
        "branch_secretary_a",
        "community_admin",
        "grid_worker_a",
    ]
    message = OutboxMessage.objects.get(topic="case.response_overdue")
    assert message.payload["case"] == case.number and message.payload["lead_unit"] == "一网格"

    before = state()
    assert sweep(T0 + 25 * HOUR).changes == 0
    assert sweep(T0 + 30 * HOUR).changes == 0
    assert state() == before


def test_an_accepted_case_is_not_response_overdue(world):
    case = rubbish_case(world)
    with clock.frozen(T0 + HOUR):
        accept_case(case=case, actor=world.grid_worker_a)
    assert sweep(T0 + 25 * HOUR).response_overdue == []


def test_a_department_late_to_respond_is_reported_to_the_street_office(world):
    with clock.frozen(T0):
        case = submit_case(
            description="井盖松动了, 车一过就响",
            category=Category.objects.get(code="facility.road"),  # 12 h, urban management
            lat=36.105,
            lng=120.315,
            actor=world.resident,
        )
    sweep(T0 + 13 * HOUR)
    assert notified("response_overdue", case) == ["dept_clerk", "street_admin"]


# --------------------------------------------------------------------------- resolution


def test_an_overdue_resolution_escalates_one_level_up_with_a_ledger_event(world):
    case = rubbish_case(world)
    with clock.frozen(T0 + HOUR):
        accept_case(case=case, actor=world.grid_worker_a)
    assert sweep(T0 + 3 * DAY - HOUR).escalated == []

    at = T0 + 3 * DAY + HOUR
    report = sweep(at)
    assert report.escalated == [(case.number, "一社区")]
    case.refresh_from_db()
    assert case.status == "accepted"  # escalation is not a status
    assert case.escalated_at == at and case.escalation_count == 1
    event = case.events.get(sequence=case.event_count)
    assert event.action == "escalate" and event.actor is None and event.actor_name == "system"
    assert event.created_at == at
    assert event.unit.grid == world.grid_a
    assert event.from_status == event.to_status == "accepted"
    assert [u["name"] for u in event.target_units] == ["一社区"]
    summons = Summons.objects.get(case=case)
    assert summons.unit == unit_for(world.c1) and summons.summoned_at == at
    assert summons.due_at == at + datetime.timedelta(minutes=30)
    # the community's people are summoned; the grid hears of it
    assert notified("escalate", case) == ["branch_secretary_a", "community_admin", "grid_worker_a"]
    assert OutboxMessage.objects.filter(topic="case.escalate").count() == 1
    assert verify_ledger() == (1, [])
    # the summoned community now sees the case and may report for duty
    with clock.frozen(at + 10 * datetime.timedelta(minutes=1)):
        report_for_duty(case=case, actor=world.community_admin)

    before = state()
    assert sweep(at).changes == 0
    assert sweep(at + 2 * HOUR).changes == 0
    assert state() == before


def test_escalation_again_only_when_a_new_deadline_passes(world, settings):
    """Grid -> community at the case's deadline; community -> street office when
    the community's own deadline (GRIDGOV_ESCALATION_HOURS after) passes; then no
    more; an approved extension is a new deadline that escalates from the lead again."""
    settings.GRIDGOV_ESCALATION_HOURS = 24
    case = rubbish_case(world)
    first = T0 + 3 * DAY + HOUR
    assert [u for _n, u in sweep(first).escalated] == ["一社区"]
    assert sweep(first + 23 * HOUR).escalated == []  # the community still has time

    second = first + 25 * HOUR
    assert [u for _n, u in sweep(second).escalated] == ["测试街道"]
    case.refresh_from_db()
    assert case.escalation_count == 2 and case.escalated_at == second
    ladder = [e.target_units[0]["name"] for e in case.events.filter(action="escalate")]
    assert ladder == ["一社区", "测试街道"]
    # the street office's own event names the community as the unit that missed its deadline
    assert case.events.filter(action="escalate").last().unit.kind == UnitKind.COMMUNITY
    assert notified("escalate", case).count("street_admin") == 1

    # the street office is the top: nothing escalates above it, however late
    before = state()
    assert sweep(second + 10 * DAY).escalated == []
    assert Summons.objects.filter(case=case).count() == 2

    # an approved extension gives a new deadline; when it passes, the lead's level above again
    with clock.frozen(second + 10 * DAY):
        request_extension(case=case, actor=world.grid_worker_a, days=20, reason="需要协调清运车辆")
        decide_extension(case=Case.objects.get(pk=case.pk), actor=world.street_admin, approve=True)
    case.refresh_from_db()
    assert case.resolve_due == T0 + 23 * DAY
    assert sweep(T0 + 23 * DAY - HOUR).escalated == []
    assert [u for _n, u in sweep(T0 + 23 * DAY + HOUR).escalated] == ["一社区"]
    assert Case.objects.get(pk=case.pk).escalation_count == 3
    assert state() != before
    assert verify_ledger() == (1, [])


def test_a_community_led_case_escalates_straight_to_the_street_office_then_stops(world):
    with clock.frozen(T0):
        case = submit_case(
            description="小区里的树枝压到电线了",
            category=Category.objects.get(code="env.greening"),  # community, 7 days
            lat=36.105,
            lng=120.305,
            actor=world.resident,
        )
    assert case.lead_unit.kind == UnitKind.COMMUNITY
    assert [u for _n, u in sweep(T0 + 8 * DAY).escalated] == ["测试街道"]
    assert sweep(T0 + 30 * DAY).escalated == []


def test_a_resolved_case_does_not_escalate(world):
    case = rubbish_case(world)
    with clock.frozen(T0 + DAY):
        resolve_case(case=case, actor=world.grid_worker_a, reply="已清运")
    assert sweep(T0 + 5 * DAY).changes == 0


def test_time_suspended_does_not_count_against_the_deadlines(world):
    case = rubbish_case(world)
    due = case.resolve_due
    with clock.frozen(T0 + HOUR):
        case = suspend_case(case=case, actor=world.street_admin, reason="管网改造, 待施工")
    assert sweep(T0 + 10 * DAY).escalated == []  # 挂账: no clock runs
    with clock.frozen(T0 + 10 * DAY + HOUR):
        case = resume_case(case=case, actor=world.street_admin)
    assert case.resolve_due == due + 10 * DAY
    assert case.events.last().data == {"paused_seconds": 10 * 24 * 3600}
    assert sweep(T0 + 12 * DAY).escalated == []
    assert len(sweep(T0 + 13 * DAY + 2 * HOUR).escalated) == 1


def test_a_manual_whistle_to_the_street_office_ends_the_ladder(world):
    case = rubbish_case(world)
    first = T0 + 3 * DAY + HOUR
    sweep(first)
    with clock.frozen(first + HOUR):
        whistle(case=case, actor=world.community_admin, up=True, reason="社区协调不动, 请街道出面")
    assert sweep(first + 5 * DAY).escalated == []


def test_escalate_case_refuses_a_case_that_is_not_due(world):
    case = rubbish_case(world)
    assert escalate_case(case=case, now=T0 + DAY) is None
    assert Case.objects.get(pk=case.pk).event_count == 3


# --------------------------------------------------------------------------- summons


def test_a_summons_not_reported_in_time_notifies_the_unit_and_the_street_office(world):
    case = rubbish_case(world)
    with clock.frozen(T0 + HOUR):
        whistle(
            case=case,
            actor=world.grid_worker_a,
            units=[unit_for(world.dept_urban), unit_for(world.clinic)],
            reason="需要城管和共建单位一起清运",
        )
    with clock.frozen(T0 + HOUR + datetime.timedelta(minutes=10)):
        report_for_duty(case=case, actor=world.partner)  # the clinic is in time
    assert sweep(T0 + HOUR + datetime.timedelta(minutes=29)).summons_overdue == []

    report = sweep(T0 + 2 * HOUR)
    assert report.summons_overdue == [(case.number, "城市管理科")]
    assert notified("summons_overdue", case) == ["dept_clerk", "street_admin"]
    summons = Summons.objects.get(case=case, unit=unit_for(world.dept_urban))
    assert summons.overdue_notified_at == T0 + 2 * HOUR
    before = state()
    assert sweep(T0 + 3 * HOUR).summons_overdue == []
    assert state() == before

    # whistled again: a new deadline, notified again when it passes too
    with clock.frozen(T0 + 4 * HOUR):
        whistle(
            case=case,
            actor=world.grid_worker_a,
            units=[unit_for(world.dept_urban)],
            reason="再次请城管到场",
        )
    assert sweep(T0 + 5 * HOUR).summons_overdue == [(case.number, "城市管理科")]


def test_everything_at_once_then_nothing(world):
    cases = [rubbish_case(world, at=T0 + i * HOUR) for i in range(3)]
    with clock.frozen(T0 + 5 * HOUR):
        whistle(case=cases[0], actor=world.grid_worker_a, up=True, reason="需要社区协调")
    report = sweep(T0 + 10 * DAY)
    assert len(report.response_overdue) == 3
    assert len(report.escalated) == 3
    # case 0's community summons expired before the sweep; the escalation re-summoned it
    # (a fresh report deadline), so no summons is overdue at this instant
    assert report.summons_overdue == []
    before = state()
    assert sweep(T0 + 10 * DAY).changes == 0
    assert state() == before


# --------------------------------------------------------------------------- commands


def test_the_sweep_command_runs_as_if_at_the_given_time(world):
    case = rubbish_case(world)
    out = io.StringIO()
    call_command("sweep", "--at", "2025-03-06T18:00", stdout=out)  # naive: Asia/Shanghai
    text = out.getvalue()
    assert "1 escalated" in text and case.number in text and "一社区" in text
    case.refresh_from_db()
    expected = timezone.make_aware(datetime.datetime(2025, 3, 6, 18, 0))
    assert case.escalated_at == expected
    assert case.events.get(action="escalate").created_at == expected

    out = io.StringIO()
    call_command("sweep", "--at", "2025-03-06T10:00:00+00:00", stdout=out)
    assert "0 response overdue, 0 escalated, 0 report for duty overdue" in out.getvalue()


def test_the_sweep_command_refuses_a_bad_time(db):
    with pytest.raises(CommandError, match="ISO"):
        call_command("sweep", "--at", "next tuesday")


def test_the_worker_once_sweeps_and_delivers(world, settings):
    settings.GRIDGOV_OUTBOX_SENDERS = ["log"]
    rubbish_case(world, at=timezone.now() - 30 * DAY)
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    text = out.getvalue()
    assert "1 escalated" in text and "delivered" in text
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    assert OutboxMessage.objects.filter(topic="case.escalate").exists()


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals: main thread"
)
def test_the_worker_stops_cleanly_on_sigterm(world):
    previous = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGTERM))
    out = io.StringIO()
    timer.start()
    try:
        call_command("worker", "--interval", "0.05", stdout=out)
    finally:
        timer.cancel()
    assert out.getvalue().rstrip().endswith("gridgov worker: stopped")
    assert signal.getsignal(signal.SIGTERM) is previous  # the handler is put back


# --------------------------------------------------------------------------- concurrency


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_two_sweeps_at_once_escalate_each_overdue_case_once(transactional_db):
    from tests.personas import build_world

    world = build_world()
    cases = [rubbish_case(world, at=T0 + i * datetime.timedelta(minutes=1)) for i in range(12)]
    at = T0 + 5 * DAY
    barrier = threading.Barrier(2)
    reports = []
    errors = []

    def run():
        try:
            barrier.wait()
            reports.append(sweep(at, batch=2))
        except Exception as exc:  # noqa: BLE001  (reported in the assertion)
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    escalated = sorted(number for report in reports for number, _unit in report.escalated)
    assert escalated == sorted(case.number for case in cases)
    flagged = sorted(number for report in reports for number, _unit in report.response_overdue)
    assert flagged == sorted(case.number for case in cases)
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        assert case.escalation_count == 1
        assert case.events.filter(action="escalate").count() == 1
    assert Summons.objects.filter(case__in=cases).count() == 12
    assert Notification.objects.filter(kind="response_overdue").count() == 12 * 3
    assert verify_ledger() == (12, [])
