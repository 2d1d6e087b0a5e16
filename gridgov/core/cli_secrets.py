"""What the `gridgov token` and `gridgov apikey` commands share: finding a secret by its prefix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError
from django.db.models import QuerySet
from django.utils import timezone

PREFIX_LENGTH = 12  # the stored, shown prefix of API tokens and Open311 keys


def when(value: Any) -> str:
    """A time as the listings show it (local, to the minute), or "-"."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def one_active(
    active: QuerySet[Any], given: str, digest_of: Callable[[str], str], noun: str, lister: str
) -> Any:
    """The one active row that ``given`` names: its whole secret, or its shown prefix."""
    given = given.strip()
    if len(given) > PREFIX_LENGTH:
        matches = list(active.filter(digest=digest_of(given)))
    elif len(given) == PREFIX_LENGTH:
        matches = list(active.filter(prefix=given))
    else:
        raise CommandError(f"Give the whole {PREFIX_LENGTH}-character prefix shown by `{lister}`.")
    if not matches:
        raise CommandError(f"No active {noun} with prefix {given[:PREFIX_LENGTH]!r}.")
    if len(matches) > 1:
        raise CommandError(
            f"{len(matches)} active {noun}s share prefix {given!r}; give the whole {noun}."
        )
    return matches[0]
