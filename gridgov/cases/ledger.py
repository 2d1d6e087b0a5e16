"""The ledger (台账): append-only case events chained by SHA-256.

Each event's hash covers its content and the previous event's hash on the
same case; the case row keeps the count and the last hash, so editing,
deleting or inserting any event, the last one included, breaks the chain.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from gridgov.cases.models import Case, CaseEvent, Unit
from gridgov.core import clock


def _canonical(event: CaseEvent) -> str:
    created = event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    content = {
        "case": event.case_id,
        "sequence": event.sequence,
        "time": created,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "unit": event.unit_id,
        "units": event.target_units,
        "note": event.note,
        "data": event.data,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: CaseEvent) -> str:
    return hashlib.sha256((event.prev_hash + _canonical(event)).encode("utf-8")).hexdigest()


def append_event(
    case: Case,
    *,
    action: str,
    actor: Any,
    from_status: str,
    to_status: str,
    unit: Unit | None = None,
    target_units: Sequence[Unit] = (),
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
    save: bool = True,
) -> CaseEvent:
    """Write the next event of a locked case and advance its anchor (the caller saves the case).

    ``save=False``: the caller inserts the event itself, in the same
    transaction (intake writes its steps' events in one ``bulk_create``).
    """
    event = CaseEvent(
        case=case,
        sequence=case.event_count + 1,
        created_at=at or clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
        action=action,
        from_status=from_status,
        to_status=to_status,
        unit=unit,
        target_units=[{"id": u.pk, "kind": u.kind, "name": u.name} for u in target_units],
        note=note,
        data=data or {},
        prev_hash=case.last_hash,
    )
    event.hash = event_hash(event)
    if save:
        event.save()
    case.event_count = event.sequence
    case.last_hash = event.hash
    return event


def verify_case(case: Case, events: Iterable[CaseEvent] | None = None) -> list[str]:
    """Problems with one case's chain (empty when it is intact)."""
    problems = []
    previous = ""
    count = 0
    rows = events if events is not None else case.events.order_by("sequence")
    for count, event in enumerate(rows, start=1):
        expected_sequence = count
        if event.sequence != expected_sequence:
            problems.append(f"{case.number}: event {expected_sequence} is missing")
            break
        if event.prev_hash != previous or event_hash(event) != event.hash:
            problems.append(f"{case.number}: event {event.sequence} ({event.action}) was altered")
            break
        previous = event.hash
    else:
        if count != case.event_count or previous != case.last_hash:
            problems.append(f"{case.number}: the last events were deleted")
    return problems


def verify_ledger(batch: int = 500) -> tuple[int, list[str]]:
    """(cases checked, problems) for the whole ledger, a batch of cases at a time."""
    problems: list[str] = []
    checked = 0
    last_id = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not cases:
            return checked, problems
        by_case: dict[int, list[CaseEvent]] = {case.pk: [] for case in cases}
        for event in CaseEvent.objects.filter(case__in=cases).order_by("case_id", "sequence"):
            by_case[event.case_id].append(event)
        for case in cases:
            problems.extend(verify_case(case, by_case[case.pk]))
        checked += len(cases)
        last_id = cases[-1].pk
