"""`gridgov apikey create|list|revoke`: Open311 API keys at the command line.

  gridgov apikey create NAME [--street CODE] [--moderated]   the raw key alone on the last line
  gridgov apikey list [--street CODE]                        prefix, name, street, moderated, ...
  gridgov apikey revoke PREFIX                               the first 12 characters (or the key)

--street is needed only when the deployment holds more than one street.
Clients send the key as the ``api_key`` parameter of POST requests.  Only
its digest is stored: a lost key cannot be shown again, only revoked.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.core.cli_secrets import one_active, when
from gridgov.core.errors import ActionError
from gridgov.open311.actions import create_api_key, revoke_api_key
from gridgov.open311.models import ApiKey
from gridgov.places.models import Street


def _street(code: str | None) -> Street:
    if code:
        street = Street.objects.filter(code=code).first()
        if street is None:
            raise CommandError(f"No street with code {code!r}.")
        return street
    streets = list(Street.objects.order_by("code")[:2])
    if not streets:
        raise CommandError("There is no street yet.")
    if len(streets) > 1:
        raise CommandError("Several streets: say which with --street CODE.")
    return streets[0]


class Command(BaseCommand):
    help = "Create, list and revoke Open311 API keys (the api_key of POST requests)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        actions.required = True
        create = actions.add_parser("create", help="create a key; prints it once")
        create.add_argument("name", help="who will use the key")
        create.add_argument("--street", help="street code (needed with several streets)")
        create.add_argument(
            "--moderated",
            action="store_true",
            help="requests wait for the street's dispatcher (the client gets a token)",
        )
        listing = actions.add_parser("list", help="list the keys")
        listing.add_argument("--street", help="only this street's keys")
        revoke = actions.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix", help="the first 12 characters shown by `apikey list`")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {"create": self.create, "list": self.list, "revoke": self.revoke}
        try:
            handler[options["action"]](options)
        except ActionError as exc:
            raise CommandError(exc.message) from exc

    def create(self, options: dict[str, Any]) -> None:
        """Create a key (the operator acts); the raw value is printed alone on the last line."""
        street = _street(options["street"])
        key, raw = create_api_key(
            street=street, name=options["name"], moderated=options["moderated"], actor=None
        )
        moderated = " (moderated)" if key.moderated else ""
        self.stdout.write(f"Open311 key {key.prefix}… ({key.name}) for {street.code}{moderated}.")
        self.stdout.write("It is shown only now; clients send it as the api_key parameter.")
        self.stdout.write(raw)

    def list(self, options: dict[str, Any]) -> None:
        keys = ApiKey.objects.select_related("street").order_by("-created_at", "-id")
        if options["street"]:
            keys = keys.filter(street=_street(options["street"]))
        if not keys:
            self.stdout.write("No Open311 API keys.")
            return
        self.stdout.write("prefix\tname\tstreet\tmoderated\tcreated\tlast used\tstate")
        for key in keys:
            state = f"revoked {when(key.revoked_at)}" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{key.name}\t{key.street.code}\t{'yes' if key.moderated else 'no'}\t"
                f"{when(key.created_at)}\t{when(key.last_used_at)}\t{state}"
            )

    def revoke(self, options: dict[str, Any]) -> None:
        """Revoke the one active key with this prefix (or this raw key)."""
        active = ApiKey.objects.select_related("street").filter(revoked_at__isnull=True)
        found = one_active(
            active, options["prefix"], ApiKey.digest_of, "key", "gridgov apikey list"
        )
        key = revoke_api_key(key=found, actor=None)
        self.stdout.write(f"Revoked {key.prefix}… ({key.name}) of {key.street.code}.")
