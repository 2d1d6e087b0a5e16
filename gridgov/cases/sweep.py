"""The deadlines sweep: overdue responses, overdue resolutions, unanswered whistles.

``sweep(now)`` does one pass as if it were ``now`` (``gridgov sweep --at``,
and ``gridgov worker`` every interval).  Deadlines are calendar time, as the
actions set them (``response_due``, ``resolve_due``, a summons' ``due_at``).

1. **Response overdue** (超时未响应): a dispatched case whose ``response_due``
   has passed.  No ledger event (the status does not change and the workflow
   has no such step): the lead unit's people and its supervisor's (a grid's
   community; the street office above a community, department or partner) are
   notified and ``response_overdue_at`` is set.  Once per deadline: a case
   re-dispatched later gets a new deadline and may be flagged again.
2. **Resolution overdue** (超期升级): a dispatched or accepted case whose
   ``resolve_due`` has passed is escalated one level up, by the system: a
   summons of the level above (grid → community → street office), a ledger
   event ``escalate`` (actor "system"), ``escalated_at`` and
   ``escalation_count``.  The rule for escalating again:

   - each deadline escalates once: a new ``resolve_due`` (extension approved,
     re-dispatch) that passes escalates again, from the lead unit;
   - the unit escalated to gets its own deadline, ``GRIDGOV_ESCALATION_HOURS``
     (default 24) after the escalation; if the case is still open then, it
     escalates one level further (community → street office);
   - the street office is the top: nothing escalates above it, and a case
     whose street office has been summoned since its last escalation (by the
     sweep or by a whistle) is not escalated again for that deadline.
3. **Report for duty overdue** (报到超时): a summons not reported by its
   ``due_at`` on an open case: the summoned unit's people and the street
   office are notified and ``overdue_notified_at`` is set (once per summons
   deadline; a new whistle to the same unit sets a new one).

A second sweep at the same time changes nothing.  Several sweeps may run at
once: candidates are taken in small batches with ``SELECT ... FOR UPDATE
SKIP LOCKED`` on PostgreSQL (one transaction per batch; SQLite serialises
writers), and each row is checked again under its lock before it is changed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.cases import notify
from gridgov.cases.actions import _level_above, _lock, _step
from gridgov.cases.models import Case, CaseEvent, Summons, Unit, UnitKind
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import clock

logger = logging.getLogger("gridgov.worker")

BATCH = 50
# A summons still counts while the case is being handled or awaits verification.
SUMMONS_OPEN = (*OPEN_HANDLING, Status.RESOLVED)


@dataclass
class SweepReport:
    """What one pass did: case numbers with the unit concerned."""

    at: datetime.datetime
    response_overdue: list[tuple[str, str]] = field(default_factory=list)
    escalated: list[tuple[str, str]] = field(default_factory=list)
    summons_overdue: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # intakes whose notices this pass wrote (not a change of any case)
    announced: int = 0

    @property
    def changes(self) -> int:
        return len(self.response_overdue) + len(self.escalated) + len(self.summons_overdue)

    def lines(self) -> list[str]:
        lines = [
            f"sweep as of {self.at.isoformat()}: {len(self.response_overdue)} response overdue, "
            f"{len(self.escalated)} escalated, {len(self.summons_overdue)} report for duty overdue"
        ]
        lines += [
            f"  response overdue: {number} ({unit})" for number, unit in self.response_overdue
        ]
        lines += [f"  escalated: {number} -> {unit}" for number, unit in self.escalated]
        lines += [
            f"  report for duty overdue: {number} ({unit})" for number, unit in self.summons_overdue
        ]
        if self.announced:
            lines.append(f"  new cases announced: {self.announced}")
        lines += [f"  error: {error}" for error in self.errors]
        return lines


def _in_batches(
    candidates: models.QuerySet[Any],
    handle: Callable[[Any], None],
    report: SweepReport,
    batch: int,
) -> None:
    """Lock candidates a batch at a time (skipping rows another sweep holds) and handle each."""
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                candidates.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__gt=last)
                .order_by("pk")[:batch]
            )
            if not rows:
                return
            for row in rows:
                try:
                    with transaction.atomic():  # one row's failure keeps the rest of the batch
                        handle(row)
                except Exception as exc:  # noqa: BLE001  (reported; the next pass tries again)
                    logger.exception("sweep: %s #%s failed", type(row).__name__, row.pk)
                    report.errors.append(f"{type(row).__name__} #{row.pk}: {exc}")
            last = rows[-1].pk


# --------------------------------------------------------------------------- intake notices


def _announce(report: SweepReport, batch: int) -> None:
    """Write the notices of new intakes first, so that an overdue notice never precedes them."""

    def handle(row: Case) -> None:
        case = _lock(row, None)
        if case.notices_pending:  # not announced by a step since the batch was read
            notify.announce(case)
            report.announced += 1

    _in_batches(Case.objects.filter(notices_pending=True), handle, report, batch)


def announce_pending(batch: int = BATCH) -> int:
    """Write the notices every intake left to the worker; how many cases had some."""
    report = SweepReport(at=clock.now())
    _announce(report, batch)
    if report.errors:
        raise RuntimeError("; ".join(report.errors))
    return report.announced


# --------------------------------------------------------------------------- response


def _response_overdue(now: datetime.datetime, report: SweepReport, batch: int) -> None:
    candidates = Case.objects.filter(
        Q(response_overdue_at__isnull=True) | Q(response_overdue_at__lt=F("response_due")),
        status=Status.DISPATCHED,
        response_due__lt=now,
    )

    def handle(row: Case) -> None:
        case = _lock(row, None)
        if case.status != Status.DISPATCHED or case.response_due is None:
            return
        if case.response_due >= now or (
            case.response_overdue_at is not None and case.response_overdue_at >= case.response_due
        ):
            return
        # Not a workflow step: the version stays, so nobody's next move conflicts.
        Case.objects.filter(pk=case.pk).update(response_overdue_at=now)
        case.response_overdue_at = now
        notify.response_overdue(case, now)
        report.response_overdue.append((case.number, case.lead_unit.name if case.lead_unit else ""))

    _in_batches(candidates, handle, report, batch)


# --------------------------------------------------------------------------- resolution


def _grace() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.GRIDGOV_ESCALATION_HOURS)


def _above(case: Case, unit: Unit) -> Unit | None:
    """The level above ``unit`` for this case (None above the street office)."""
    return None if unit.kind == UnitKind.STREET else _level_above(case, unit)


def _street_summoned_since(case: Case, since: datetime.datetime) -> bool:
    return Summons.objects.filter(
        case=case, unit__kind=UnitKind.STREET, summoned_at__gte=since
    ).exists()


def _escalation(case: Case, now: datetime.datetime) -> tuple[Unit, Unit, datetime.datetime] | None:
    """(from unit, to unit, the deadline that passed) if the case escalates now, else None."""
    lead = case.lead_unit
    if case.status not in OPEN_HANDLING or lead is None or case.resolve_due is None:
        return None
    if case.resolve_due >= now:
        return None
    if case.escalated_at is None or case.escalated_at < case.resolve_due:
        # This deadline has not been escalated yet: the level above the lead unit.
        above = _above(case, lead)
        return (lead, above, case.resolve_due) if above else None
    deadline = case.escalated_at + _grace()
    if deadline > now or _street_summoned_since(case, case.escalated_at):
        return None
    last = (
        CaseEvent.objects.filter(case=case, action="escalate")
        .order_by("-sequence")
        .only("target_units")
        .first()
    )
    reached_id = last.target_units[0]["id"] if last and last.target_units else lead.pk
    reached = Unit.objects.get(pk=reached_id)
    above = _above(case, reached)
    return (reached, above, deadline) if above else None


@transaction.atomic
def escalate_case(*, case: Case, now: datetime.datetime | None = None) -> Case | None:
    """超期升级: escalate an overdue case one level up, by the system; None if it is not due.

    Summons the level above (it must report for duty like after a whistle),
    writes the ``escalate`` event (actor "system", acting unit: the one whose
    deadline passed) and sets ``escalated_at`` and ``escalation_count``.
    """
    done = _escalate(case, now or clock.now())
    return done[0] if done else None


def _escalate(case: Case, now: datetime.datetime) -> tuple[Case, Unit] | None:
    case = _lock(case, None)
    escalation = _escalation(case, now)
    if escalation is None:
        return None
    source, target, deadline = escalation
    due = now + datetime.timedelta(minutes=settings.GRIDGOV_REPORT_FOR_DUTY_MINUTES)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "Not resolved by %(deadline)s: escalated automatically from %(source)s to %(target)s."
        ) % {
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            "source": source.name,
            "target": target.name,
        }
    Summons.objects.update_or_create(
        case=case,
        unit=target,
        defaults={
            "summoned_by": source,
            "reason": reason[:500],
            "summoned_at": now,
            "due_at": due,
            "reported_at": None,
        },
    )
    with clock.frozen(now):
        case = _step(
            case,
            "escalate",
            actor=None,
            unit=source,
            target_units=[target],
            note=reason,
            data={"deadline": deadline.isoformat(), "report_due": due.isoformat()},
            escalated_at=now,
            escalation_count=case.escalation_count + 1,
        )
    return case, target


def _resolution_overdue(now: datetime.datetime, report: SweepReport, batch: int) -> None:
    street_summoned = Summons.objects.filter(
        case=OuterRef("pk"), unit__kind=UnitKind.STREET, summoned_at__gte=OuterRef("escalated_at")
    )
    not_escalated = (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("resolve_due"))) & ~Q(
        lead_unit__kind=UnitKind.STREET
    )
    again = Q(escalated_at__gte=F("resolve_due"), escalated_at__lte=now - _grace()) & ~Exists(
        street_summoned
    )
    candidates = Case.objects.filter(
        not_escalated | again, status__in=OPEN_HANDLING, resolve_due__lt=now
    )

    def handle(row: Case) -> None:
        done = _escalate(row, now)
        if done is not None:
            report.escalated.append((done[0].number, done[1].name))

    _in_batches(candidates, handle, report, batch)


# --------------------------------------------------------------------------- summons


def _summons_overdue(now: datetime.datetime, report: SweepReport, batch: int) -> None:
    candidates = Summons.objects.filter(
        Q(overdue_notified_at__isnull=True) | Q(overdue_notified_at__lt=F("due_at")),
        reported_at__isnull=True,
        due_at__lt=now,
        case__status__in=SUMMONS_OPEN,
    )

    def handle(row: Summons) -> None:
        summons = Summons.objects.select_related(
            "unit", "case__street", "case__lead_unit", "case__category"
        ).get(pk=row.pk)
        if summons.reported_at is not None or summons.due_at >= now:
            return
        if summons.case.status not in SUMMONS_OPEN or (
            summons.overdue_notified_at is not None
            and summons.overdue_notified_at >= summons.due_at
        ):
            return
        Summons.objects.filter(pk=summons.pk).update(overdue_notified_at=now)
        summons.overdue_notified_at = now
        notify.summons_overdue(summons, now)
        report.summons_overdue.append((summons.case.number, summons.unit.name))

    _in_batches(candidates, handle, report, batch)


# --------------------------------------------------------------------------- the pass


def sweep(now: datetime.datetime | None = None, *, batch: int = BATCH) -> SweepReport:
    """One pass as if it were ``now`` (default: the clock); see the module's rules."""
    now = now or clock.now()
    if timezone.is_naive(now):
        raise ValueError("sweep() needs a timezone-aware datetime")
    report = SweepReport(at=now)
    with clock.frozen(now):
        _announce(report, batch)
        _response_overdue(now, report, batch)
        _resolution_overdue(now, report, batch)
        _summons_overdue(now, report, batch)
    return report
