"""GET /health/: the load balancer's check, anonymous, never cached, 503 without a database."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_it_answers_ok_without_login(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_writes_no_session_cookie(client):
    response = client.get("/health/")

    assert "sessionid" not in response.cookies


def test_it_answers_503_when_the_database_does_not(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert "no-store" in response["Cache-Control"]


def test_it_refuses_writes(client):
    assert client.post("/health/").status_code == 405
