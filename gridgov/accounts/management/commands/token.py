"""`gridgov token create|list|revoke`: API tokens at the command line.

  gridgov token create USERNAME [--name NAME]   the raw token alone on the last line
  gridgov token list USERNAME                   prefix, name, created, last used, state
  gridgov token revoke PREFIX                   PREFIX is the first 12 characters (or the token)

Programs send the token as ``Authorization: Bearer <token>``.  Only its digest
is stored: a lost token cannot be shown again, only revoked and replaced.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gridgov.accounts.actions import create_api_token, revoke_api_token
from gridgov.accounts.models import ApiToken
from gridgov.core.cli_secrets import one_active, when
from gridgov.core.errors import ActionError


def _user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        actions.required = True
        create = actions.add_parser("create", help="create a token; prints it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help='token name (default "cli <date time>")')
        listing = actions.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the first 12 characters shown by `token list`")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {"create": self.create, "list": self.list, "revoke": self.revoke}
        try:
            handler[options["action"]](options)
        except ActionError as exc:
            raise CommandError(exc.message) from exc

    def create(self, options: dict[str, Any]) -> None:
        """Create a token; the raw value is printed alone on the last line."""
        user = _user(options["username"])
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is inactive; its tokens would not work.")
        name = options["name"] or f"cli {timezone.localtime():%Y-%m-%d %H:%M}"
        token, raw = create_api_token(user=user, name=name)
        self.stdout.write(f"Token {token.prefix}… ({token.name}) for {user.username}.")
        self.stdout.write("It is shown only now; send it as 'Authorization: Bearer <token>'.")
        self.stdout.write(raw)

    def list(self, options: dict[str, Any]) -> None:
        """One line per token, newest first: prefix, name, created, last used, state."""
        user = _user(options["username"])
        tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
        if not tokens:
            self.stdout.write(f"{user.username} has no API tokens.")
            return
        self.stdout.write("prefix\tname\tcreated\tlast used\tstate")
        for token in tokens:
            state = f"revoked {when(token.revoked_at)}" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.prefix}\t{token.name}\t{when(token.created_at)}\t"
                f"{when(token.last_used_at)}\t{state}"
            )

    def revoke(self, options: dict[str, Any]) -> None:
        """Revoke the one active token with this prefix (or this raw token)."""
        active = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True)
        token = one_active(
            active, options["prefix"], ApiToken.digest_of, "token", "gridgov token list"
        )
        # actor None: the operator at the command line, recorded as such.
        revoke_api_token(token=token, actor=None)
        self.stdout.write(f"Revoked {token.prefix}… ({token.name}) of {token.user.username}.")
