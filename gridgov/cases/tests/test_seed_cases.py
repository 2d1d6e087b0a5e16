"""The bulk case seeder (load tests): realistic, consistent cases whose ledger verifies."""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from gridgov.cases.actions import submit_case
from gridgov.cases.filters import overdue_q
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import Case, CaseEvent, CaseNumberCounter, Category, Summons
from gridgov.cases.seed import seed_cases
from gridgov.cases.units import unit_for
from gridgov.cases.workflow import TRANSITIONS, Status
from gridgov.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db

CASES = 300


@pytest.fixture
def seeded(world):
    now = timezone.now()
    counts = seed_cases(world.street, CASES, now, random.Random(3), days=30)
    return now, counts


def test_it_writes_the_cases_asked_for_with_one_audit_row(world):
    before = AuditLogEntry.objects.filter(action="seed").count()
    counts = seed_cases(world.street, CASES, timezone.now(), random.Random(3), days=30)
    assert counts["cases"] == Case.objects.filter(street=world.street).count() == CASES
    assert counts["events"] == CaseEvent.objects.count()
    assert AuditLogEntry.objects.filter(action="seed").count() == before + 1


def test_the_statuses_are_spread_and_some_cases_are_overdue_or_escalated(world, seeded):
    now, _counts = seeded
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > CASES / 2
    assert len(statuses) >= 7, statuses
    assert statuses[Status.DISPATCHED] + statuses[Status.ACCEPTED] > 0
    assert Case.objects.filter(overdue_q(now)).exists()
    assert Case.objects.filter(escalation_count__gt=0).exists()
    assert Summons.objects.filter(case__events__action="whistle").exists()
    assert set(Case.objects.values_list("channel", flat=True)) >= {
        "web",
        "app",
        "hotline",
        "patrol",
    }
    assert Case.objects.values("category").distinct().count() > 10


def test_the_ledger_verifies(world, seeded):
    checked, problems = verify_ledger()
    assert (checked, problems) == (CASES, [])


def test_each_case_is_its_steps(world, seeded):
    """Events in time order, allowed by the workflow, ending in the case's status."""
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "sequence"):
        events[event.case_id].append(event)
    for case in Case.objects.select_related("category"):
        steps = events[case.pk]
        assert steps[0].action == "submit" and steps[0].created_at == case.submitted_at
        assert case.version == len(steps) - 1 == case.event_count - 1
        assert steps[-1].to_status == case.status
        times = [event.created_at for event in steps]
        assert times == sorted(times)
        for event in steps[1:]:
            transition = TRANSITIONS[event.action]
            assert event.from_status in transition.sources, (case.number, event.action)
        milestones = [
            case.submitted_at,
            case.registered_at,
            case.dispatched_at,
            case.accepted_at,
            case.resolved_at,
            case.closed_at,
        ]
        present = [moment for moment in milestones if moment is not None]
        assert present == sorted(present), case.number
        if case.dispatched_at is not None and case.category is not None:
            hours = datetime.timedelta(hours=case.category.response_hours)
            assert case.response_due == case.dispatched_at + hours


def test_numbers_are_unique_per_day_and_the_counters_follow(world, seeded):
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    last: dict[str, int] = defaultdict(int)
    for number in numbers:
        _code, day, sequence = number.rsplit("-", 2)
        last[day] = max(last[day], int(sequence))
    for counter in CaseNumberCounter.objects.filter(street=world.street):
        assert counter.last == last[f"{counter.day:%Y%m%d}"]


def test_a_real_submission_afterwards_gets_a_fresh_number(world, seeded):
    numbers = set(Case.objects.values_list("number", flat=True))
    case = submit_case(
        description="金华路46号门口的建筑垃圾堆了好几天了",
        category=Category.objects.get(code="env.sanitation"),
        lat=36.105,
        lng=120.305,
        actor=world.resident,
    )
    assert case.number not in numbers
    today = timezone.localdate(case.submitted_at)
    assert case.number.endswith(
        f"-{CaseNumberCounter.objects.get(street=world.street, day=today).last:04d}"
    )


def test_a_grid_worker_sees_only_the_seeded_cases_of_their_grid(world, seeded):
    visible = set(Case.objects.visible_to(world.grid_worker_a).values_list("pk", flat=True))
    in_grid_a = set(Case.objects.filter(grid=world.grid_a).values_list("pk", flat=True))
    assert visible == in_grid_a and visible


def test_a_department_sees_what_it_leads_or_was_whistled_to(world, seeded):
    urban = unit_for(world.dept_urban)
    visible = set(Case.objects.visible_to(world.dept_clerk).values_list("pk", flat=True))
    involved = Case.objects.filter(Q(lead_unit=urban) | Q(summonses__unit=urban))
    assert visible == set(involved.values_list("pk", flat=True)) and visible


def test_the_seed_command_adds_cases_to_a_street(world):
    out = StringIO()
    call_command("seed", "--cases", "40", "--street", world.street.code, "--days", "10", stdout=out)
    assert Case.objects.filter(street=world.street).count() == 40
    assert "cases/s" in out.getvalue()
