"""The outbox: messages for the world outside the database, delivered by the worker.

``notify.enqueue`` writes one ``OutboxMessage`` per configured sender
(``GRIDGOV_OUTBOX_SENDERS``, default ``log``) in the transaction of the change
it reports.  ``deliver_outbox`` hands due messages to their sender: a success
marks the message delivered, a failure keeps it with the error and tries
again later with exponential backoff (capped at an hour).  Nothing is ever
deleted, so nothing is lost while a sender is down.

Senders are plain functions ``sender(message) -> None`` that raise on
failure, registered by name (``register_sender``):

- ``log``: writes the message to the ``gridgov.outbox`` logger;
- ``webhook``: posts the text as a work-chat robot message
  (``{"msgtype": "text", "text": {"content": ...}}``, the format of WeCom
  and DingTalk group robots) to ``GRIDGOV_WEBHOOK_URL``.

Several workers may deliver at once: each claims a batch (``SELECT ... FOR
UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers) by moving its
next attempt past a lease, then sends outside the transaction, so a slow
robot never holds a lock.  A worker that dies mid-batch leaves its messages
to be retried when the lease ends (at least once; normally exactly once).
"""

from __future__ import annotations

import datetime
import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F

from gridgov.cases.models import OutboxMessage
from gridgov.core import clock

logger = logging.getLogger("gridgov.outbox")

Sender = Callable[[OutboxMessage], None]

BACKOFF_FIRST = datetime.timedelta(seconds=30)
BACKOFF_MAX = datetime.timedelta(hours=1)
WEBHOOK_TIMEOUT = 5  # seconds
ERROR_MAX = 2000

_senders: dict[str, Sender] = {}


class SenderError(Exception):
    """A sender could not deliver a message (it is kept and retried)."""


def register_sender(name: str, sender: Sender) -> Sender:
    """Make ``sender`` deliver the messages whose ``sender`` field is ``name``."""
    _senders[name] = sender
    return sender


def unregister_sender(name: str) -> None:
    _senders.pop(name, None)


def sender_names() -> list[str]:
    return sorted(_senders)


def text_of(message: OutboxMessage) -> str:
    """The human-readable line of a message (the payload's text, else its topic)."""
    text = message.payload.get("text") if isinstance(message.payload, dict) else None
    return str(text) if text else message.topic


def log_sender(message: OutboxMessage) -> None:
    logger.info("outbox %s #%s: %s", message.topic, message.pk, text_of(message))


def webhook_sender(message: OutboxMessage) -> None:
    """POST a work-chat robot text message; a non-2xx answer or an ``errcode`` is a failure."""
    url = settings.GRIDGOV_WEBHOOK_URL
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SenderError("GRIDGOV_WEBHOOK_URL is not set to an http(s) address")
    body = {"msgtype": "text", "text": {"content": text_of(message)}}
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
        status = response.status
        raw = response.read(65536)
    if not 200 <= status < 300:
        raise SenderError(f"HTTP {status}")
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return  # a robot that answers plain text accepted it with its 2xx
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise SenderError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


register_sender("log", log_sender)
register_sender("webhook", webhook_sender)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, ... at most 1 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(BACKOFF_FIRST * (2**exponent), BACKOFF_MAX)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.delivered + self.failed


def _claim(now: datetime.datetime, batch: int) -> list[OutboxMessage]:
    """Take up to ``batch`` due messages for this worker, leased past the time to send them."""
    lease = datetime.timedelta(seconds=60 + 2 * WEBHOOK_TIMEOUT * batch)
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(delivered_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:batch]
        )
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                next_attempt_at=now + lease
            )
    return messages


def deliver_outbox(now: datetime.datetime | None = None, batch: int = 100) -> DeliveryReport:
    """Send the messages due at ``now`` (default: the clock); one batch, returns what happened."""
    now = now or clock.now()
    report = DeliveryReport()
    for message in _claim(now, batch):
        sender = _senders.get(message.sender)
        try:
            if sender is None:
                raise SenderError(f"no sender named {message.sender!r}")
            sender(message)
        except Exception as exc:  # noqa: BLE001  (any failure: keep the message, retry later)
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
            OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + backoff(message.attempts + 1),
                last_error=error,
            )
            logger.warning("outbox #%s (%s) failed: %s", message.pk, message.sender, error)
            report.failed += 1
            report.errors.append(f"#{message.pk} {message.sender}: {error}")
        else:
            OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
                attempts=F("attempts") + 1, delivered_at=now
            )
            report.delivered += 1
    return report
