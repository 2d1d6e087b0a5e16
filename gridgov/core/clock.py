"""The current time, which the demo history and ``gridgov sweep --at`` can set.

Actions ask ``clock.now()`` instead of ``timezone.now()`` so that a month of
demo history can be played through the real actions with past timestamps,
and a sweep can run "as if it were" a given time.  Outside ``frozen`` it is
simply the real time.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Iterator

from django.utils import timezone

_local = threading.local()


def now() -> datetime.datetime:
    fixed = getattr(_local, "fixed", None)
    return fixed if fixed is not None else timezone.now()


@contextlib.contextmanager
def frozen(at: datetime.datetime) -> Iterator[None]:
    """Within the block (this thread only), ``now()`` answers ``at`` (timezone-aware)."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs a timezone-aware datetime")
    previous = getattr(_local, "fixed", None)
    _local.fixed = at
    try:
        yield
    finally:
        _local.fixed = previous
