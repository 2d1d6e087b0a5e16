"""The category classifier in the product: its training data, the model in use, suggestions.

The model is trained from the corpus shipped in ``insights/data/corpus_*.jsonl``
plus the deployment's closed cases, stored as a ``TrainedModel`` row (so every
process and machine uses the same one) and kept in memory per process,
checked for a newer row at most every ``GRIDGOV_CLASSIFIER_RECHECK_SECONDS``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from django.conf import settings

from gridgov.algorithms.textclass import CategoryModel, Prediction, rank

CORPUS_PACKAGE = "gridgov.insights"


def shipped_corpus() -> list[tuple[str, str]]:
    """(text, category code) pairs of the labelled corpus that ships with the product."""
    examples: list[tuple[str, str]] = []
    data = resources.files(CORPUS_PACKAGE).joinpath("data")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("corpus_") and entry.name.endswith(".jsonl"):
            for line in entry.read_text("utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    examples.append((row["text"], row["category"]))
    return examples


def closed_case_examples() -> list[tuple[str, str]]:
    """Closed cases with the dispatcher's final category as the label."""
    from gridgov.cases.models import Case
    from gridgov.cases.workflow import Status

    rows = (
        Case.objects.filter(status=Status.CLOSED, category__isnull=False)
        .order_by("id")
        .values_list("description", "category__code")
    )
    return [(text, code) for text, code in rows.iterator(chunk_size=2000)]


def active_codes() -> set[str]:
    from gridgov.cases.models import Category

    return set(Category.objects.filter(active=True).values_list("code", flat=True))


@dataclass
class _Loaded:
    row_id: int  # 0: the corpus model of a fresh install
    model: CategoryModel
    # Column mask of the model's labels still active in the catalogue.
    active: np.ndarray
    checked_at: float


_lock = threading.Lock()
_loaded: _Loaded | None = None


def forget() -> None:
    """Drop the model held in memory (tests; after training in this process)."""
    global _loaded
    with _lock:
        _loaded = None


def _newest_id() -> int | None:
    from gridgov.insights.models import TrainedModel

    return TrainedModel.objects.order_by("-created_at", "-id").values_list("id", flat=True).first()


@functools.cache
def corpus_model() -> CategoryModel:
    """The model of a fresh install: the shipped corpus alone, trained once per process.

    No row is written on a read path; the worker (or ``gridgov train``)
    stores a trained model, and every process then uses that one.
    """
    examples = shipped_corpus()
    return CategoryModel().fit([t for t, _ in examples], [c for _, c in examples])


def _current() -> _Loaded:
    global _loaded
    from gridgov.insights.models import TrainedModel

    with _lock:
        now = time.monotonic()
        recheck = float(settings.GRIDGOV_CLASSIFIER_RECHECK_SECONDS)
        if _loaded is not None and now - _loaded.checked_at < recheck:
            return _loaded
        newest = _newest_id()
        if _loaded is not None and newest == _loaded.row_id:
            _loaded.checked_at = now
            return _loaded
        model = corpus_model()
        # A model stored by an older release cannot be read: the corpus model
        # serves until the worker retrains.
        if newest is not None:
            with contextlib.suppress(ValueError):
                model = CategoryModel.loads(bytes(TrainedModel.objects.get(pk=newest).blob))
        codes = active_codes()
        mask = np.array([label in codes for label in model.labels], dtype=bool)
        _loaded = _Loaded(newest or 0, model, mask, now)
        return _loaded


def suggest(texts: Sequence[str]) -> list[Prediction]:
    """The top three active categories for each text, with probabilities summing to 1."""
    loaded = _current()
    probabilities = loaded.model.probabilities(texts)
    if not loaded.active.all():
        probabilities = probabilities * loaded.active
        sums = probabilities.sum(axis=1, keepdims=True)
        probabilities = np.divide(
            probabilities, sums, out=np.zeros_like(probabilities), where=sums > 0
        )
    return rank(probabilities, loaded.model.labels, min(3, int(loaded.active.sum())))
