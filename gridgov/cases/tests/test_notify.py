"""Who is notified of each step, what the outbox carries, and how many queries it takes."""

import json

import pytest

from gridgov.accounts.models import RoleAssignment
from gridgov.cases import notify
from gridgov.cases.actions import (
    accept_case,
    reject_case,
    report_for_duty,
    resolve_case,
    return_case,
    submit_case,
    verify_case,
    whistle,
)
from gridgov.cases.models import CaseEvent, Category, Notification, OutboxMessage
from gridgov.cases.sweep import sweep
from gridgov.cases.units import unit_for
from gridgov.core.errors import ActionError

DESCRIPTION = "万安一路6号门口的垃圾桶满了好几天, 张三说没人来收"


def new_case(world, category="env.sanitation", **kwargs):
    return submit_case(
        description=DESCRIPTION,
        category=Category.objects.get(code=category) if category else None,
        lat=36.105,
        lng=120.305,
        actor=world.resident,
        requester_name="张三",
        requester_phone="13800001111",
        **kwargs,
    )


def notified(case, kind):
    return sorted(
        Notification.objects.filter(case=case, kind=kind).values_list("user__username", flat=True)
    )


def test_people_of_each_kind_of_unit(world):
    def names(target):
        return sorted(notify.people_of(unit_for(target)).values_list("username", flat=True))

    assert names(world.street) == ["street_admin"]
    assert names(world.c1) == ["community_admin"]
    assert names(world.c2) == ["community_admin_2"]
    assert names(world.grid_a) == ["branch_secretary_a", "grid_worker_a"]
    assert names(world.grid_c) == []
    assert names(world.dept_urban) == ["dept_clerk"]
    assert names(world.clinic) == ["partner"]
    assert names(world.other_street) == []
    RoleAssignment.objects.filter(user=world.grid_worker_a).update(active=False)
    assert names(world.grid_a) == ["branch_secretary_a"]


def announced(world, **kwargs):
    """A new case whose notices the worker's sweep has written (intake leaves them to it)."""
    case = new_case(world, **kwargs)
    assert sweep().announced == 1
    case.refresh_from_db()
    return case


def test_intake_leaves_its_notices_to_the_worker(world):
    case = new_case(world)
    assert case.notices_pending
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()

    first, second = sweep(), sweep()

    assert first.announced == 1 and "new cases announced: 1" in first.lines()[-1]
    assert second.announced == 0 and second.changes == 0
    case.refresh_from_db()
    assert not case.notices_pending
    assert notified(case, "dispatch") == ["branch_secretary_a", "grid_worker_a"]
    assert OutboxMessage.objects.count() == 3  # written once, not again by the second sweep


def test_the_next_step_writes_the_intakes_notices_first(world):
    case = new_case(world)

    case = accept_case(case=case, actor=world.grid_worker_a)

    assert not case.notices_pending
    topics = list(OutboxMessage.objects.order_by("id").values_list("topic", flat=True))
    assert topics == ["case.submit", "case.register", "case.dispatch", "case.accept"]
    assert notified(case, "dispatch") == ["branch_secretary_a", "grid_worker_a"]
    assert sweep().announced == 0


def test_each_intake_step_is_told_with_the_case_as_it_stood_then(world):
    announced(world)
    payloads = {m.topic: m.payload for m in OutboxMessage.objects.all()}
    assert payloads["case.submit"]["status"] == "submitted"
    assert payloads["case.submit"]["lead_unit"] == "测试街道"
    assert payloads["case.register"]["status"] == "registered"
    assert payloads["case.dispatch"]["status"] == "dispatched"
    assert payloads["case.dispatch"]["lead_unit"] == "一网格"


def test_a_failed_step_leaves_the_intakes_notices_pending(world):
    case = new_case(world)
    with pytest.raises(ActionError):
        return_case(case=case, actor=world.grid_worker_a, reason="")  # reason required
    case.refresh_from_db()
    assert case.notices_pending and not OutboxMessage.objects.exists()


def test_intake_dispatched_at_once_tells_the_grid_not_the_dispatcher(world):
    case = announced(world)
    assert notified(case, "dispatch") == ["branch_secretary_a", "grid_worker_a"]
    assert notified(case, "submit") == [] and notified(case, "register") == []
    assert not Notification.objects.filter(user=world.resident).exists()
    message = Notification.objects.filter(case=case).first().message
    assert case.number in message and "一网格" in message
    topics = list(OutboxMessage.objects.order_by("id").values_list("topic", flat=True))
    assert topics == ["case.submit", "case.register", "case.dispatch"]
    payload = OutboxMessage.objects.get(topic="case.dispatch").payload
    assert payload["case"] == case.number and payload["status"] == "dispatched"
    assert payload["lead_unit"] == "一网格" and payload["units"] == ["一网格"]
    assert payload["street"] == "测试街道" and payload["category"] == "env.sanitation"
    assert payload["event"] == 3


