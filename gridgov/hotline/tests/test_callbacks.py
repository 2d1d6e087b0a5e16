"""Milestones of a hotline case go back to the hotline: signed outbox messages, retried."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gridgov.cases import actions
from gridgov.cases.models import Case, OutboxMessage
from gridgov.cases.outbox import deliver_outbox
from gridgov.core import clock
from gridgov.hotline.callback import body_bytes, hotline_sender
from gridgov.hotline.tests.conftest import order

pytestmark = pytest.mark.django_db

SECRET = "shared-secret-of-12345"


def _case(hotline: Any, **extra: Any) -> Case:
    response = hotline.post(order(**extra))
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["case_id"])


def _hotline_messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(sender="hotline").order_by("id"))


def test_intake_alone_reports_nothing_and_generic_senders_get_nothing_extra(hotline):
    _case(hotline)
    assert _hotline_messages() == []
    assert not OutboxMessage.objects.filter(topic__startswith="hotline.").exclude(sender="hotline")


def test_every_milestone_is_one_message_with_the_order_number(hotline):
    case = _case(hotline)
    worker = hotline.world.grid_worker_a
    case = actions.accept_case(case=case, actor=worker)
    case = actions.whistle(case=case, actor=worker, reason="需要社区协调", up=True)
    case = actions.resolve_case(case=case, actor=worker, reply="已联系环卫清运完毕")
    case = actions.verify_case(case=case, actor=worker, ok=True)
    messages = _hotline_messages()
    assert [m.topic for m in messages] == ["hotline.accepted", "hotline.resolved", "hotline.closed"]
    bodies = [m.payload["body"] for m in messages]
    assert {b["order_number"] for b in bodies} == {"GD20261123000123"}
    assert {b["case_number"] for b in bodies} == {case.number}
    assert [b["status"] for b in bodies] == ["accepted", "resolved", "closed"]
    resolved = bodies[1]
    assert resolved["reply"] == "已联系环卫清运完毕"
    assert resolved["unit"] == case.lead_unit.name
    when = datetime.datetime.fromisoformat(resolved["time"])
    assert when.utcoffset() == datetime.timedelta(hours=8)  # ISO 8601 with the zone
    assert "李女士" not in json.dumps(bodies, ensure_ascii=False)  # no caller data goes back


def test_a_case_returned_as_not_ours_is_reported_with_the_reason(hotline):
    case = _case(hotline)
    actions.return_case(case=case, actor=hotline.world.grid_worker_a, reason="不属于本网格")
    (message,) = _hotline_messages()
    body = message.payload["body"]
    assert (message.topic, body["event"], body["status"]) == (
        "hotline.returned",
        "returned",
        "returned",
    )
    assert body["reason"] == "不属于本网格"
    assert body["unit"] == Case.objects.get(pk=case.pk).events.get(action="return").unit.name


def test_a_rework_is_not_a_milestone(hotline):
    case = _case(hotline)
    worker = hotline.world.grid_worker_a
    case = actions.resolve_case(case=case, actor=worker, reply="已处理")
    actions.verify_case(case=case, actor=worker, ok=False, note="现场仍有垃圾")
    assert [m.topic for m in _hotline_messages()] == ["hotline.resolved"]


def test_a_rolled_back_step_leaves_no_message(hotline):
    case = _case(hotline)
    with pytest.raises(actions.Conflict):
        actions.verify_case(case=case, actor=hotline.world.grid_worker_a, ok=True)
    assert _hotline_messages() == []


def test_the_sender_signs_the_exact_body_bytes(hotline, callback_settings, monkeypatch):
    case = _case(hotline)
    actions.accept_case(case=case, actor=hotline.world.grid_worker_a)
    (message,) = _hotline_messages()
    sent: list[Any] = []

    class Answer:
        status = 200

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *args: Any) -> None:
            return None

    def fake_urlopen(request: Any, timeout: float) -> Answer:
        sent.append((request, timeout))
        return Answer()

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    hotline_sender(message)
    ((request, timeout),) = sent
    assert request.full_url == callback_settings.GRIDGOV_HOTLINE_CALLBACK_URL
    assert request.data == body_bytes(message)
    expected = hmac.new(SECRET.encode(), request.data, hashlib.sha256).hexdigest()
    assert request.get_header("X-gridgov-signature") == f"sha256={expected}"
    assert request.get_header("X-gridgov-delivery") == str(message.pk)
    assert json.loads(request.data) == message.payload["body"]
    assert timeout > 0


def test_without_a_secret_nothing_is_sent_unsigned(hotline, callback_settings):
    callback_settings.GRIDGOV_HOTLINE_SECRET = ""
    case = _case(hotline)
    actions.accept_case(case=case, actor=hotline.world.grid_worker_a)
    report = deliver_outbox(now=clock.now() + datetime.timedelta(seconds=1))
    (message,) = _hotline_messages()
    assert message.delivered_at is None and report.failed >= 1
    assert "GRIDGOV_HOTLINE_SECRET" in message.last_error


# --------------------------------------------------------------------------- a real callback


class _Callback(http.server.BaseHTTPRequestHandler):
    fail_left = 0
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_left > 0:
            type(self).fail_left -= 1
            self.send_response(503)
        else:
            type(self).received.append((dict(self.headers), body))
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def callback_server(callback_settings) -> Iterator[type[_Callback]]:
    handler = type("Handler", (_Callback,), {"fail_left": 0, "received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    callback_settings.GRIDGOV_HOTLINE_CALLBACK_URL = (
        f"http://127.0.0.1:{server.server_address[1]}/12345/callback"
    )
    yield handler
    server.shutdown()
    server.server_close()


def test_a_callback_down_then_up_gets_the_message_exactly_once(hotline, callback_server):
    callback_server.fail_left = 3
    case = _case(hotline)
    actions.accept_case(case=case, actor=hotline.world.grid_worker_a)
    (message,) = _hotline_messages()
    now = clock.now() + datetime.timedelta(seconds=1)
    for attempt in range(1, 4):
        report = deliver_outbox(now=now)
        message.refresh_from_db()
        assert (report.failed, message.attempts, message.delivered_at) == (1, attempt, None)
        assert "503" in message.last_error
        assert deliver_outbox(now=now).tried == 0  # not before its backoff ends
        now = message.next_attempt_at
    report = deliver_outbox(now=now)
    message.refresh_from_db()
    assert report.delivered == 1 and message.delivered_at == now
    assert deliver_outbox(now=now + datetime.timedelta(days=1)).tried == 0
    ((headers, body),) = callback_server.received
    assert body == body_bytes(message)
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Gridgov-Signature"] == f"sha256={signature}"
    assert headers["X-Gridgov-Delivery"] == str(message.pk)


def test_a_day_long_outage_loses_nothing(hotline, callback_server):
    callback_server.fail_left = 10**6
    case = _case(hotline)
    actions.accept_case(case=case, actor=hotline.world.grid_worker_a)
    (message,) = _hotline_messages()
    now = clock.now() + datetime.timedelta(seconds=1)
    end = now + datetime.timedelta(days=1)
    while now < end:
        deliver_outbox(now=now)
        message.refresh_from_db()
        now = message.next_attempt_at
    assert message.delivered_at is None and message.attempts > 20
    callback_server.fail_left = 0
    deliver_outbox(now=now)
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert len(callback_server.received) == 1
