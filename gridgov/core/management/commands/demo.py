"""`gridgov demo [--port P] [--no-serve]`: a working demo on a fresh checkout.

Migrates (quietly), loads the demo street 湖岛街道 if the database holds no
street yet, prints the demo logins and serves on 127.0.0.1 with waitress.
Loading only into an empty database keeps the command safe to run again and
never mixes demo rows into a real deployment.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from gridgov.core.demo_data import demo_logins, load_demo
from gridgov.core.management.commands.serve import DEFAULT_PORT, default_port, run_waitress
from gridgov.places.models import Street

DEMO_HOST = "127.0.0.1"


def display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese text in them."""
    widths = [
        max(display_width(str(cell)) for cell in column)
        for column in zip(headers, *rows, strict=True)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(cell) + " " * (width - display_width(str(cell)))
            for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


class Command(BaseCommand):
    help = "Migrate, load the demo street 湖岛街道 into an empty database, print logins, serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=None, help=f"port (default $PORT or {DEFAULT_PORT})"
        )
        parser.add_argument("--threads", type=int, default=4, help="waitress threads (default 4)")
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare the database and print logins only"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        # WhiteNoise serves from the apps (finders) here, but warns on every
        # start if STATIC_ROOT is missing; an empty one keeps the demo quiet.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        if Street.objects.exists():
            self.stdout.write("The database already holds streets: the demo is not loaded again.")
        else:
            self.stdout.write("Loading the demo street 湖岛街道 …")
            counts = load_demo(stdout=self.stdout)
            self.stdout.write(f"Demo loaded in {counts['seconds']} s.")
        logins = demo_logins()
        if logins:
            self.stdout.write("\nDemo logins:\n")
            self.stdout.write(
                format_table(
                    ["username", "role", "place", "password"],
                    [[r["username"], r["role"], r["place"], r["password"]] for r in logins],
                )
            )
        port = options["port"] or default_port()
        self.stdout.write(f"\nOpen http://{DEMO_HOST}:{port}/\n")
        if options["no_serve"]:
            return
        self.stdout.write("Serving with waitress, and the worker beside it (Ctrl-C to stop) …")
        self.stdout.flush()
        start_worker_thread()
        run_waitress(DEMO_HOST, port, options["threads"])


def start_worker_thread() -> threading.Thread:
    """The background worker in a daemon thread of the demo's process (production runs
    ``gridgov worker`` on its own): new cases are announced and the outbox delivered."""
    from gridgov.cases.management.commands.worker import Command as Worker

    worker = Worker()
    interval = float(settings.GRIDGOV_WORKER_INTERVAL)

    def loop() -> None:
        while True:
            worker.run_pass(once=False, verbose=False)
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="gridgov-worker", daemon=True)
    thread.start()
    return thread
