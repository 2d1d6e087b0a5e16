"""Property-based test of the case workflow (hypothesis).

Random sequences of actions by random personas (and the operator, and the
deadlines sweep) on two cases, with random, often wrong, arguments and
versions, as time passes.  Whatever happens:

- no case ever has a status outside ``workflow.Status``;
- every accepted move adds exactly one ledger event (two for an unsatisfied
  rating that reopens: rate + reopen), on its case only; a refused move
  (Conflict, NotPermitted, ActionError) adds none and changes nothing;
- replaying the ledger (each event from the previous one's status, by the
  workflow table) ends in the case's current status;
- ``verify_ledger`` passes, and editing any one event makes it fail.

The personas' world is built once per test; each example runs in a
savepoint that is rolled back.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, replace

from django.db import transaction
from hypothesis import HealthCheck, Phase, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gridgov.cases import actions, notify
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.sweep import sweep
from gridgov.cases.units import forget_units, unit_for
from gridgov.cases.workflow import TRANSITIONS, Status
from gridgov.core import clock
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.scoping import forget_scope

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)

PERSONAS = [
    None,  # the operator at the command line
    "street_admin",
    "community_admin",
    "community_admin_2",
    "grid_worker_a",
    "grid_worker_b",
    "branch_secretary_a",
    "dept_clerk",
    "partner",
    "enterprise",
    "resident",
    "outsider",
]
UNITS = ["street", "c1", "c2", "grid_a", "grid_b", "grid_c", "dept_urban", "clinic", "grid_d"]
# "right": the persona whose move it normally is (found from the case), so that
# random plans get deep into the workflow instead of being refused at once.
RIGHT = "right"
TEXTS = ["", "   ", "需要处理", "现场已核实, 马上安排人员", "已处理", "已处理", "已处理"]
RATINGS = ["satisfied", "basically_satisfied", "unsatisfied", "meh"]
# The moves that carry a case forward come up more often than the ones that end it.
ACTIONS = [
    # "next": one of the moves the workflow table allows from the case's status
    *["next"] * 30,
    *["register", "dispatch", "accept", "resolve", "verify", "rate"] * 4,
    *["whistle", "report", "request_extension", "decide_extension"] * 2,
    *["redispatch", "return", "suspend", "resume", "sweep"] * 2,
    "reject",
    "merge",
]


@dataclass(frozen=True)
class Step:
    action: str
    case: int  # 0 or 1
    persona: str | None
    unit: str
    text: str
    flag: bool
    number: int  # extension days
    rating: str
    pick: int  # which allowed move "next" takes
    version: str  # "none", "current" or "stale"
    hours_later: int


steps = st.builds(
    Step,
    action=st.sampled_from(ACTIONS),
    case=st.integers(0, 1),
    persona=st.sampled_from([RIGHT] * 24 + PERSONAS),
    unit=st.sampled_from(UNITS),
    text=st.sampled_from(TEXTS),
    flag=st.booleans(),
    number=st.sampled_from([0, 1, 3, 100]),
    rating=st.sampled_from(RATINGS),
    pick=st.integers(0, 20),
    version=st.sampled_from(["none"] * 4 + ["current", "stale"]),
    hours_later=st.sampled_from([0, 1, 5, 30, 80]),
)


DISPATCHER_MOVES = {"register", "reject", "dispatch", "redispatch", "suspend", "resume", "merge"}


def right_persona(action: str, case: Case, world):
    """Someone who may normally make this move on this case (None: the operator)."""
    if action in DISPATCHER_MOVES or action == "decide_extension":
        return world.street_admin
    if action == "rate":
        return world.resident
    unit = case.lead_unit
    if action == "report":
        pending = case.summonses.filter(reported_at__isnull=True).select_related("unit").first()
        unit = pending.unit if pending else unit
    elif action == "verify" and case.grid is not None:
        unit = unit_for(case.grid)
    person = notify.people_of(unit).order_by("pk").first() if unit else None
    return world.users.get(person.username) if person else None


# "next" moves: the workflow's name -> the action that makes it, with its arguments
NEXT = {"rework": ("verify", {"flag": False}), "reopen": ("rate", {"rating": "unsatisfied"})}


# The order "next" prefers (hypothesis favours small picks): forward first.
FORWARD = [
    "register",
    "dispatch",
    "accept",
    "resolve",
    "verify",
    "rate",
    "resume",
    "whistle",
    "report",
    "request_extension",
    "decide_extension",
    "rework",
    "reopen",
    "redispatch",
    "return",
    "suspend",
    "merge",
    "reject",
]
assert set(FORWARD) == set(TRANSITIONS) - {"escalate"}  # escalate: the sweep's


def effective(step: Step, case: Case) -> Step:
    """``step`` with "next" replaced by a move the workflow allows now."""
    if step.action != "next":
        return step
    allowed = [name for name in FORWARD if case.status in TRANSITIONS[name].sources]
    if not allowed:  # rejected or merged: nothing more; try something anyway
        return replace(step, action="resolve")
    # picks 0-11 take the first move forward, 12-20 any allowed move
    name = allowed[0 if step.pick < 12 else (step.pick - 12) % len(allowed)]
    action, changes = NEXT.get(name, (name, {}))
    # made by the right person with sensible arguments (the other steps fuzz those)
    sensible = {
        "persona": RIGHT,
        "text": step.text.strip() or "已处理",
        "version": "none",
        "flag": changes.pop("flag", True),
        "number": step.number or 3,
    }
    return replace(step, action=action, **{**sensible, **changes})


def apply(step: Step, case: Case, other: Case, world, now: datetime.datetime) -> None:
    if step.persona == RIGHT:
        actor = right_persona(step.action, case, world)
    else:
        actor = world.users[step.persona] if step.persona else None
    if actor is not None:
        forget_units(actor)  # a new request: the units made since are seen
    unit = unit_for(world.places[step.unit])
    kwargs = {"case": case, "actor": actor}
    if step.version == "current":
        kwargs["version"] = case.version
    elif step.version == "stale":
        kwargs["version"] = case.version - 1
    text = step.text
    with clock.frozen(now):
        match step.action:
            case "register":
                category = Category.objects.get(code="env.sanitation") if step.flag else None
                actions.register_case(category=category, **kwargs)
            case "reject":
                actions.reject_case(reason=text, **kwargs)
            case "dispatch":
                actions.dispatch_case(unit=unit, note=text, **kwargs)
            case "redispatch":
                actions.redispatch_case(unit=unit, reason=text, **kwargs)
            case "accept":
                actions.accept_case(note=text, **kwargs)
            case "return":
                actions.return_case(reason=text, **kwargs)
            case "whistle":
                units = [] if step.flag else [unit]
                actions.whistle(reason=text, up=step.flag, units=units, **kwargs)
            case "report":
                actions.report_for_duty(note=text, **kwargs)
            case "request_extension":
                actions.request_extension(days=step.number, reason=text, **kwargs)
            case "decide_extension":
                actions.decide_extension(approve=step.flag, note=text, **kwargs)
            case "resolve":
                actions.resolve_case(reply=text, **kwargs)
            case "verify":
                actions.verify_case(ok=step.flag, note=text, **kwargs)
            case "suspend":
                actions.suspend_case(reason=text, **kwargs)
            case "resume":
                actions.resume_case(**kwargs)
            case "merge":
                actions.merge_case(into=other, **kwargs)
            case "rate":
                actions.rate_case(rating=step.rating, comment=text, **kwargs)


def snapshot(cases: list[Case]) -> list[tuple]:
    return list(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .order_by("pk")
        .values_list("pk", "status", "version", "event_count", "last_hash")
    )


def check_replay(case: Case) -> None:
    events = list(case.events.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].action == "submit" and events[0].from_status == ""
    status = events[0].to_status
    assert status == Status.SUBMITTED
    for logged in events[1:]:
        transition = TRANSITIONS[logged.action]
        assert logged.from_status == status, (logged.action, logged.from_status, status)
        assert status in transition.sources
        if logged.action == "resume":
            assert logged.to_status in TRANSITIONS["suspend"].sources
        elif transition.target is None:
            assert logged.to_status == status
        else:
            assert logged.to_status == transition.target
        status = logged.to_status
    assert status == case.status


@hsettings(
    # 60 in the suite; GRIDGOV_PROPERTY_EXAMPLES=1000 for a long hunt
    max_examples=int(os.environ.get("GRIDGOV_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    database=None,  # no .hypothesis directory in the project
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # "explain" takes minutes here
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dispatched_at_intake=st.booleans(),
    plan=st.lists(steps, min_size=5, max_size=30),
    tamper=st.tuples(st.integers(0, 10_000), st.sampled_from(["note", "to", "data", "time"])),
)
def test_random_moves_keep_the_workflow_and_the_ledger_sound(
    world, dispatched_at_intake, plan, tamper
):
    with transaction.atomic():
        for user in world.users.values():
            forget_units(user)
            forget_scope(user)
        for name in UNITS:
            unit_for(world.places[name])
        category = Category.objects.get(code="env.sanitation")
        with clock.frozen(T0):
            cases = [
                actions.submit_case(
                    description="楼道里堆满了杂物, 有消防隐患",
                    category=category if dispatched_at_intake else None,
                    lat=36.105,
                    lng=lng,
                    actor=world.resident,
                )
                for lng in (120.305, 120.315)
            ]
        now = T0
        for step in plan:
            now += datetime.timedelta(hours=step.hours_later)
            before = dict((row[0], row) for row in snapshot(cases))
            if step.action == "sweep":
                report = sweep(now)
                escalated = [number for number, _unit in report.escalated]
                for case in cases:
                    fresh = Case.objects.get(pk=case.pk)
                    added = fresh.event_count - before[case.pk][3]
                    assert added == escalated.count(case.number)
                event(f"sweep: {len(escalated)} escalated")
                continue
            case = Case.objects.get(pk=cases[step.case].pk)
            other = Case.objects.get(pk=cases[1 - step.case].pk)
            step = effective(step, case)
            try:
                apply(step, case, other, world, now)
            except (actions.Conflict, NotPermitted, ActionError) as refused:
                event(f"{step.action}: {type(refused).__name__}")
                assert dict((row[0], row) for row in snapshot(cases)) == before
                continue
            event(f"{step.action}: accepted")
            after = Case.objects.get(pk=case.pk)
            assert after.status in Status.values
            last = after.events.order_by("-sequence").first()
            expected = 2 if step.action == "rate" and last.action == "reopen" else 1
            assert after.event_count - before[case.pk][3] == expected
            assert after.events.count() == after.event_count
            assert Case.objects.get(pk=other.pk).event_count == before[other.pk][3]

        for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
            event(f"ended {case.status}")
            assert case.status in Status.values
            check_replay(case)
        checked, problems = verify_ledger()
        assert (checked, problems) == (2, [])

        # Editing any one event breaks the chain.
        events = list(CaseEvent.objects.order_by("pk"))
        edited = events[tamper[0] % len(events)]
        rows = CaseEvent.objects.filter(pk=edited.pk)
        match tamper[1]:
            case "note":
                rows.update(note=edited.note + "(改)")
            case "to":
                rows.update(to_status="closed" if edited.to_status != "closed" else "merged")
            case "data":
                rows.update(data={**edited.data, "edited": True})
            case "time":
                rows.update(created_at=edited.created_at + datetime.timedelta(seconds=1))
        assert verify_ledger()[1] != []
        transaction.set_rollback(True)
