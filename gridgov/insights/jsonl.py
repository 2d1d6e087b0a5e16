"""JSON Lines input for the batch commands: parsed and checked line by line, in batches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Item(Generic[T]):
    """One input line: its number, and either the checked value or the error."""

    line: int
    value: Any = None
    error: str | None = None


def read_batches(stream: IO[str], size: int, check: Callable[[Any], T]) -> Iterator[list[Item[T]]]:
    """Batches of ``size`` lines (blank lines skipped); ``check`` raises ValueError on bad rows."""
    batch: list[Item[T]] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item: Item[T] = Item(number, check(json.loads(line)))
        except json.JSONDecodeError as error:
            item = Item(number, error=f"not JSON: {error.msg}")
        except ValueError as error:
            item = Item(number, error=str(error))
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
