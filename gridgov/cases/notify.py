"""Who hears about a step on a case: in-app notifications and outbox messages.

Called by the actions (``case_changed`` after every ledger event) and by the
sweep (``response_overdue``, ``summons_overdue``), inside their transaction:
a rolled-back step notifies nobody, a committed one is never lost.  Intake
is the exception: it only sets ``Case.notices_pending`` (in its own
transaction), and the worker's sweep (or the case's next step, whichever
comes first) writes its notices with ``announce``.

In-app notifications go to the people of the units involved (``people_of``:
their active role assignments) and, for a rejection, reply, closing or merge,
to the requester; never to the person who acted.  The recipients of one
event are found in one query.  Outbox messages (one per configured sender,
``GRIDGOV_OUTBOX_SENDERS``) carry the topic ``case.<action>`` and a payload
without personal data: case number, status, category, street and unit names.
"""

from __future__ import annotations

import copy
import datetime
import operator
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    Notification,
    OutboxMessage,
    Rating,
    Summons,
    Unit,
    UnitKind,
)
from gridgov.cases.workflow import Status
from gridgov.core import clock

MESSAGE_MAX = 500

# Which role assignments make a person one of a unit's people, by unit kind:
# (role, the assignment's field, the unit's field).
UNIT_PEOPLE: dict[str, tuple[tuple[str, str, str], ...]] = {
    UnitKind.STREET: ((Role.STREET_ADMIN, "street_id", "street_id"),),
    UnitKind.COMMUNITY: ((Role.COMMUNITY_ADMIN, "community_id", "community_id"),),
    UnitKind.GRID: (
        (Role.GRID_WORKER, "grid_id", "grid_id"),
        # the grid party branch works with its grid (its assignment carries the grid)
        (Role.BRANCH_SECRETARY, "grid_id", "grid_id"),
    ),
    UnitKind.DEPARTMENT: ((Role.DEPARTMENT_CLERK, "department_id", "department_id"),),
    UnitKind.PARTNER: ((Role.PARTNER_STAFF, "organisation_id", "organisation_id"),),
}

# What each step is called in the outbox text (work-chat robots, logs).
ACTION_LABELS = {
    "submit": _("new case received"),
    "register": _("case registered"),
    "reject": _("case not accepted"),
    "dispatch": _("case dispatched"),
    "redispatch": _("case re-dispatched"),
    "accept": _("case responded to"),
    "return": _("case returned"),
    "whistle": _("whistle blown"),
    "escalate": _("escalated automatically (overdue)"),
    "report": _("reported for duty"),
    "request_extension": _("extension requested"),
    "decide_extension": _("extension decided"),
    "resolve": _("case resolved"),
    "verify": _("case verified and closed"),
    "rework": _("sent back for rework"),
    "reopen": _("reopened after an unsatisfied rating"),
    "suspend": _("case suspended"),
    "resume": _("case resumed"),
    "merge": _("merged into another case"),
    "rate": _("case rated"),
    "response_overdue": _("response overdue"),
    "summons_overdue": _("report for duty overdue"),
}

# The in-app message of each step; steps without one notify nobody in the app.
MESSAGES = {
    "submit": _("New case %(number)s is waiting to be registered and dispatched."),
    "reject": _("Your case %(number)s was not accepted: %(note)s"),
    "dispatch": _("Case %(number)s was dispatched to %(lead)s."),
    "redispatch": _("Case %(number)s was re-dispatched to %(lead)s."),
    "return": _("Case %(number)s was returned by %(acting)s and waits for re-dispatch."),
    "whistle": _("%(acting)s whistled for case %(number)s: report for duty by %(due)s."),
    "escalate": _(
        "Case %(number)s is overdue and was escalated to %(units)s: report for duty by %(due)s."
    ),
    "report": _("%(acting)s reported for duty on case %(number)s."),
    "request_extension": _("%(acting)s asks for an extension of case %(number)s."),
    "resolve": _("Case %(number)s was resolved: %(note)s"),
    "verify": _("Case %(number)s was verified and closed."),
    "rework": _("Case %(number)s failed verification and goes back for rework: %(note)s"),
    "reopen": _("Case %(number)s was reopened after an unsatisfied rating."),
    "suspend": _("Case %(number)s was suspended: %(note)s"),
    "resume": _("Case %(number)s was resumed."),
    "merge": _("Case %(number)s was merged into case %(into)s."),
    "rate": _("Case %(number)s was rated: %(rating)s."),
    "response_overdue": _(
        "Case %(number)s has not been responded to by %(lead)s; the response was due %(due)s."
    ),
    "summons_overdue": _(
        "%(units)s has not reported for duty on case %(number)s; it was due %(due)s."
    ),
}
EXTENSION_MESSAGES = {
    True: _("The extension of case %(number)s was approved."),
    False: _("The extension of case %(number)s was refused."),
}
OUTBOX_TEXT = _("%(street)s: case %(number)s, %(what)s (status: %(status)s, lead unit: %(lead)s)")
OUTBOX_UNITS = _("%(text)s; units: %(units)s")


