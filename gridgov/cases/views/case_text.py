"""Cases in plain words: the status as a sentence and the ledger as a timeline.

Residents read what happens to their problem, not workflow codes: every
ledger event becomes one sentence naming the units involved.  Staff names
are shown only to handlers (``show_actor``); residents see units.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gridgov.cases.models import Case, CaseEvent, Channel, Rating
from gridgov.cases.workflow import Status
from gridgov.core import clock

# Bootstrap colour of each status badge (text on it meets AA contrast).
STATUS_COLOURS = {
    Status.SUBMITTED: "secondary",
    Status.REGISTERED: "secondary",
    Status.DISPATCHED: "primary",
    Status.ACCEPTED: "info",
    Status.RESOLVED: "warning",
    Status.CLOSED: "success",
    Status.REJECTED: "dark",
    Status.RETURNED: "warning",
    Status.SUSPENDED: "dark",
    Status.MERGED: "dark",
}

OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.RESOLVED,
    Status.RETURNED,
    Status.SUSPENDED,
)


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def plain_status(case: Case, *, requester: bool = True) -> str:
    """One sentence a resident understands: where their problem is now.

    ``requester=False`` words it for the staff reading the same page.
    """
    unit = case.lead_unit.name if case.lead_unit else _("the street office")
    status = case.status
    if not requester and status == Status.DISPATCHED:
        return _("Assigned to %(unit)s; waiting for first contact.") % {"unit": unit}
    if not requester and status == Status.CLOSED:
        if case.rating:
            return _("Closed and rated by the requester.")
        return _("Closed. Waiting for the requester's rating.")
    if status == Status.SUBMITTED:
        return _("Received. The street office will decide who handles it.")
    if status == Status.REGISTERED:
        return _("Accepted for handling. It will be assigned soon.")
    if status == Status.DISPATCHED:
        return _("Assigned to %(unit)s. They will contact you.") % {"unit": unit}
    if status == Status.ACCEPTED:
        return _("%(unit)s is working on it.") % {"unit": unit}
    if status == Status.RESOLVED:
        return _("Handled. The result is being checked on site.")
    if status == Status.CLOSED:
        if case.rating:
            return _("Closed. Thank you for your rating.")
        return _("Closed. Please tell us how it was handled.")
    if status == Status.REJECTED:
        return _("Not accepted. The reason is in the timeline below.")
    if status == Status.RETURNED:
        return _("Being passed to the right unit.")
    if status == Status.SUSPENDED:
        return _("On hold as long-term work; it stays on record.")
    if status == Status.MERGED:
        return _("Merged with another report of the same problem.")
    return status_label(status)


@dataclass
class Due:
    """A due time and whether it has passed while the step is still open."""

    label: str
    at: datetime.datetime
    overdue: bool
    done: bool


def due_times(case: Case, now: datetime.datetime | None = None) -> list[Due]:
    """Response and resolution due times, overdue when passed and not yet met."""
    now = now or clock.now()
    handling = case.status in (Status.DISPATCHED, Status.ACCEPTED)
    dues = []
    if case.response_due is not None:
        responded = case.accepted_at is not None or not handling
        dues.append(
            Due(
                _("Response due"),
                case.response_due,
                overdue=not responded and now > case.response_due,
                done=case.accepted_at is not None,
            )
        )
    if case.resolve_due is not None:
        dues.append(
            Due(
                _("Resolution due"),
                case.resolve_due,
                overdue=handling and now > case.resolve_due,
                done=case.resolved_at is not None,
            )
        )
    return dues


def is_overdue(case: Case, now: datetime.datetime | None = None) -> bool:
    return any(due.overdue for due in due_times(case, now))


@dataclass
class TimelineEntry:
    at: datetime.datetime
    text: str
    note: str
    actor: str
    action: str
    status: str
    status_label: str


def _units(event: CaseEvent) -> str:
    names = [str(item.get("name", "")) for item in event.target_units or [] if item]
    return "、".join(name for name in names if name)


def _channel(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def _rating(value: str) -> str:
    try:
        return str(Rating(value).label)
    except ValueError:
        return value


def event_sentence(event: CaseEvent) -> tuple[str, str]:
    """(sentence, note shown under it) for one ledger event."""
    unit = event.unit.name if event.unit else _("The street office")
    units = _units(event)
    data = event.data or {}
    note = event.note
    action = event.action
    if action == "submit":
        return _("Reported (%(channel)s).") % {"channel": _channel(data.get("channel", ""))}, ""
    if action == "register":
        return _("%(unit)s accepted it for handling.") % {"unit": unit}, note
    if action == "reject":
        return _("%(unit)s did not accept it.") % {"unit": unit}, note
    if action == "dispatch":
        return _("Assigned to %(units)s.") % {"units": units}, ""
    if action == "redispatch":
        return _("Reassigned to %(units)s.") % {"units": units}, note
    if action == "accept":
        return _("%(unit)s took it on.") % {"unit": unit}, note
    if action == "return":
        return _("%(unit)s passed it back to the street office: not theirs.") % {"unit": unit}, note
    if action == "whistle":
        return _("%(unit)s blew the whistle and called in %(units)s.") % {
            "unit": unit,
            "units": units,
        }, note
    if action == "escalate":
        return _("Overdue: escalated to %(units)s.") % {"units": units or unit}, note
    if action == "report":
        if data.get("late"):
            return _("%(unit)s reported for duty (late).") % {"unit": unit}, note
        return _("%(unit)s reported for duty.") % {"unit": unit}, note
    if action == "request_extension":
        return _("%(unit)s asked for %(days)s more days.") % {
            "unit": unit,
            "days": data.get("days", "?"),
        }, note
    if action == "decide_extension":
        if data.get("approved"):
            return _("%(days)s more days were granted.") % {"days": data.get("days", "?")}, note
        return _("The extension was refused."), note
    if action == "resolve":
        return _("%(unit)s finished handling it and replied.") % {"unit": unit}, note
    if action == "verify":
        return _("%(unit)s checked on site and closed the case.") % {"unit": unit}, note
    if action == "rework":
        return _("%(unit)s checked on site: not solved, sent back for rework.") % {
            "unit": unit
        }, note
    if action == "reopen":
        if event.unit is not None:  # the dispatcher reopened it
            return _("%(unit)s reopened the case.") % {"unit": unit}, note
        return _("Reopened after an unsatisfied rating."), ""
    if action == "suspend":
        return _("Put on hold."), note
    if action == "resume":
        return _("Taken off hold."), ""
    if action == "merge":
        return _("Merged into case %(number)s (the same problem).") % {
            "number": data.get("into", "?")
        }, ""
    if action == "rate":
        return _("Rated: %(rating)s.") % {"rating": _rating(data.get("rating", ""))}, note
    return action, note


def timeline(events: Iterable[CaseEvent], *, show_actor: bool) -> list[TimelineEntry]:
    entries = []
    for event in events:
        text, note = event_sentence(event)
        entries.append(
            TimelineEntry(
                at=event.created_at,
                text=text,
                note=note,
                actor=(event.actor_name if show_actor and event.actor_id else ""),
                action=event.action,
                status=event.to_status,
                status_label=status_label(event.to_status),
            )
        )
    return entries


def requester_display(case: Case, *, handler: bool, viewer: Any) -> str:
    """Who reported it: hidden for anonymous cases from everyone but handlers."""
    if case.requester_id is not None and case.requester_id == getattr(viewer, "pk", None):
        return _("You")
    if case.anonymous and not handler:
        return _("Anonymous")
    if case.requester is not None:
        name = case.requester.get_full_name() or case.requester.get_username()
    else:
        name = case.requester_name or _("Unknown")
    if case.anonymous:
        return _("%(name)s (anonymous to the public)") % {"name": name}
    return name
