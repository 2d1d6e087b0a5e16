"""Open311 fixtures: the personas' world with the service attributes, and API keys."""

from __future__ import annotations

import pytest


@pytest.fixture
def o311(world):
    """The world, with the catalogue's service attributes loaded (a flush may have removed them)."""
    from gridgov.open311.catalogue import sync_service_attributes

    sync_service_attributes()
    return world


@pytest.fixture
def raw_key(o311):
    from gridgov.open311.actions import create_api_key

    _key, raw = create_api_key(street=o311.street, name="居民小程序", actor=o311.street_admin)
    return raw


@pytest.fixture
def moderated_key(o311):
    from gridgov.open311.actions import create_api_key

    _key, raw = create_api_key(
        street=o311.street, name="第三方平台", moderated=True, actor=o311.street_admin
    )
    return raw


@pytest.fixture(scope="session", autouse=True)
def _close_live_server_connections(django_db_setup, django_db_blocker):
    """Close the PostgreSQL sessions live-server threads left open (see tests/browser/conftest.py).

    The third-party clients' tests run against ``live_server``; without this
    DROP DATABASE fails at the end of a PostgreSQL run (pytest-django #429).
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
