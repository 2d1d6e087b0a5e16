"""The case loop through the actions: intake and routing, whistle and report, verify, rate."""

import pytest

from gridgov.cases.actions import (
    Conflict,
    accept_case,
    dispatch_case,
    rate_case,
    redispatch_case,
    register_case,
    report_for_duty,
    resolve_case,
    return_case,
    submit_case,
    verify_case,
    whistle,
)
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import Case, Category, UnitKind
from gridgov.cases.units import unit_for
from gridgov.cases.workflow import Status
from gridgov.core.errors import ActionError, NotPermitted

RUBBISH = "金华路46号门口的建筑垃圾堆了好几天了, 没人清运, 影响出行"


def sanitation():
    return Category.objects.get(code="env.sanitation")


def test_the_catalogue_is_loaded_once_and_codes_are_kept(db):
    from gridgov.cases.catalogue import sync_categories

    sync_categories()  # after the migration (or a flush by a transactional test)
    assert Category.objects.count() == 28
    assert Category.objects.get(code="facility.road").handler == "street:urban"
    Category.objects.filter(code="facility.road").update(name="道路坑洼", response_hours=6)
    assert sync_categories() == 0  # a deployment's edits stay
    assert Category.objects.get(code="facility.road").response_hours == 6


def test_a_case_with_category_in_a_grid_is_dispatched_at_intake(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    assert case.status == Status.DISPATCHED
    assert (case.street, case.community, case.grid) == (world.street, world.c1, world.grid_a)
    assert case.lead_unit.kind == UnitKind.GRID and case.lead_unit.grid == world.grid_a
    assert "一网格" in case.routing_reason
    assert case.response_due - case.dispatched_at == __import__("datetime").timedelta(hours=24)
    assert [e.action for e in case.events.order_by("sequence")] == [
        "submit",
        "register",
        "dispatch",
    ]
    assert case.number.startswith("370203901-")


def test_a_department_category_goes_to_the_department(world):
    road = Category.objects.get(code="facility.road")
    case = submit_case(
        description="井盖松动了, 车一过就响",
        category=road,
        lat=36.105,
        lng=120.315,
        actor=world.resident,
    )
    assert case.lead_unit.department == world.dept_urban


def test_without_category_the_case_waits_for_the_dispatcher(world):
    case = submit_case(
        description="想咨询一下社区的事情", lat=36.105, lng=120.305, actor=world.resident
    )
    assert case.status == Status.SUBMITTED
    assert case.lead_unit.kind == UnitKind.STREET
    register_case(case=case, actor=world.street_admin, category=sanitation())
    case = dispatch_case(
        case=Case.objects.get(pk=case.pk), actor=world.street_admin, unit=unit_for(world.grid_a)
    )
    assert case.status == Status.DISPATCHED and case.response_due is not None


def test_a_point_outside_every_grid_is_still_accepted(world):
    case = submit_case(
        description=RUBBISH,
        category=sanitation(),
        lat=36.5,
        lng=121.5,
        street=world.street,
        actor=world.resident,
    )
    assert case.status == Status.SUBMITTED and case.grid is None
    assert case.routing_reason


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"description": "短"}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"description": RUBBISH, "lat": 95.0, "lng": 120.3}, "lat"),
        ({"description": RUBBISH, "lat": 36.1}, "lat"),
        ({"description": RUBBISH, "channel": "pigeon"}, "channel"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(world, kwargs, field):
    with pytest.raises(ActionError) as caught:
        submit_case(actor=world.resident, **kwargs)
    assert field in caught.value.errors
    assert Case.objects.count() == 0


def test_the_whole_loop_with_whistle_and_report(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    case = accept_case(case=case, actor=world.grid_worker_a)
    case = whistle(case=case, actor=world.grid_worker_a, up=True, reason="垃圾量大, 网格清不动")
    case = whistle(
        case=case,
        actor=world.community_admin,
        units=[unit_for(world.dept_urban)],
        reason="需要城管调车清运",
    )
    case = report_for_duty(case=case, actor=world.dept_clerk, note="已到场")
    case = resolve_case(case=case, actor=world.dept_clerk, reply="已调车清运完毕")
    assert case.lead_unit.grid == world.grid_a  # the lead unit stays responsible
    case = verify_case(case=case, actor=world.grid_worker_a, ok=True, note="现场已干净")
    case = rate_case(case=case, actor=world.resident, rating="satisfied", comment="很快")
    assert case.status == Status.CLOSED and case.rating == "satisfied"
    actions = list(case.events.order_by("sequence").values_list("action", flat=True))
    assert actions == [
        "submit",
        "register",
        "dispatch",
        "accept",
        "whistle",
        "whistle",
        "report",
        "resolve",
        "verify",
        "rate",
    ]
    assert verify_ledger() == (1, [])
    # the department that reported for duty now sees the case; grid B never does
    assert Case.objects.visible_to(world.dept_clerk).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(world.grid_worker_b).filter(pk=case.pk).exists()


def test_only_the_lead_unit_accepts(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    for outsider in (world.grid_worker_b, world.dept_clerk, world.resident):
        with pytest.raises(NotPermitted):
            accept_case(case=case, actor=outsider)
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_illegal_moves_and_stale_versions_are_conflicts(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    with pytest.raises(Conflict):
        verify_case(case=case, actor=world.grid_worker_a, ok=True)
    seen = case.version
    accept_case(case=case, actor=world.grid_worker_a, version=seen)
    with pytest.raises(Conflict):
        resolve_case(case=case, actor=world.grid_worker_a, reply="done", version=seen)
    assert Case.objects.get(pk=case.pk).event_count == 4


def test_failed_verification_is_rework_and_unsatisfied_reopens_once(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    case = resolve_case(case=case, actor=world.grid_worker_a, reply="已清理")
    with pytest.raises(ActionError):
        verify_case(case=case, actor=world.grid_worker_a, ok=False)  # a reason is required
    case = verify_case(case=case, actor=world.grid_worker_a, ok=False, note="还有一堆没清")
    assert case.status == Status.DISPATCHED
    case = resolve_case(case=case, actor=world.grid_worker_a, reply="全部清完")
    case = verify_case(case=case, actor=world.grid_worker_a, ok=True)
    case = rate_case(case=case, actor=world.resident, rating="unsatisfied", comment="又堆上了")
    assert case.status == Status.DISPATCHED and case.reopen_count == 1
    case = resolve_case(case=case, actor=world.grid_worker_a, reply="再次清理并设提示牌")
    case = verify_case(case=case, actor=world.grid_worker_a, ok=True)
    case = rate_case(case=case, actor=world.resident, rating="unsatisfied")
    assert case.status == Status.CLOSED  # reopened once only, by policy


def test_only_the_requester_rates(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    case = resolve_case(case=case, actor=world.grid_worker_a, reply="已清理")
    case = verify_case(case=case, actor=world.grid_worker_a, ok=True)
    with pytest.raises(NotPermitted):
        rate_case(case=case, actor=world.grid_worker_a, rating="satisfied")


def test_return_and_redispatch(world):
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    case = return_case(case=case, actor=world.grid_worker_a, reason="属于物业管理范围")
    assert case.status == Status.RETURNED and case.lead_unit.kind == UnitKind.STREET
    case = redispatch_case(
        case=case, actor=world.street_admin, unit=unit_for(world.c1), reason="交社区协调物业"
    )
    assert case.status == Status.DISPATCHED and case.lead_unit.community == world.c1
    assert case.routing_reason == "交社区协调物业"


def test_editing_or_deleting_an_event_breaks_the_ledger(world):
    from django.core.management import CommandError, call_command

    from gridgov.cases.models import CaseEvent

    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    accept_case(case=case, actor=world.grid_worker_a)
    call_command("ledger", "verify")
    CaseEvent.objects.filter(case=case, sequence=2).update(note="改过")
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    CaseEvent.objects.filter(case=case, sequence=2).update(note="")
    call_command("ledger", "verify")
    CaseEvent.objects.filter(case=case, sequence=4).delete()
    assert verify_ledger()[1] == [f"{case.number}: the last events were deleted"]


def test_a_streets_routing_rule_overrides_the_catalogue(world):
    from gridgov.cases.models import RoutingRule

    RoutingRule.objects.create(street=world.street, category=sanitation(), handler="community")
    case = submit_case(
        description=RUBBISH, category=sanitation(), lat=36.105, lng=120.305, actor=world.resident
    )
    assert case.lead_unit.kind == UnitKind.COMMUNITY and case.lead_unit.community == world.c1
