"""Errors that actions raise; every entry point turns them into clear messages."""

from __future__ import annotations


class ActionError(Exception):
    """An action refused its input; nothing was changed.

    ``errors`` maps a field name (or ``"__all__"``) to messages, so forms and
    the API can show each message beside its field.
    """

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {"__all__": [message]}


class NotPermitted(ActionError):
    """The actor may not do this here (entry points answer 404 or 403)."""
