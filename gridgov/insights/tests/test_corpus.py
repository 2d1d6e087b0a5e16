"""The shipped corpus and the separately written test set: sound, apart, and good enough."""

import json
from collections import Counter
from pathlib import Path

from gridgov.algorithms import dedupe_fit
from gridgov.algorithms.textclass import evaluate, normalise
from gridgov.core.catalogue import default_catalogue
from gridgov.insights.classifier import corpus_model, shipped_corpus

TEST_SET = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "insights" / "classify_test.jsonl"
)
CODES = {row["code"] for row in default_catalogue()["categories"]}


DUPLICATES_TRAIN = dedupe_fit.TRAIN


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def read_test_set() -> list[dict]:
    return read_jsonl(TEST_SET)


def shingles(text: str, n: int = 4) -> set[str]:
    text = normalise(text)
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def test_the_corpus_has_a_hundred_examples_of_every_category_and_no_repeats():
    corpus = shipped_corpus()
    counts = Counter(code for _, code in corpus)

    assert set(counts) == CODES
    assert min(counts.values()) >= 100, counts.most_common()[-3:]
    texts = [normalise(text) for text, _ in corpus]
    assert len(texts) == len(set(texts))


def test_most_examples_avoid_the_catalogues_hint_words():
    hints = {
        row["code"]: [w for w in str(row["hint"]).split("、") if w] + [row["zh"]]
        for row in default_catalogue()["categories"]
    }
    corpus = shipped_corpus()
    plain = Counter(code for text, code in corpus if not any(w in text for w in hints[code]))
    totals = Counter(code for _, code in corpus)

    assert all(plain[code] / totals[code] >= 0.5 for code in totals), {
        code: round(plain[code] / totals[code], 2) for code in totals
    }


def overlapping(texts: list[str], training: list[str]) -> list[str]:
    """The texts that overlap the training texts: the same text, or most 4-character shingles."""
    exact = {normalise(text) for text in training}
    trained = [shingles(text) for text in training]
    found = []
    for text in texts:
        mine = shingles(text)
        if normalise(text) in exact or any(
            len(mine & other) / len(mine | other) >= 0.6 for other in trained
        ):
            found.append(text)
    return found


def test_the_test_set_is_kept_apart_from_the_training_corpus():
    """Fails on any overlap: the same text, or one sharing most of its 4-character shingles."""
    training = [text for text, _ in shipped_corpus()]
    assert overlapping([row["text"] for row in read_test_set()], training) == []


def test_the_duplicates_test_set_is_kept_apart_from_all_training_data():
    """The duplicate detector learns from its training set and the classifier's corpus."""
    training = [row["text"] for row in read_jsonl(DUPLICATES_TRAIN)]
    training += [text for text, _ in shipped_corpus()]
    for name in ("test", "dev", "dev3"):
        rows = read_jsonl(TEST_SET.parent / f"duplicates_{name}.jsonl")
        assert overlapping([row["text"] for row in rows], training) == [], name


def test_the_test_set_covers_every_category_with_hard_texts():
    rows = read_test_set()
    per_category = Counter(row["category"] for row in rows)
    avoiding = Counter(row["category"] for row in rows if row["hard"] == "no_obvious_words")

    assert set(per_category) == CODES
    assert min(per_category.values()) >= 10
    assert all(avoiding[code] * 2 >= per_category[code] for code in CODES)


def test_accuracy_on_the_separate_test_set_meets_the_target():
    model = corpus_model()
    rows = read_test_set()

    figures = evaluate(model, [row["text"] for row in rows], [row["category"] for row in rows])

    assert figures.top1 >= 0.85, figures.worst(10)
    assert figures.top3 >= 0.95
