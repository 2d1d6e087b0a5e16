"""Shared fixtures: the personas' world (tests/personas.py) and fast password hashing."""

import pytest

from gridgov.places import index


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # argon2 is deliberately slow; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos go to a per-test directory, never into var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache; one test's logins must not throttle another's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    # Each test gets its own database; the process-wide index must not leak.
    index.invalidate()
    yield
    index.invalidate()


@pytest.fixture(autouse=True)
def _no_automatic_dispatch(settings):
    # Most tests predate the classifier and expect a case without a category
    # to wait for the dispatcher; the classifier's own tests turn it back on.
    from gridgov.insights import classifier

    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 1.01
    classifier.forget()


@pytest.fixture
def world(db):
    from tests.personas import build_world

    return build_world()


@pytest.fixture
def login(client):
    """login("grid_worker_a") -> a client logged in as that persona."""
    from tests.personas import PASSWORD

    def _login(username: str):
        assert client.login(username=username, password=PASSWORD)
        return client

    return _login
