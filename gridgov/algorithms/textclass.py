"""Category classifier for short Chinese texts: character 1-2-gram TF-IDF + logistic regression.

Pure Python (scikit-learn, no Django). Why this model: requests are short,
colloquial and full of typos and invented names; character n-grams need no
word segmentation (so no dictionary to download) and survive typos; a linear
model on them trains in a second and classifies thousands of texts a second
on one core. Logistic regression gives probabilities, which the intake
compares with the auto-dispatch threshold.
"""

from __future__ import annotations

import io
import pickle
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

# Digits are addresses, phone numbers and dates: they say nothing about the category.
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")

# Bumped when the features or the model change, so stored models are retrained.
MODEL_VERSION = 2


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, digit runs to one 0, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Prediction:
    """The best category, its probability, and the top three with theirs."""

    category: str
    confidence: float
    top: list[tuple[str, float]]

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "top": [{"category": code, "score": round(score, 4)} for code, score in self.top],
        }


class CategoryModel:
    """A trained classifier: ``fit`` on labelled texts, then ``predict`` in batches."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            preprocessor=normalise,
            dtype=np.float32,
        )
        # Logistic regression fitted by SGD: the same accuracy as lbfgs on this
        # corpus (docs/benchmarks.md), in a tenth of the time; seeded, so repeatable.
        self.model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, random_state=0)
        self.version = MODEL_VERSION

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.model.classes_]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CategoryModel:
        if len(set(labels)) < 2:
            raise ValueError("at least two categories are needed to train")
        features = self.vectorizer.fit_transform(texts)
        self.model.fit(features, list(labels))
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (``self.labels``)."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.model.predict_proba(self.vectorizer.transform(texts))

    def predict(self, texts: Sequence[str], k: int = 3) -> list[Prediction]:
        return rank(self.probabilities(texts), self.labels, k)

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> CategoryModel:
        # Only ever called on models this deployment trained and stored itself.
        try:
            model = pickle.loads(blob)  # noqa: S301
        except (pickle.UnpicklingError, AttributeError, ImportError, EOFError) as error:
            raise ValueError("stored model cannot be read") from error
        if not isinstance(model, CategoryModel) or model.version != MODEL_VERSION:
            raise ValueError("stored model is of another version")
        return model


def rank(probabilities: np.ndarray, labels: Sequence[str], k: int = 3) -> list[Prediction]:
    """The ``k`` most probable labels of each row, best first."""
    k = min(k, len(labels))
    best = np.argsort(-probabilities, axis=1)[:, :k]
    predictions = []
    for row, order in zip(probabilities, best, strict=True):
        top = [(labels[i], float(row[i])) for i in order]
        predictions.append(Prediction(top[0][0], top[0][1], top))
    return predictions


@dataclass
class Evaluation:
    """Held-out figures: accuracy, top-3 accuracy, and the confusion counts."""

    size: int
    top1: float
    top3: float
    labels: list[str]
    # confusion[true][predicted] = count
    confusion: dict[str, Counter[str]] = field(default_factory=dict)

    def worst(self, n: int = 5) -> list[tuple[str, str, int]]:
        """The most frequent mistakes (true, predicted, count)."""
        mistakes = [
            (truth, guess, count)
            for truth, row in self.confusion.items()
            for guess, count in row.items()
            if guess != truth
        ]
        return sorted(mistakes, key=lambda m: (-m[2], m[0], m[1]))[:n]


def evaluate(model: CategoryModel, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    predictions = model.predict(texts, k=3)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    top1 = top3 = 0
    for prediction, truth in zip(predictions, labels, strict=True):
        confusion[truth][prediction.category] += 1
        top1 += prediction.category == truth
        top3 += truth in (code for code, _ in prediction.top)
    size = len(labels)
    return Evaluation(
        size=size,
        top1=top1 / size if size else 0.0,
        top3=top3 / size if size else 0.0,
        labels=sorted(set(labels) | set(model.labels)),
        confusion=dict(confusion),
    )


def split(
    examples: Iterable[tuple[str, str]], held_out: float = 0.2, seed: int = 7
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Stratified split: ``held_out`` of each category (at least one) kept for evaluation."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, label in examples:
        by_label[label].append((text, label))
    rng = random.Random(seed)
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        cut = max(1, round(len(group) * held_out)) if len(group) > 1 else 0
        test.extend(group[:cut])
        train.extend(group[cut:])
    return train, test
