"""Per-key rate limit of Open311 (``GRIDGOV_OPEN311_RATE``, e.g. "60/m"), counted in the database.

Fixed windows: each request with a key adds one to the key's row for the
current window (an atomic ``UPDATE ... count = count + 1``) and is refused
when the count passes the limit.  The database is shared by every app
process, so the limit holds however many processes serve the API; the
default cache (per process) would multiply it.  Rows of past windows are
deleted when a key opens a new one.
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F

from gridgov.core import clock
from gridgov.open311.models import ApiKey, RateWindow

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "60/m" -> (60 requests, 60 seconds); s, m, h and d (or second, minute, ...)."""
    count, _, period = rate.strip().partition("/")
    seconds = PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or seconds is None:
        raise ImproperlyConfigured(f"GRIDGOV_OPEN311_RATE must look like 60/m, not {rate!r}")
    return int(count), seconds


def hit(key: ApiKey) -> int | None:
    """Count one request of ``key``; seconds to wait when over the limit, else None."""
    limit, seconds = parse_rate(settings.GRIDGOV_OPEN311_RATE)
    now = clock.now()
    epoch = int(now.timestamp())
    start_epoch = epoch - epoch % seconds
    start = datetime.datetime.fromtimestamp(start_epoch, tz=datetime.UTC)
    window, created = RateWindow.objects.get_or_create(api_key=key, window_start=start)
    if created:
        RateWindow.objects.filter(api_key=key, window_start__lt=start).delete()
    RateWindow.objects.filter(pk=window.pk).update(count=F("count") + 1)
    count = RateWindow.objects.values_list("count", flat=True).get(pk=window.pk)
    if count <= limit:
        return None
    return max(1, math.ceil(start_epoch + seconds - now.timestamp()))