# --------------------------------------------------------------------------- people


def _people_condition(units: Iterable[Unit]) -> Q | None:
    """Role assignments that make someone one of ``units``' people (literal ids: cheap SQL)."""
    wanted: dict[tuple[str, str], set[int]] = {}
    for unit in units:
        for role, field, unit_field in UNIT_PEOPLE.get(unit.kind, ()):
            value = getattr(unit, unit_field)
            if value is not None:
                wanted.setdefault((role, field), set()).add(value)
    condition: Q | None = None
    for (role, field), values in sorted(wanted.items()):
        part = Q(role=role, **{f"{field}__in": sorted(values)})
        condition = part if condition is None else condition | part
    return condition


def people_of(unit: Unit) -> QuerySet[Any]:
    """The active users who act for ``unit``: street admins of a street office,
    community admins, a grid's workers and branch secretary, department
    clerks, partner staff."""
    condition = _people_condition([unit])
    if condition is None:
        return get_user_model().objects.none()
    assignments = RoleAssignment.objects.filter(condition, active=True)
    return get_user_model().objects.filter(is_active=True, pk__in=assignments.values("user_id"))


def _recipients(
    case: Case,
    *,
    units: Iterable[Unit | None] = (),
    unit_ids: Iterable[int] = (),
    co_handlers: bool = False,
    grid: bool = False,
    community: bool = False,
    street_office: bool = False,
    except_unit: int | None = None,
    requester: bool = False,
    followers: bool = False,
    actor_id: int | None = None,
) -> list[int]:
    """User ids to notify, in at most two queries (the units not in memory, then the people).

    ``units``: these units (loaded); ``unit_ids``: these too (loaded here);
    ``co_handlers``: every unit summoned to the case; ``grid``,
    ``community``, ``street_office``: the people of the case's grid,
    community and street office; ``requester``: the requester; ``followers``: the
    requesters of the cases merged into this one.  The person
    who acted (``actor_id``) is never among them.
    """
    known = {unit.pk: unit for unit in units if unit is not None}
    missing = set(unit_ids) - set(known)
    if missing or co_handlers:
        wanted = Q(pk__in=sorted(missing))
        if co_handlers:
            wanted |= Q(pk__in=Summons.objects.filter(case=case).values("unit_id"))
        known.update((unit.pk, unit) for unit in Unit.objects.filter(wanted))
    if except_unit is not None:
        known.pop(except_unit, None)
    parts = [_people_condition(known.values())]
    # The places' own units may not exist yet (units are made when first needed):
    # their people are found from the place ids directly.
    if grid and case.grid_id is not None:
        parts.append(Q(role__in=(Role.GRID_WORKER, Role.BRANCH_SECRETARY), grid_id=case.grid_id))
    if community and case.community_id is not None:
        parts.append(Q(role=Role.COMMUNITY_ADMIN, community_id=case.community_id))
    if street_office:
        parts.append(Q(role=Role.STREET_ADMIN, street_id=case.street_id))
    conditions = [part for part in parts if part is not None]
    users: set[int] = set()
    if conditions:
        users.update(
            RoleAssignment.objects.filter(reduce(operator.or_, conditions))
            .filter(active=True, user__is_active=True)
            .order_by()  # the set of users only: no ordering columns in the DISTINCT
            .values_list("user_id", flat=True)
            .distinct()
        )
    if requester and case.requester_id is not None:
        users.add(case.requester_id)
    if followers:
        users.update(
            Case.objects.filter(merged_into_id=case.pk, requester__isnull=False).values_list(
                "requester_id", flat=True
            )
        )
    if actor_id is not None:
        users.discard(actor_id)
    return sorted(users)


# --------------------------------------------------------------------------- messages


def _local(when: datetime.datetime | None) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""


def _unit_names(event: CaseEvent | None) -> list[str]:
    return [unit["name"] for unit in (event.target_units if event else [])]


