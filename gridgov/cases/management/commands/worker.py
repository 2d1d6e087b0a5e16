"""`gridgov worker [--interval SECONDS] [--once]`: sweep, deliver the outbox, KPI counts,
Monday's dispatch-meeting reports, retraining when due, stale text readings after an upgrade.

Polls the database: each pass runs the deadlines sweep, then delivers the
due outbox messages (until none is left or the pass has sent a few batches),
then sleeps.  Several workers may run at once, on one machine or many
(PostgreSQL ``SKIP LOCKED``; SQLite serialises writers).  SIGTERM and Ctrl-C
stop it after the current pass; a failing pass is logged and the next one
runs as usual.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from gridgov.cases.outbox import deliver_outbox
from gridgov.cases.sweep import sweep
from gridgov.insights.actions import publish_due_reports, retrain_if_due
from gridgov.insights.duplicates import refresh_text_readings
from gridgov.insights.kpis import refresh_kpis

logger = logging.getLogger("gridgov.worker")

# Outbox batches per pass at most, so a backlog never starves the sweep.
DELIVERY_BATCHES = 10


class Command(BaseCommand):
    help = "Run the background worker: deadlines sweep and outbox delivery, every interval."
    # Set once a pass finds no stale text reading: new cases are stored with current ones,
    # so only a restart (an upgrade) can bring stale ones back.
    readings_current = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between passes (default $GRIDGOV_WORKER_INTERVAL or 5)",
        )
        parser.add_argument("--once", action="store_true", help="run one pass and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval is None:
            interval = float(settings.GRIDGOV_WORKER_INTERVAL)
        if interval <= 0:
            raise CommandError("--interval must be positive")
        if options["once"]:
            self.run_pass(once=True, verbose=options["verbosity"] > 1)
            return
        stop = threading.Event()
        previous = self._stop_on_signals(stop)
        try:
            self.stdout.write(f"gridgov worker: a pass every {interval:g} s (SIGTERM to stop)")
            self.stdout.flush()
            while not stop.is_set():
                self.run_pass(once=False, verbose=options["verbosity"] > 1)
                stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("gridgov worker: stopped")

    def _stop_on_signals(self, stop: threading.Event) -> dict[int, Any]:
        """SIGTERM and SIGINT end the loop after the current pass; returns the old handlers."""

        def request_stop(signum: int, frame: FrameType | None) -> None:
            logger.info("worker: signal %s, stopping after this pass", signum)
            stop.set()

        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, request_stop)
        return previous

    def run_pass(self, *, once: bool, verbose: bool) -> None:
        self._fresh_connections()
        try:
            report = sweep()
            lines = report.lines()
            if once or verbose or report.changes or report.errors:
                for line in lines:
                    self.stdout.write(line)
            delivered = failed = 0
            for _batch in range(DELIVERY_BATCHES):
                delivery = deliver_outbox()
                delivered += delivery.delivered
                failed += delivery.failed
                if delivery.tried == 0:
                    break
            if once or verbose or delivered or failed:
                self.stdout.write(f"outbox: {delivered} delivered, {failed} failed")
            refreshed = refresh_kpis()
            if once or verbose:
                self.stdout.write(f"KPI counts: {refreshed} cases refreshed")
            published = publish_due_reports()
            if published:
                self.stdout.write(f"weekly reports: {published} published")
            if not self.readings_current:
                reread = refresh_text_readings()
                self.readings_current = reread == 0
                if reread:
                    self.stdout.write(f"text readings: {reread} cases read again")
            trained = retrain_if_due()
            if trained is not None:
                self.stdout.write(
                    f"classifier trained on {trained.corpus_examples} + {trained.case_examples} "
                    f"examples (held out: top-1 {trained.held_out_top1:.3f})"
                )
        except Exception:
            # The database may be away for a moment; the next pass tries again.
            if once:
                raise
            logger.exception("worker: the pass failed")
        finally:
            self._fresh_connections()

    @staticmethod
    def _fresh_connections() -> None:
        # A long-lived process: drop connections the database closed or that are
        # too old.  Not inside a transaction (a test's), where that would end it.
        if not connection.in_atomic_block:
            close_old_connections()
