"""``GET /health/``: the bare liveness check for load balancers and monitors.

One ``SELECT 1`` on the default database and nothing else: no login, no
session, no template, so it measures the server itself (and is the baseline
of ``bench/intake_bench.py``).  200 ``{"status": "ok"}``, or 503
``{"status": "error"}`` when the database does not answer.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database answers ``SELECT 1``, else 503 (never cached)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        response = JsonResponse({"status": "error"}, status=503)
    else:
        response = JsonResponse({"status": "ok"})
    add_never_cache_headers(response)
    return response
