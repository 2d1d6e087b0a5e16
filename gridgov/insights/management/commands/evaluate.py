"""`gridgov evaluate [--test FILE] [--json]`: how well the category classifier does.

Without ``--test``: train on 80 % of each category's examples (shipped corpus
and closed cases) and score the held-out 20 %. With ``--test FILE`` (JSON
Lines with "text" and "category"): train on every example and score the file.
Prints top-1 and top-3 accuracy, each category's recall and the confusion
matrix (rows: true category, columns: predicted, numbered as the rows).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.algorithms.textclass import CategoryModel, Evaluation, evaluate, split
from gridgov.insights.actions import training_examples


def read_labelled(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from error
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append((str(row["text"]), str(row["category"])))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CommandError(
                f"{path}:{number}: needs a JSON object with text and category"
            ) from error
    if not examples:
        raise CommandError(f"{path} holds no examples")
    return examples


def confusion_table(figures: Evaluation) -> list[str]:
    labels = figures.labels
    width = max(len(label) for label in labels)
    lines = [" " * (width + 4) + " ".join(f"{i:>3}" for i in range(1, len(labels) + 1))]
    for i, truth in enumerate(labels, start=1):
        row: Counter[str] = figures.confusion.get(truth, Counter())
        cells = " ".join(f"{row.get(guess, 0) or '.':>3}" for guess in labels)
        lines.append(f"{i:>2} {truth:<{width}}  {cells}")
    return lines


class Command(BaseCommand):
    help = "Evaluate the category classifier on a held-out split or a test file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--test", type=Path, help="JSON Lines file with text and category")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        examples, _corpus, _cases = training_examples()
        if options["test"] is not None:
            train, test = examples, read_labelled(options["test"])
        else:
            train, test = split(examples)
        model = CategoryModel().fit([t for t, _ in train], [c for _, c in train])
        figures = evaluate(model, [t for t, _ in test], [c for _, c in test])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "trained_on": len(train),
                        "tested_on": figures.size,
                        "top1": figures.top1,
                        "top3": figures.top3,
                        "confusion": {k: dict(v) for k, v in figures.confusion.items()},
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"trained on {len(train)} examples, tested on {figures.size}")
        self.stdout.write(f"top-1 accuracy {figures.top1:.3f}, top-3 accuracy {figures.top3:.3f}")
        self.stdout.write("recall by category:")
        for label in figures.labels:
            row: Counter[str] = figures.confusion.get(label, Counter())
            total = sum(row.values())
            if total:
                self.stdout.write(f"  {label:<24} {row.get(label, 0)}/{total}")
        self.stdout.write("most frequent mistakes (true -> predicted):")
        for truth, guess, count in figures.worst(8):
            self.stdout.write(f"  {truth} -> {guess}: {count}")
        self.stdout.write("confusion matrix (rows true, columns predicted):")
        for line in confusion_table(figures):
            self.stdout.write(line)
