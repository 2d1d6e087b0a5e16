"""What Open311 shows the public about cases, and in which words.

"Public" (GET requests, requests/{id}, tokens) means:

* a case is shown when it came through Open311 or its requester did not ask
  to stay anonymous; a case held for moderation is shown only once the
  street's dispatcher has registered it;
* never the requester (name, phone, e-mail, device or account id), never
  internal notes: ``status_notes`` is the reply, the rejection reason, the
  case it was merged into, or a plain sentence;
* phone numbers inside free text (description, address, replies) are masked.

This is the one place that rule lives (Open311 reads are anonymous, so
``Case.objects.visible_to`` would show nothing).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.exports import mask_text
from gridgov.cases.models import Case, CaseEvent, Category, Channel
from gridgov.cases.workflow import Status
from gridgov.core.catalogue import default_catalogue

CLOSED_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def public_cases() -> QuerySet[Case]:
    """Cases the public may read through Open311, with what the answers need joined."""
    latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-sequence")
    return (
        Case.objects.filter(Q(channel=Channel.OPEN311) | Q(anonymous=False))
        .filter(Q(open311__isnull=True) | Q(open311__held=False) | Q(registered_at__isnull=False))
        .select_related("category", "lead_unit", "merged_into", "open311")
        .annotate(
            updated_at=Subquery(latest.values("created_at")[:1]),
            rejection=Subquery(latest.filter(action="reject").values("note")[:1]),
        )
    )


def iso(value: datetime.datetime | None) -> str | None:
    """ISO 8601 with the zone, in local time, to the second: 2026-11-23T09:15:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def group_name(code: str) -> str:
    """The Chinese name of a category group (市容环境 for env)."""
    label = str((default_catalogue().get("groups") or {}).get(code, code))
    return label.partition(" / ")[0].strip()


def service_notice(category: Category | None) -> str:
    if category is None:
        return ""
    return _(
        "First contact within %(hours)d hours and a reply within %(days)d days of dispatch."
    ) % {"hours": category.response_hours, "days": category.resolve_days}


def open_or_closed(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATUSES else "open"


def status_notes(case: Case) -> str:
    """The latest public word on the case, in plain words (never an internal note)."""
    unit = case.lead_unit.name if case.lead_unit else _("the street office")
    status = case.status
    if status == Status.MERGED and case.merged_into is not None:
        return _("Merged into %(number)s.") % {"number": case.merged_into.number}
    if status == Status.REJECTED:
        reason = getattr(case, "rejection", None) or ""
        return mask_text(reason) if reason else _("Not accepted.")
    if status in (Status.RESOLVED, Status.CLOSED) and case.reply:
        return mask_text(case.reply)
    sentences = {
        Status.SUBMITTED: _("Received. The street office will decide who handles it."),
        Status.REGISTERED: _("Accepted for handling. It will be assigned soon."),
        Status.DISPATCHED: _("Assigned to %(unit)s.") % {"unit": unit},
        Status.ACCEPTED: _("%(unit)s is working on it.") % {"unit": unit},
        Status.RESOLVED: _("Handled. The result is being checked on site."),
        Status.CLOSED: _("Closed."),
        Status.RETURNED: _("Being passed to the right unit."),
        Status.SUSPENDED: _("On hold as long-term work; it stays on record."),
    }
    return str(sentences.get(Status(status), status))


def request_row(case: Case) -> dict[str, Any]:
    """One request as the spec lists its fields (GET requests and requests/{id})."""
    category = case.category
    record = getattr(case, "open311", None)  # reverse one-to-one: None when absent
    return {
        "service_request_id": case.number,
        "status": open_or_closed(case),
        "status_notes": status_notes(case),
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": mask_text(case.description),
        "agency_responsible": case.lead_unit.name if case.lead_unit else None,
        "service_notice": service_notice(category) or None,
        "requested_datetime": iso(case.submitted_at),
        "updated_datetime": iso(getattr(case, "updated_at", None) or case.submitted_at),
        "expected_datetime": iso(case.resolve_due),
        "address": mask_text(case.address) or None,
        "address_id": str(case.building_id) if case.building_id else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": (record.media_url or None) if record is not None else None,
    }
