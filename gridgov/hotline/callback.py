"""Reporting a 12345 order's milestones back to the hotline, through the outbox.

``notify.case_changed`` calls :func:`outbox_for` inside the action's
transaction for every event of a hotline case; the milestones (accepted,
resolved, closed, returned as not ours, rejected) become one
``OutboxMessage`` each, with sender ``hotline``.  The worker hands them to
:func:`hotline_sender`, which POSTs the JSON body to
``GRIDGOV_HOTLINE_CALLBACK_URL``, signed with HMAC-SHA256 over the exact
body bytes (``X-Gridgov-Signature: sha256=<hex>``) and named by the
message id (``X-Gridgov-Delivery``) so the hotline can drop a repeat.  A
failed POST keeps the message; the outbox retries it with its backoff
(30 s doubling to 1 h), so nothing is lost while the hotline is down.

The body is kept in the message; the signature is made when sending (with
the secret of that moment), over the same bytes every time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.utils import timezone

from gridgov.cases.models import Case, CaseEvent, OutboxMessage
from gridgov.cases.outbox import SenderError, register_sender
from gridgov.core import clock

SENDER = "hotline"
TOPIC_PREFIX = "hotline."
TIMEOUT = 10  # seconds
SIGNATURE_HEADER = "X-Gridgov-Signature"
DELIVERY_HEADER = "X-Gridgov-Delivery"

# Our ledger action -> the milestone the hotline hears of.  Rework, whistles,
# extensions stay inside the street.
MILESTONES = {
    "accept": "accepted",
    "resolve": "resolved",
    "verify": "closed",
    "return": "returned",
    "reject": "rejected",
}


def body_of(order_number: str, case: Case, event: CaseEvent, milestone: str) -> dict[str, Any]:
    """The callback's JSON body (docs/hotline.md): no requester data, only the outcome."""
    unit = event.unit.name if event.unit else (case.lead_unit.name if case.lead_unit else "")
    return {
        "order_number": order_number,
        "case_number": case.number,
        "event": milestone,
        "status": case.status,
        "time": timezone.localtime(event.created_at).isoformat(),
        "unit": unit,
        "reply": case.reply if milestone in ("resolved", "closed") else "",
        "reason": event.note if milestone in ("returned", "rejected") else "",
    }


def outbox_for(case: Case, event: CaseEvent) -> list[OutboxMessage]:
    """The hotline messages of ``event`` (unsaved; the caller writes them in its transaction)."""
    milestone = MILESTONES.get(event.action)
    if milestone is None:
        return []
    from gridgov.hotline.models import HotlineOrder

    order = HotlineOrder.objects.filter(case_id=case.pk).values("order_number", "street_id").first()
    if order is None:  # a hotline-kind case entered by hand: no order to answer
        return []
    body = body_of(order["order_number"], case, event, milestone)
    return [
        OutboxMessage(
            sender=SENDER,
            topic=TOPIC_PREFIX + milestone,
            payload={"street_id": order["street_id"], "body": body},
            next_attempt_at=min(clock.now(), timezone.now()),
        )
    ]


def body_bytes(message: OutboxMessage) -> bytes:
    """The exact bytes posted (and signed): compact UTF-8 JSON, keys in order."""
    body = message.payload.get("body") if isinstance(message.payload, dict) else None
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hotline_sender(message: OutboxMessage) -> None:
    """POST one milestone to the hotline; anything but a 2xx answer is a failure (retried)."""
    if not message.topic.startswith(TOPIC_PREFIX):
        raise SenderError(f"the hotline sender posts hotline messages only, not {message.topic}")
    url = settings.GRIDGOV_HOTLINE_CALLBACK_URL
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SenderError("GRIDGOV_HOTLINE_CALLBACK_URL is not set to an http(s) address")
    secret = settings.GRIDGOV_HOTLINE_SECRET
    if not secret:
        raise SenderError("GRIDGOV_HOTLINE_SECRET is not set: callbacks are never sent unsigned")
    body = body_bytes(message)
    request = urllib.request.Request(
        url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(body, secret),
            DELIVERY_HEADER: str(message.pk),
        },
        method="POST",
    )
    # urlopen raises HTTPError for 4xx/5xx; a 2xx outside 200 still counts as received.
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        status = response.status
    if not 200 <= status < 300:
        raise SenderError(f"HTTP {status}")


register_sender(SENDER, hotline_sender)