def _payload(
    case: Case, action: str, *, event: CaseEvent | None, units: list[str], at: datetime.datetime
) -> dict[str, Any]:
    """What the outbox carries: no requester, phone, description, note or reply."""
    lead = case.lead_unit.name if case.lead_unit else ""
    text = OUTBOX_TEXT % {
        "street": case.street.name,
        "number": case.number,
        "what": ACTION_LABELS.get(action, action),
        "status": Status(case.status).label,
        "lead": lead,
    }
    if units:
        text = OUTBOX_UNITS % {"text": text, "units": "、".join(units)}
    return {
        "case": case.number,
        "action": action,
        "event": event.sequence if event else None,
        "status": case.status,
        "street": case.street.name,
        "category": case.category.code if case.category else "",
        "lead_unit": lead,
        "units": units,
        "at": at.isoformat(),
        "text": str(text),
    }


class Pending:
    """Notifications and outbox messages of several steps, written together by ``write``.

    Intake runs up to three steps (submit, register, dispatch) in one
    transaction: one INSERT per table for all of them instead of one per step.
    """

    def __init__(self) -> None:
        self.notifications: list[Notification] = []
        self.outbox: list[OutboxMessage] = []

    def write(self) -> None:
        if self.notifications:
            Notification.objects.bulk_create(self.notifications)
        if self.outbox:
            OutboxMessage.objects.bulk_create(self.outbox)
        self.notifications, self.outbox = [], []


def enqueue(
    topic: str, payload: dict[str, Any], pending: Pending | None = None
) -> list[OutboxMessage]:
    """One outbox message per configured sender, due at once (in the caller's transaction).

    With ``pending`` the messages are only collected there (its ``write`` inserts them).
    """
    # Due now in real time and in the clock's time: a demo history played in
    # the past and a sweep "as if" in the future both deliver at once.
    due = min(clock.now(), timezone.now())
    messages = [
        OutboxMessage(sender=sender, topic=topic, payload=payload, next_attempt_at=due)
        for sender in settings.GRIDGOV_OUTBOX_SENDERS
    ]
    if pending is not None:
        pending.outbox.extend(messages)
        return messages
    return OutboxMessage.objects.bulk_create(messages)


def _notify(
    case: Case, kind: str, users: list[int], message: str, pending: Pending | None = None
) -> None:
    rows = [
        Notification(user_id=user, case=case, kind=kind, message=message[:MESSAGE_MAX])
        for user in users
    ]
    if pending is not None:
        pending.notifications.extend(rows)
    elif rows:
        Notification.objects.bulk_create(rows)


def _waits_for_dispatcher(case: Case, submitted: CaseEvent) -> bool:
    # submit_case dispatches at intake (直派) exactly when it has a category and a
    # grid and is not held for moderation (a moderated Open311 key).
    return case.category_id is None or case.grid_id is None or bool(submitted.data.get("held"))


# Who hears of each step in the app, besides the person who acted:
# lead (the lead unit after the step), targets (the units the step names),
# co_handlers (every summoned unit), grid (the case's grid), street_office,
# requester; except_acting leaves out the acting unit's people.
AUDIENCE: dict[str, frozenset[str]] = {
    "reject": frozenset({"requester"}),
    "dispatch": frozenset({"lead"}),
    "redispatch": frozenset({"lead"}),
    "return": frozenset({"lead"}),  # the lead is now the street office
    "decide_extension": frozenset({"lead"}),
    "whistle": frozenset({"targets"}),
    "escalate": frozenset({"lead", "targets"}),
    "report": frozenset({"lead", "co_handlers", "except_acting"}),
    "request_extension": frozenset({"street_office"}),
    "resolve": frozenset({"lead", "co_handlers", "grid", "requester"}),
    # followers: the requesters of the cases merged into this one (the same problem).
    "verify": frozenset({"lead", "co_handlers", "requester", "followers"}),
    "merge": frozenset({"lead", "co_handlers", "requester"}),
    "rework": frozenset({"lead", "co_handlers"}),
    "reopen": frozenset({"lead", "co_handlers"}),
    "suspend": frozenset({"lead", "co_handlers"}),
    "resume": frozenset({"lead", "co_handlers"}),
    "rate": frozenset({"lead", "co_handlers"}),
}


def _audience(case: Case, event: CaseEvent) -> frozenset[str]:
    if event.action == "submit":
        return frozenset({"acting"}) if _waits_for_dispatcher(case, event) else frozenset()
    return AUDIENCE.get(event.action, frozenset())


