"""The case workflow: one table of allowed transitions (no code sets ``case.status`` elsewhere).

The national digital city-management steps (信息采集 → 立案 → 派遣 → 处置 →
反馈 → 核查结案 → 评价, with 返工, 延期, 回退/改派, 挂账) joined with
Beijing's 接诉即办 / 吹哨报到.  Whistle (吹哨), report for duty (报到) and the
extension request are actions that do not change the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")  # 待受理: waits for the street's dispatcher
    REGISTERED = "registered", _("registered")  # 已立案
    REJECTED = "rejected", _("rejected")  # 不予受理
    DISPATCHED = "dispatched", _("dispatched")  # 已派遣: the clocks run
    ACCEPTED = "accepted", _("accepted")  # 已响应: first contact made
    RESOLVED = "resolved", _("resolved")  # 已办结: reply given, awaits verification
    CLOSED = "closed", _("closed")  # 已结案
    RETURNED = "returned", _("returned")  # 已回退: "not ours", awaits re-dispatch
    SUSPENDED = "suspended", _("suspended")  # 挂账: out of the rate denominators
    MERGED = "merged", _("merged")  # 已合并: a duplicate of another case


OPEN_HANDLING = (Status.DISPATCHED, Status.ACCEPTED)


@dataclass(frozen=True)
class Transition:
    """``action`` may run from any of ``sources``; it leads to ``target`` (None: unchanged)."""

    action: str
    sources: tuple[Status, ...]
    target: Status | None


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("register", (Status.SUBMITTED,), Status.REGISTERED),
        Transition("reject", (Status.SUBMITTED, Status.REGISTERED), Status.REJECTED),
        Transition("dispatch", (Status.REGISTERED,), Status.DISPATCHED),
        Transition("accept", (Status.DISPATCHED,), Status.ACCEPTED),
        Transition("return", OPEN_HANDLING, Status.RETURNED),
        Transition("redispatch", (Status.RETURNED, *OPEN_HANDLING), Status.DISPATCHED),
        Transition("whistle", OPEN_HANDLING, None),
        # escalate: the sweep's automatic whistle up when resolution is overdue.
        Transition("escalate", OPEN_HANDLING, None),
        Transition("report", (*OPEN_HANDLING, Status.RESOLVED), None),
        Transition("request_extension", OPEN_HANDLING, None),
        Transition("decide_extension", OPEN_HANDLING, None),
        Transition("resolve", OPEN_HANDLING, Status.RESOLVED),
        # verify(ok=True) closes; verify(ok=False) is rework (返工) back to dispatched.
        Transition("verify", (Status.RESOLVED,), Status.CLOSED),
        Transition("rework", (Status.RESOLVED,), Status.DISPATCHED),
        Transition("reopen", (Status.CLOSED,), Status.DISPATCHED),
        Transition("suspend", (Status.REGISTERED, *OPEN_HANDLING), Status.SUSPENDED),
        # resume goes back to the status before the suspension (kept in the event data).
        Transition("resume", (Status.SUSPENDED,), None),
        Transition(
            "merge",
            (Status.SUBMITTED, Status.REGISTERED, *OPEN_HANDLING, Status.RETURNED),
            Status.MERGED,
        ),
        Transition("rate", (Status.CLOSED,), None),
    )
}

# Every status reachable from "submitted" (intake itself is the "submit" event).
TERMINAL = frozenset({Status.REJECTED, Status.MERGED})


class WorkflowError(Exception):
    """The move is not allowed from the case's current status (entry points answer 409)."""


def check(action: str, status: str) -> Transition:
    """The transition for ``action`` from ``status``, or WorkflowError."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowError(f"unknown action {action!r}")
    if status not in transition.sources:
        raise WorkflowError(f"{action} is not allowed when the case is {status}")
    return transition
