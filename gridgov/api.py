"""The NinjaAPI object; each app contributes a router in its own api.py.

Conventions of the whole API (under /api/v1/):

* auth: ``Authorization: Bearer <token>``, or the logged-in session for GET
  (see :mod:`gridgov.core.api_auth`); without either, 401 JSON;
* scoping: rows come from ``Model.objects.visible_to(user)``; anything outside
  the caller's scope answers 404 exactly like a missing row, never 403;
* errors are JSON: 401/404 ``{"detail": "..."}``; 422 (request validation)
  ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``; 400 (an
  action refused, :class:`~gridgov.core.errors.ActionError`)
  ``{"detail": "...", "errors": {"field": ["..."]}}``; 409 (a case move the
  workflow does not allow now, or a lost race) ``{"detail": "..."}``;
* lists answer ``{"items": [...], "count": N}`` with ``?limit=`` (default 100,
  at most 1000) and ``?offset=``.

The OpenAPI document is served at /api/v1/openapi.json and committed as
docs/openapi.json (``make openapi``).  No interactive docs page: ninja's loads
Swagger UI from a CDN and deployments run without internet.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from gridgov.accounts.api import router as accounts_router
from gridgov.cases.actions import Conflict
from gridgov.cases.api import router as cases_router
from gridgov.core.api_auth import API_AUTH
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.hotline.api import router as hotline_router
from gridgov.insights.api import router as insights_router
from gridgov.party.api import router as party_router
from gridgov.places.api import router as places_router

api = NinjaAPI(
    title="gridgov API",
    version="1",
    description=(
        "党建引领网格化治理平台 API. Authenticate with `Authorization: Bearer <token>` "
        "(`gridgov token create USER` or `POST /api/v1/auth/token`); a logged-in "
        "browser session works for GET. Rows outside your scope answer 404. Lists take "
        "`limit` (default 100, max 1000) and `offset` and answer `{items, count}`."
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
    docs_url=None,
)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 JSON with a ``WWW-Authenticate`` challenge."""
    response = api.create_response(request, {"detail": exc.message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="gridgov"'
    return response


@api.exception_handler(NotPermitted)
def not_permitted(request: HttpRequest, exc: NotPermitted) -> HttpResponse:
    """Outside the caller's scope: 404, exactly like a missing row."""
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(ActionError)
def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    """An action refused its input: 400 with the message and messages per field."""
    return api.create_response(request, {"detail": exc.message, "errors": exc.errors}, status=400)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    """A move the workflow does not allow now, or a lost race: 409."""
    return api.create_response(request, {"detail": exc.message}, status=409)


api.add_router("", accounts_router)
api.add_router("", places_router)
api.add_router("", party_router)
api.add_router("", cases_router)
api.add_router("", hotline_router)
api.add_router("", insights_router)
