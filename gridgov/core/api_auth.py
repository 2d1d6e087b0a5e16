"""Authentication for the API under /api/v1/: Bearer tokens and, for reads, the session.

Programs send ``Authorization: Bearer <token>`` (tokens come from
``gridgov token create`` or ``POST /api/v1/auth/token``).  The web map runs in
a logged-in browser and calls the API with its session cookie; the session is
accepted for safe methods (GET, HEAD, OPTIONS) only, so a write never rides on
a cookie.

Every endpoint reads the caller with :func:`auth_user` and scopes its rows
with ``Model.objects.visible_to(auth_user(request))``.  Future routers reuse
:data:`API_AUTH` (the NinjaAPI default) or the two classes directly::

    from gridgov.core.api_auth import BEARER_ONLY, auth_user

    @router.post("/things", auth=BEARER_ONLY)
    def create_thing(request, payload: ThingIn): ...
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _remember(request: HttpRequest, user: Any) -> Any:
    """Keep the authenticated user where views and actions look for it."""
    request.auth_user = user  # type: ignore[attr-defined]
    request.user = user
    return user


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token of an active user (not revoked)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from gridgov.accounts.actions import user_for_token

        user = user_for_token(token.strip())
        if user is None:
            return None
        return _remember(request, user)


class SessionReadAuth(SessionAuth):
    """The logged-in Django session, for safe methods only (the web map's reads).

    CSRF is still checked by ninja for cookie auth; unsafe methods are refused
    before that, so they answer 401 unless a Bearer token authenticated them.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if request.method not in SAFE_METHODS:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return _remember(request, user)


#: Bearer first, then the session (GET only): the default of the whole API.
API_AUTH: list[Any] = [BearerTokenAuth(), SessionReadAuth()]
#: For endpoints programs call but browsers never should (e.g. future writes).
BEARER_ONLY: list[Any] = [BearerTokenAuth()]


def auth_user(request: HttpRequest) -> Any:
    """The user the API authenticated for this request (``request.auth``)."""
    user = getattr(request, "auth_user", None)
    if user is None:
        user = getattr(request, "auth", None)
    return user
