"""API for people: exchange a password for a token, and who am I (``/me``).

No ``from __future__ import annotations`` here: ninja builds its request
models from the evaluated signatures of the views.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import AuthenticationError
from ninja.throttling import AnonRateThrottle

from gridgov.accounts.actions import create_api_token
from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.schemas import MeOut, TokenIn, TokenOut
from gridgov.cases.units import ensure_units_of
from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import ErrorOut

router = Router(tags=["accounts"])


@router.post(
    "/auth/token",
    auth=None,
    # Slows password guessing: per client address, in the process cache.
    throttle=[AnonRateThrottle(settings.GRIDGOV_LOGIN_RATE)],
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    summary="Exchange user name and password for a token",
)
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    """A new API token for an active user; wrong credentials answer 401.

    Send it back as ``Authorization: Bearer <token>``; list and revoke tokens
    with ``gridgov token list USER`` / ``gridgov token revoke PREFIX``.
    """
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise AuthenticationError(message="Wrong user name or password.")
    name = payload.name or f"api login {timezone.localtime():%Y-%m-%d %H:%M}"
    token, raw = create_api_token(user=user, name=name, actor=user)
    return {"token": raw, "prefix": token.prefix, "name": token.name}


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The caller and their roles")
def me(request: HttpRequest) -> dict[str, Any]:
    """The authenticated user, each active role assignment, the places and the handling units
    acted for (a case's steps are taken for one of these units)."""
    user = auth_user(request)
    assignments = (
        RoleAssignment.objects.filter(user=user, active=True)
        .select_related(
            "street",
            "community",
            "grid",
            "party_organisation",
            "department",
            "organisation",
            "household__building",
        )
        .order_by("role", "id")
    )
    roles: list[dict[str, Any]] = []
    places: dict[tuple[str, int], dict[str, Any]] = {}
    for assignment in assignments:
        target = assignment.target
        place = {"kind": assignment.target_kind, "id": target.pk, "name": str(target)}
        roles.append(
            {"role": assignment.role, "role_label": str(assignment.get_role_display()), **place}
        )
        places.setdefault((place["kind"], place["id"]), place)
    return {
        "user": {"id": user.pk, "username": user.get_username(), "full_name": user.get_full_name()},
        "is_superuser": bool(user.is_superuser),
        "roles": roles,
        "places": list(places.values()),
        "units": [
            {"id": unit.pk, "kind": unit.kind, "name": unit.name}
            for unit in sorted(
                ensure_units_of(user, assignments), key=lambda unit: (unit.kind, unit.pk)
            )
        ],
    }
