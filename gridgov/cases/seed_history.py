"""The seeder's building blocks: a street's places, units and people, and one case's history.

``History`` moves one unsaved case through the workflow the way the actions
would (``workflow.check`` on every step, the fields they set, one chained
ledger event per step, summonses) and plays the deadlines sweep along
(``sweep``), without touching the database; ``cases.seed`` decides what
happens to each case and writes them in bulk.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.algorithms.geo import polygon_from_geojson
from gridgov.cases import workflow
from gridgov.cases.ledger import event_hash
from gridgov.cases.models import Case, CaseEvent, Category, Summons, Unit, UnitKind
from gridgov.cases.routing import route
from gridgov.cases.units import ensure_units
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import demo_texts as T
from gridgov.core.demo_cases import CATEGORY_DEPARTMENT, CATEGORY_WEIGHTS, GROUP_DEPARTMENT
from gridgov.places.models import Building, Grid, Organisation, OrganisationKind, Street

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The sweep runs every minute or so: what it does happens this long after a deadline.
SWEEP_DELAY = MINUTE
SUMMONS_OPEN = (*OPEN_HANDLING, Status.RESOLVED)


def hours(value: float) -> datetime.timedelta:
    return datetime.timedelta(hours=value)


# --------------------------------------------------------------------------- the street


@dataclass
class Person:
    """Who acts: a user id and name for the ledger (None: the system)."""

    id: int | None
    name: str


SYSTEM = Person(None, "system")


@dataclass
class StreetData:
    """What the seeder reads once: places, units, the people acting for them, routes."""

    street: Street
    dispatcher: Unit
    grids: list[Grid]
    grid_weights: list[float]
    buildings: dict[int, list[Building]]  # grid id -> buildings
    points: dict[int, tuple[float, float]]  # grid id -> (lat, lng) inside it
    roads: list[str]
    communities: dict[int, Unit]  # community id -> unit
    grid_units: dict[int, Unit]  # grid id -> unit
    departments: dict[str, Unit]  # department code -> unit
    actors: dict[int, Person]  # unit id -> a person acting for it
    residents: dict[int, list[Person]]  # grid id -> residents living there
    grid_workers: dict[int, Person]
    enterprises: list[Organisation]
    categories: list[Category]
    category_weights: list[float]
    routes: dict[tuple[int, int], tuple[Unit, str]] = field(default_factory=dict)

    def person(self, unit: Unit | None) -> Person:
        return self.actors.get(unit.pk, SYSTEM) if unit is not None else SYSTEM

    def route(self, grid: Grid, category: Category) -> tuple[Unit, str]:
        """The lead unit and reason intake would give (cached per grid and category)."""
        key = (grid.pk, category.pk)
        if key not in self.routes:
            probe = Case(street=self.street, community_id=grid.community_id, grid=grid)
            probe.community = grid.community
            self.routes[key] = route(probe, category)
        return self.routes[key]

    def above(self, grid: Grid | None, unit: Unit) -> Unit | None:
        """The level above ``unit`` for a case in ``grid`` (None above the street office)."""
        if unit.kind == UnitKind.STREET:
            return None
        if unit.kind == UnitKind.GRID and grid is not None:
            return self.communities[grid.community_id]
        return self.dispatcher

    def supervisor(self, grid: Grid | None) -> Unit:
        """Who verifies on site: the grid, else the street office (actions._supervisors)."""
        return self.grid_units[grid.pk] if grid is not None else self.dispatcher

    def department_for(self, category: Category | None) -> Unit:
        code = "urban"
        if category is not None:
            code = CATEGORY_DEPARTMENT.get(category.code) or GROUP_DEPARTMENT.get(
                category.group, "urban"
            )
        return self.departments.get(code) or self.dispatcher


def _grid_point(grid: Grid) -> tuple[float, float]:
    point = polygon_from_geojson(grid.geometry).representative_point()
    return point.y, point.x


def load_street(street: Street) -> StreetData:
    """Everything the seeder needs about ``street``, in a handful of queries."""
    ensure_units(street)
    units = list(Unit.objects.filter(street=street))
    dispatcher = next(u for u in units if u.kind == UnitKind.STREET)
    by_place: dict[tuple[str, int | None], Unit] = {}
    for unit in units:
        key_id = {
            UnitKind.STREET: unit.street_id,
            UnitKind.COMMUNITY: unit.community_id,
            UnitKind.GRID: unit.grid_id,
            UnitKind.DEPARTMENT: unit.department_id,
            UnitKind.PARTNER: unit.organisation_id,
        }[UnitKind(unit.kind)]
        by_place[(unit.kind, key_id)] = unit
    grids = list(Grid.objects.filter(street=street).select_related("community").order_by("code"))
    if not grids:
        raise ValueError(f"{street} has no grids: cases need places")
    buildings: dict[int, list[Building]] = {grid.pk: [] for grid in grids}
    for building in Building.objects.filter(street=street).order_by("pk"):
        buildings.setdefault(building.grid_id, []).append(building)
    departments = {
        unit.department.code: unit
        for unit in Unit.objects.filter(street=street, kind=UnitKind.DEPARTMENT).select_related(
            "department"
        )
        if unit.department is not None
    }
    actors: dict[int, Person] = {}
    residents: dict[int, list[Person]] = {}
    grid_workers: dict[int, Person] = {}
    assignments = (
        RoleAssignment.objects.filter(street=street, active=True)
        .select_related("user", "household")
        .order_by("pk")
    )
    for a in assignments:
        person = Person(a.user_id, a.user.get_username())
        unit_key = {
            Role.STREET_ADMIN: (UnitKind.STREET, a.street_id),
            Role.COMMUNITY_ADMIN: (UnitKind.COMMUNITY, a.community_id),
            Role.GRID_WORKER: (UnitKind.GRID, a.grid_id),
            Role.DEPARTMENT_CLERK: (UnitKind.DEPARTMENT, a.department_id),
            Role.PARTNER_STAFF: (UnitKind.PARTNER, a.organisation_id),
        }.get(Role(a.role))
        if unit_key is not None and unit_key in by_place:
            actors.setdefault(by_place[unit_key].pk, person)
        if a.role == Role.GRID_WORKER and a.grid_id is not None:
            grid_workers.setdefault(a.grid_id, person)
        if a.role == Role.RESIDENT and a.household is not None:
            residents.setdefault(a.household.grid_id, []).append(person)
    categories = [
        c for c in Category.objects.filter(active=True).order_by("code") if c.code in T.TEXTS
    ]
    if not categories:
        raise ValueError("no active categories with demo texts")
    roads = sorted(
        {b.road for grid_buildings in buildings.values() for b in grid_buildings if b.road}
    )
    return StreetData(
        street=street,
        dispatcher=dispatcher,
        grids=grids,
        grid_weights=[1.0 + len(buildings.get(grid.pk, [])) ** 0.5 for grid in grids],
        buildings=buildings,
        points={grid.pk: _grid_point(grid) for grid in grids if not buildings.get(grid.pk)},
        roads=roads or ["金华路", "万安一路", "瑞安路"],
        communities={
            unit.community_id: unit
            for unit in units
            if unit.kind == UnitKind.COMMUNITY and unit.community_id
        },
        grid_units={
            unit.grid_id: unit for unit in units if unit.kind == UnitKind.GRID and unit.grid_id
        },
        departments=departments,
        actors=actors,
        residents=residents,
        grid_workers=grid_workers,
        enterprises=list(
            Organisation.objects.filter(street=street, kind=OrganisationKind.ENTERPRISE).order_by(
                "pk"
            )
        ),
        categories=categories,
        category_weights=[CATEGORY_WEIGHTS.get(c.code, 1.0) for c in categories],
    )


# --------------------------------------------------------------------------- one case's history


class History:
    """One case, its ledger events and summonses, moved step by step as the actions would.

    ``step`` checks the move against the workflow table, sets the fields, and
    appends the chained event; before each step (and at the end) ``sweep``
    does what the deadlines sweep would have done by then.
    """

    def __init__(self, data: StreetData, case: Case, grid: Grid | None, now: datetime.datetime):
        self.data = data
        self.case = case
        self.grid = grid
        self.now = now
        self.t = case.submitted_at
        self.lead = data.dispatcher
        self.events: list[CaseEvent] = []
        self.summonses: dict[int, Summons] = {}
        self.reached: Unit | None = None  # the last unit escalated to
        self.refusal = ""  # why the dispatcher will not take it (不予受理)

    # -- the ledger

    def _event(
        self,
        action: str,
        at: datetime.datetime,
        *,
        before: str,
        actor: Person,
        unit: Unit | None,
        target_units: Sequence[Unit] = (),
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        case = self.case
        event = CaseEvent(
            case_id=case.pk,
            sequence=case.event_count + 1,
            created_at=at,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            from_status=before,
            to_status=case.status,
            unit_id=unit.pk if unit is not None else None,
            target_units=[{"id": u.pk, "kind": u.kind, "name": u.name} for u in target_units],
            note=note,
            data=data or {},
            prev_hash=case.last_hash,
        )
        event.hash = event_hash(event)
        self.events.append(event)
        case.event_count = event.sequence
        case.last_hash = event.hash
        self.t = at

    def submit(self, requester: Person) -> None:
        case = self.case
        self._event(
            "submit",
            case.submitted_at,
            before="",
            actor=requester,
            unit=self.data.dispatcher,
            data={"channel": case.channel, "kind": case.kind, "photos": []},
        )

    def step(
        self,
        action: str,
        at: datetime.datetime,
        *,
        unit: Unit | None,
        actor: Person | None = None,
        to_status: str | None = None,
        target_units: Sequence[Unit] = (),
        note: str = "",
        data: dict[str, Any] | None = None,
        **changes: Any,
    ) -> bool:
        """Take ``action`` at ``at`` (never before the last step); False if that is after now."""
        at = max(at, self.t)
        if at > self.now:
            return False
        self.sweep(at)
        at = max(at, self.t)
        case = self.case
        transition = workflow.check(action, case.status)  # a seeder bug fails loudly
        before = case.status
        case.status = to_status or transition.target or case.status
        if "lead_unit" in changes:
            self.lead = changes.pop("lead_unit")
            case.lead_unit_id = self.lead.pk
        for name, value in changes.items():
            setattr(case, name, value)
        self._event(
            action,
            at,
            before=before,
            actor=actor if actor is not None else self.data.person(unit),
            unit=unit,
            target_units=target_units,
            note=note,
            data=data,
        )
        case.version += 1
        return True

    def clocks(self, at: datetime.datetime) -> dict[str, Any]:
        category = self.case.category
        assert category is not None
        return {
            "dispatched_at": at,
            "response_due": at + hours(category.response_hours),
            "resolve_due": at + datetime.timedelta(days=category.resolve_days),
            "accepted_at": None,
        }

    def summon(self, unit: Unit, by: Unit, reason: str, at: datetime.datetime) -> datetime.datetime:
        """A summons of ``unit`` (one per unit and case: a new call replaces the last)."""
        due = at + datetime.timedelta(minutes=settings.GRIDGOV_REPORT_FOR_DUTY_MINUTES)
        summons = self.summonses.get(unit.pk) or Summons(case_id=self.case.pk, unit_id=unit.pk)
        summons.summoned_by_id = by.pk
        summons.reason = reason[:500]
        summons.summoned_at = at
        summons.due_at = due
        summons.reported_at = None
        self.summonses[unit.pk] = summons
        return due

    def report(self, unit: Unit, at: datetime.datetime, rng: random.Random) -> None:
        summons = self.summonses[unit.pk]
        notes = T.REPORT_NOTES.get(unit.kind) or T.REPORT_NOTES["department"]
        if self.step(
            "report", at, unit=unit, note=rng.choice(notes), data={"late": at > summons.due_at}
        ):
            summons.reported_at = self.t

    # -- the deadlines sweep

    def sweep(self, until: datetime.datetime) -> None:
        """What ``cases.sweep`` would have done up to ``until``."""
        case = self.case
        # 1. response overdue: flagged once per deadline (no event).
        due = case.response_due
        if (
            case.status == Status.DISPATCHED
            and due is not None
            and (case.response_overdue_at is None or case.response_overdue_at < due)
        ):
            flagged = max(due, self.t) + SWEEP_DELAY
            if flagged <= until:
                case.response_overdue_at = flagged
        # 2. resolution overdue: escalate one level up, and again after the grace period.
        grace = datetime.timedelta(hours=settings.GRIDGOV_ESCALATION_HOURS)
        while case.status in OPEN_HANDLING and case.resolve_due is not None:
            if case.escalated_at is None or case.escalated_at < case.resolve_due:
                source, deadline = self.lead, case.resolve_due
            else:
                if any(
                    s.unit_id == self.data.dispatcher.pk and s.summoned_at >= case.escalated_at
                    for s in self.summonses.values()
                ):
                    break
                source, deadline = self.reached or self.lead, case.escalated_at + grace
            target = self.data.above(self.grid, source)
            at = max(deadline, self.t) + SWEEP_DELAY
            if target is None or at > until:
                break
            self._escalate(source, target, deadline, at)
        # 3. report for duty overdue: flagged once per summons deadline.
        if case.status in SUMMONS_OPEN:
            for summons in self.summonses.values():
                if summons.reported_at is None and (
                    summons.overdue_notified_at is None
                    or summons.overdue_notified_at < summons.due_at
                ):
                    flagged = max(summons.due_at, self.t) + SWEEP_DELAY
                    if flagged <= until:
                        summons.overdue_notified_at = flagged

    def _escalate(
        self, source: Unit, target: Unit, deadline: datetime.datetime, at: datetime.datetime
    ) -> None:
        case = self.case
        reason = _(
            "Not resolved by %(deadline)s: escalated automatically from %(source)s to %(target)s."
        ) % {
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            "source": source.name,
            "target": target.name,
        }
        due = self.summon(target, source, reason, at)
        before = case.status
        workflow.check("escalate", before)
        case.escalated_at = at
        case.escalation_count += 1
        self._event(
            "escalate",
            at,
            before=before,
            actor=SYSTEM,
            unit=source,
            target_units=[target],
            note=reason,
            data={"deadline": deadline.isoformat(), "report_due": due.isoformat()},
        )
        case.version += 1
        self.reached = target
