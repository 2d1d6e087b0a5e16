"""`gridgov serve [--host H] [--port P] [--threads N]`: the production web server.

Waitress is pure Python (no compiler, runs the same on the street office's
Windows or Linux box) and multi-threaded; static files are served by
WhiteNoise inside the application, so no nginx is required.  Put a TLS
reverse proxy in front for anything beyond the intranet and name it with
``--trusted-proxy`` so client addresses and https are seen correctly.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

DEFAULT_PORT = 8000


def default_port() -> int:
    """PORT from the environment (as `make demo` and most hosts set it), else 8000."""
    value = os.environ.get("PORT", "").strip()
    return int(value) if value else DEFAULT_PORT


def run_waitress(host: str, port: int, threads: int, **options: Any) -> None:
    """Serve the WSGI application until interrupted (Ctrl-C stops cleanly)."""
    # Imported here: importing the WSGI module sets Django up, and commands
    # that never serve (demo --no-serve) should not pay for waitress.
    from waitress import serve  # type: ignore[import-untyped]  # no stubs shipped

    from gridgov.wsgi import application

    serve(application, host=host, port=port, threads=threads, ident="gridgov", **options)


class Command(BaseCommand):
    help = "Serve gridgov with waitress (production; static files via WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST", "127.0.0.1"),
            help="address to listen on (default $HOST or 127.0.0.1; 0.0.0.0 for every interface)",
        )
        parser.add_argument(
            "--port", type=int, default=None, help=f"port (default $PORT or {DEFAULT_PORT})"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "8")),
            help="worker threads (default $WEB_THREADS or 8)",
        )
        parser.add_argument(
            "--trusted-proxy",
            default=None,
            help="address of the reverse proxy whose X-Forwarded-For/-Proto headers to trust",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Warn (do not migrate): schema changes in production are an explicit step.
        self.check_migrations()
        port = options["port"] or default_port()
        extra: dict[str, Any] = {}
        if options["trusted_proxy"]:
            extra = {
                "trusted_proxy": options["trusted_proxy"],
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }
        self.stdout.write(
            f"gridgov serving on http://{options['host']}:{port}/ "
            f"with {options['threads']} threads (Ctrl-C to stop)"
        )
        self.stdout.flush()
        run_waitress(options["host"], port, options["threads"], **extra)
