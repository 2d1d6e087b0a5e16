"""`gridgov train`: train the category classifier now (the worker also does it when due)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gridgov.insights.actions import train_classifier
from gridgov.insights.classifier import forget


class Command(BaseCommand):
    help = "Train the category classifier from the shipped corpus and the closed cases."

    def handle(self, *args: Any, **options: Any) -> None:
        row = train_classifier(actor=None)
        forget()
        self.stdout.write(
            f"trained on {row.corpus_examples} corpus examples and {row.case_examples} closed "
            f"cases; held out: top-1 {row.held_out_top1:.3f}, top-3 {row.held_out_top3:.3f}"
        )
