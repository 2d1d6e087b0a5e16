"""The case part of the home page: what waits for the viewer, and their own reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role
from gridgov.cases.models import Case
from gridgov.cases.views import staff
from gridgov.cases.views.staff_common import handles_cases
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.web.roles import role_assignments

# What "open" means to the person who reported: anything not finished for them.
REPORTER_DONE = (Status.CLOSED, Status.REJECTED, Status.MERGED)


@dataclass(frozen=True)
class CaseTile:
    key: str
    label: Any
    count: int
    url: str
    alert: bool = False


@dataclass
class CaseSummary:
    queues: list[CaseTile]
    mine: list[CaseTile]
    reports: bool
    patrols: bool


def case_summary(user: Any) -> CaseSummary:
    roles = {assignment.role for assignment in role_assignments(user)}
    queues: list[CaseTile] = []
    if handles_cases(user):
        counts = staff.queue_counts(user, clock.now())
        workbench = reverse("case-workbench")
        queues = [
            CaseTile(
                queue.key,
                queue.label,
                counts[queue.key],
                f"{workbench}?queue={queue.key}",
                alert=queue.key in ("overdue", "whistles") and counts[queue.key] > 0,
            )
            for queue in staff.QUEUES
            if queue.key in counts
        ]
    reports = bool(roles & {Role.RESIDENT, Role.ENTERPRISE_CONTACT})
    mine: list[CaseTile] = []
    if reports:
        own = Case.objects.filter(requester=user).aggregate(
            open=Count("pk", filter=~Q(status__in=REPORTER_DONE)),
            to_rate=Count("pk", filter=Q(status=Status.CLOSED, rated_at__isnull=True)),
        )
        url = reverse("case-mine")
        mine = [
            CaseTile("open", _("My open cases"), own["open"], url),
            CaseTile(
                "to_rate",
                _("Closed, waiting for my rating"),
                own["to_rate"],
                url,
                own["to_rate"] > 0,
            ),
        ]
    return CaseSummary(queues, mine, reports, Role.GRID_WORKER in roles)