def test_a_case_waiting_for_the_dispatcher_tells_the_street_admins(world):
    case = announced(world, category=None)
    assert notified(case, "submit") == ["street_admin"]


def test_a_case_held_for_moderation_tells_the_street_admins(world):
    case = announced(world, hold=True)  # a category and a grid, but a moderated Open311 key
    assert case.status == "submitted" and case.events.get().data["held"] is True
    assert notified(case, "submit") == ["street_admin"]


def test_the_outbox_carries_no_personal_data(world):
    case = new_case(world)
    case = accept_case(case=case, actor=world.grid_worker_a, note="已联系张三 13800001111")
    case = resolve_case(case=case, actor=world.grid_worker_a, reply="已通知张三, 垃圾已清运")
    everything = json.dumps(
        list(OutboxMessage.objects.values_list("payload", flat=True)), ensure_ascii=False
    )
    for personal in ("张三", "13800001111", "resident", "grid_worker_a", DESCRIPTION[:6]):
        assert personal not in everything


def test_whistle_report_resolve_verify_reach_the_right_people(world):
    case = new_case(world)
    case = accept_case(case=case, actor=world.grid_worker_a)
    assert notified(case, "accept") == []
    case = whistle(
        case=case,
        actor=world.grid_worker_a,
        units=[unit_for(world.dept_urban), unit_for(world.clinic)],
        reason="需要城管和医院一起处理",
    )
    assert notified(case, "whistle") == ["dept_clerk", "partner"]
    case = report_for_duty(case=case, actor=world.dept_clerk)
    # the lead grid and the other co-handler; not the reporting department itself
    assert notified(case, "report") == ["branch_secretary_a", "grid_worker_a", "partner"]
    case = resolve_case(case=case, actor=world.dept_clerk, reply="已调车清运完毕")
    # the requester reads the reply; the lead grid verifies; the actor hears nothing
    assert notified(case, "resolve") == [
        "branch_secretary_a",
        "grid_worker_a",
        "partner",
        "resident",
    ]
    assert "已调车清运完毕" in Notification.objects.get(user=world.resident, kind="resolve").message
    case = verify_case(case=case, actor=world.grid_worker_a, ok=True)
    assert notified(case, "verify") == ["branch_secretary_a", "dept_clerk", "partner", "resident"]


def test_a_rejection_tells_the_requester_and_a_return_the_dispatcher(world):
    waiting = new_case(world, category=None)
    reject_case(case=waiting, actor=world.street_admin, reason="不属于受理范围")
    assert notified(waiting, "reject") == ["resident"]
    case = new_case(world)
    return_case(case=case, actor=world.grid_worker_a, reason="这是物业的事")
    assert notified(case, "return") == ["street_admin"]


def test_a_refused_move_notifies_nobody(world):
    case = new_case(world)
    counts = (Notification.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(ActionError):
        return_case(case=case, actor=world.grid_worker_a, reason="")
    with pytest.raises(ActionError):
        resolve_case(case=case, actor=world.grid_worker_b, reply="不是我的")
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == counts


def test_a_fixed_number_of_queries_notifies_an_event(world, django_assert_num_queries, settings):
    settings.GRIDGOV_OUTBOX_SENDERS = ["log", "webhook"]
    case = new_case(world)
    for unit in (world.dept_urban, world.clinic, world.c1):
        case = whistle(case=case, actor=world.grid_worker_a, units=[unit_for(unit)], reason="协助")
    case = resolve_case(case=case, actor=world.dept_clerk, reply="已处理")
    event = CaseEvent.objects.select_related("unit").get(case=case, sequence=case.event_count)
    Notification.objects.all().delete()
    # the co-handling units, their people, the notifications, the outbox messages
    # (one insert for both senders): four statements, however many units are involved
    with django_assert_num_queries(4):
        notify.case_changed(case, event)
    assert notified(case, "resolve") == [
        "branch_secretary_a",
        "community_admin",
        "grid_worker_a",
        "partner",
        "resident",
    ]
    assert OutboxMessage.objects.filter(topic="case.resolve").count() == 4  # 2 events x 2

    # a dispatch needs no unit lookup: the new lead unit is in memory
    dispatch = CaseEvent.objects.select_related("unit").get(case=case, action="dispatch")
    with django_assert_num_queries(3):
        notify.case_changed(case, dispatch)


def test_every_step_has_a_label_and_every_audience_a_message():
    from gridgov.cases.workflow import TRANSITIONS

    assert set(TRANSITIONS) | {"submit"} <= set(notify.ACTION_LABELS)
    assert set(notify.AUDIENCE) - {"decide_extension"} <= set(notify.MESSAGES)
