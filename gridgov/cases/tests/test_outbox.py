"""The outbox: senders, retries with backoff, exactly one delivery, nothing ever lost."""

import datetime
import io
import json
import logging
import threading
import urllib.error

import pytest
from django.db import connection, connections

from gridgov.cases import outbox
from gridgov.cases.models import OutboxMessage
from gridgov.cases.notify import enqueue

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


class FakeSender:
    """Records what it was given; fails while ``failing`` is set."""

    def __init__(self):
        self.failing = False
        self.sent: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, message):
        if self.failing:
            raise ConnectionError("robot unreachable")
        with self.lock:
            self.sent.append(message.pk)


@pytest.fixture
def fake(settings):
    sender = FakeSender()
    outbox.register_sender("fake", sender)
    settings.GRIDGOV_OUTBOX_SENDERS = ["fake"]
    yield sender
    outbox.unregister_sender("fake")


def queue(n=1, topic="case.dispatch"):
    messages = []
    for i in range(n):
        messages += enqueue(topic, {"case": f"370203901-20250303-{i:04d}", "text": f"消息 {i}"})
    OutboxMessage.objects.update(next_attempt_at=T0)
    return messages


def test_backoff_doubles_and_stops_at_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert outbox.backoff(1000) == datetime.timedelta(hours=1)


def test_the_log_sender_is_the_default(db, caplog):
    assert OutboxMessage._meta.get_field("sender")  # sanity
    [message] = enqueue("case.resolve", {"case": "X-1", "text": "案件 X-1 已办结"})
    assert message.sender == "log"
    with caplog.at_level(logging.INFO, logger="gridgov.outbox"):
        report = outbox.deliver_outbox()
    assert report.delivered == 1
    assert "案件 X-1 已办结" in caplog.text
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1


def test_a_failing_sender_keeps_the_message_and_a_later_success_delivers_it_once(db, fake):
    [message] = queue()
    fake.failing = True
    assert outbox.deliver_outbox(now=T0).failed == 1
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 1
    assert message.next_attempt_at == T0 + 30 * SECOND
    assert "robot unreachable" in message.last_error

    assert outbox.deliver_outbox(now=T0 + 29 * SECOND).tried == 0  # not due yet
    assert outbox.deliver_outbox(now=T0 + 30 * SECOND).failed == 1
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == T0 + 90 * SECOND

    fake.failing = False
    assert outbox.deliver_outbox(now=T0 + 100 * SECOND).delivered == 1
    assert outbox.deliver_outbox(now=T0 + 10_000 * SECOND).tried == 0
    assert fake.sent == [message.pk]  # exactly once
    message.refresh_from_db()
    assert message.delivered_at == T0 + 100 * SECOND and message.attempts == 3
    assert OutboxMessage.objects.count() == 1  # never deleted


def test_a_message_for_an_unknown_sender_waits_for_it(db, settings, fake):
    settings.GRIDGOV_OUTBOX_SENDERS = ["pigeon"]
    [message] = queue()
    assert outbox.deliver_outbox(now=T0).failed == 1
    message.refresh_from_db()
    assert "pigeon" in message.last_error and message.delivered_at is None
    outbox.register_sender("pigeon", fake)
    try:
        assert outbox.deliver_outbox(now=T0 + outbox.BACKOFF_FIRST).delivered == 1
    finally:
        outbox.unregister_sender("pigeon")


def test_delivery_takes_batches_in_order(db, fake):
    messages = queue(5)
    assert outbox.deliver_outbox(now=T0, batch=2).delivered == 2
    assert outbox.deliver_outbox(now=T0, batch=2).delivered == 2
    assert outbox.deliver_outbox(now=T0, batch=2).delivered == 1
    assert fake.sent == [m.pk for m in messages]


class FakeResponse(io.BytesIO):
    def __init__(self, body, status=200):
        super().__init__(body)
        self.status = status


def test_the_webhook_sender_posts_a_work_chat_robot_text_message(db, settings, monkeypatch):
    settings.GRIDGOV_OUTBOX_SENDERS = ["webhook"]
    settings.GRIDGOV_WEBHOOK_URL = "https://qyapi.example/cgi-bin/webhook/send?key=k"
    calls = []

    def urlopen(request, timeout):
        calls.append((request, timeout))
        return FakeResponse(b'{"errcode": 0, "errmsg": "ok"}')

    monkeypatch.setattr(outbox.urllib.request, "urlopen", urlopen)
    queue()
    assert outbox.deliver_outbox(now=T0).delivered == 1
    [(request, timeout)] = calls
    assert request.full_url == settings.GRIDGOV_WEBHOOK_URL and request.get_method() == "POST"
    assert request.get_header("Content-type").startswith("application/json")
    assert timeout == 5
    assert json.loads(request.data) == {"msgtype": "text", "text": {"content": "消息 0"}}


@pytest.mark.parametrize(
    "answer",
    [
        lambda request, timeout: FakeResponse(b'{"errcode": 93000, "errmsg": "invalid key"}'),
        lambda request, timeout: (_ for _ in ()).throw(
            urllib.error.HTTPError(request.full_url, 502, "Bad Gateway", {}, None)
        ),
        lambda request, timeout: (_ for _ in ()).throw(TimeoutError("timed out")),
    ],
    ids=["errcode", "http-error", "timeout"],
)
def test_a_webhook_failure_is_kept_for_later(db, settings, monkeypatch, answer):
    settings.GRIDGOV_OUTBOX_SENDERS = ["webhook"]
    settings.GRIDGOV_WEBHOOK_URL = "https://oapi.example/robot/send?access_token=t"
    monkeypatch.setattr(outbox.urllib.request, "urlopen", answer)
    [message] = queue()
    assert outbox.deliver_outbox(now=T0).failed == 1
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 1 and message.last_error


def test_the_webhook_sender_needs_an_address(db, settings):
    settings.GRIDGOV_OUTBOX_SENDERS = ["webhook"]
    settings.GRIDGOV_WEBHOOK_URL = ""
    [message] = queue()
    assert outbox.deliver_outbox(now=T0).failed == 1
    message.refresh_from_db()
    assert "GRIDGOV_WEBHOOK_URL" in message.last_error


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions")
def test_two_workers_deliver_each_message_once(transactional_db, fake):
    messages = queue(40)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            while outbox.deliver_outbox(now=T0, batch=3).tried:
                pass
        except Exception as exc:  # noqa: BLE001  (reported in the assertion)
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(fake.sent) == sorted(m.pk for m in messages)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