def _message(case: Case, event: CaseEvent) -> str:
    if event.action == "decide_extension":
        template = EXTENSION_MESSAGES[bool(event.data.get("approved"))]
    else:
        template = MESSAGES[event.action]
    rating = event.data.get("rating")
    due = event.data.get("report_due")
    return template % {
        "number": case.number,
        "note": event.note,
        "lead": case.lead_unit.name if case.lead_unit else "",
        "acting": event.unit.name if event.unit else "",
        "units": "、".join(_unit_names(event)),
        "due": _local(datetime.datetime.fromisoformat(due)) if isinstance(due, str) else "",
        "into": event.data.get("into", ""),
        "rating": Rating(rating).label if rating in Rating.values else "",
    }


def case_changed(case: Case, event: CaseEvent, *, pending: Pending | None = None) -> None:
    """Notify the people concerned by ``event`` and queue it for the outbox senders.

    ``pending``: collect the rows there instead of inserting them now.
    """
    audience = _audience(case, event)
    with translation.override(settings.LANGUAGE_CODE):
        if audience:
            units: list[Unit | None] = []
            if "lead" in audience:
                units.append(case.lead_unit)
            if "acting" in audience:
                units.append(event.unit)
            targets = [unit["id"] for unit in event.target_units] if "targets" in audience else []
            users = _recipients(
                case,
                units=units,
                unit_ids=targets,
                co_handlers="co_handlers" in audience,
                grid="grid" in audience,
                street_office="street_office" in audience,
                except_unit=event.unit_id if "except_acting" in audience else None,
                requester="requester" in audience,
                followers="followers" in audience,
                actor_id=event.actor_id,
            )
            _notify(case, event.action, users, _message(case, event), pending)
        payload = _payload(
            case, event.action, event=event, units=_unit_names(event), at=event.created_at
        )
        enqueue(f"case.{event.action}", payload, pending)
        if case.kind == CaseKind.HOTLINE:
            # A 12345 order's milestones go back to the hotline (its own sender, signed).
            from gridgov.hotline.callback import outbox_for

            extra = outbox_for(case, event)
            if pending is not None:
                pending.outbox.extend(extra)
            elif extra:
                OutboxMessage.objects.bulk_create(extra)


def announce(case: Case) -> None:
    """Write the notices intake left to the worker (``Case.notices_pending``), then clear the flag.

    ``case`` is locked by the caller.  Its events are still exactly intake's
    (submit, and register and dispatch when routed at once): any later step
    announces first.  Each event is told with the case as it stood after that
    event (its status; the lead unit: the dispatcher, then the unit dispatched to).
    """
    events = list(case.events.select_related("unit").order_by("sequence"))
    named = {unit["id"] for event in events for unit in event.target_units}
    units = Unit.objects.in_bulk(sorted(named)) if named else {}
    pending = Pending()
    lead = None
    for event in events:
        if event.action in ("dispatch", "redispatch") and event.target_units:
            lead = units.get(event.target_units[0]["id"])
        elif lead is None:
            lead = event.unit
        as_then = copy.copy(case)
        as_then.status = event.to_status
        as_then.lead_unit = lead
        case_changed(as_then, event, pending=pending)
    pending.write()
    Case.objects.filter(pk=case.pk).update(notices_pending=False)
    case.notices_pending = False


def response_overdue(case: Case, now: datetime.datetime) -> None:
    """The lead unit has not responded in time: tell it and its supervisor.

    The supervisor is the level above the lead unit: a grid's community,
    the street office for a community, department or partner.
    """
    lead = case.lead_unit
    above_grid = lead is not None and lead.kind == UnitKind.GRID and case.community_id is not None
    with translation.override(settings.LANGUAGE_CODE):
        message = MESSAGES["response_overdue"] % {
            "number": case.number,
            "lead": lead.name if lead else "",
            "due": _local(case.response_due),
        }
        users = _recipients(
            case,
            units=[lead],
            community=above_grid,
            street_office=not above_grid,
        )
        _notify(case, "response_overdue", users, message)
        names = [lead.name] if lead else []
        enqueue(
            "case.response_overdue",
            _payload(case, "response_overdue", event=None, units=names, at=now),
        )


def summons_overdue(summons: Summons, now: datetime.datetime) -> None:
    """A summoned unit has not reported for duty in time: tell it and the street office."""
    case = summons.case
    with translation.override(settings.LANGUAGE_CODE):
        message = MESSAGES["summons_overdue"] % {
            "number": case.number,
            "units": summons.unit.name,
            "due": _local(summons.due_at),
        }
        users = _recipients(case, units=[summons.unit], street_office=True)
        _notify(case, "summons_overdue", users, message)
        enqueue(
            "case.summons_overdue",
            _payload(case, "summons_overdue", event=None, units=[summons.unit.name], at=now),
        )
